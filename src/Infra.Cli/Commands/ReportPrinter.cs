using System.Globalization;
using System.Text.Json;
using Infra.Core.Security;
using Infra.Ssh.Engine;
using Spectre.Console;

namespace Infra.Cli.Commands;

/// <summary>Prints engine progress and reports, through the redactor.</summary>
internal static class ReportPrinter
{
    public static void Changes(CliEnvironment env, IReadOnlyList<HostReport> hosts, Redactor redactor)
    {
        foreach (var h in hosts)
        {
            if (h.State == HostState.Unchanged)
            {
                env.Out.MarkupLine($"[green]{Markup.Escape(h.Host)}[/]: up to date ({h.Skipped} step(s) done)");
                continue;
            }
            if (h.Changes.Count == 0)
            {
                env.Out.MarkupLine($"[yellow]{Markup.Escape(h.Host)}[/]: {StateName(h.State)}{(h.Message is null ? "" : ": " + Markup.Escape(redactor.Redact(h.Message)))}");
                continue;
            }
            env.Out.MarkupLine($"[bold]{Markup.Escape(h.Host)}[/]: {h.Changes.Count} step(s) to run");
            foreach (var c in h.Changes) env.Out.MarkupLine($"  {Markup.Escape(c.StepId)} — {Markup.Escape(c.Reason)}");
        }
    }

    /// <summary>The report as JSON, redacted.</summary>
    public static string Json(ClusterReport report, Redactor redactor) => redactor.Redact(JsonSerializer.Serialize(report, JsonOptions));

    public static void Summary(CliEnvironment env, ClusterReport report, Redactor redactor, bool json)
    {
        if (json)
        {
            env.Out.Profile.Out.Writer.WriteLine(Json(report, redactor));
            return;
        }
        if (report.Refusal is { } refusal) env.Err.MarkupLine($"[red]refused:[/] {Markup.Escape(redactor.Redact(refusal))}");
        foreach (var line in report.Procedure) env.Out.WriteLine(line);
        // Without a terminal nothing wraps a table cell: long details go below the table, wrapped, so that no line
        // of a CI log is hundreds of characters wide.
        var plain = !env.Out.Profile.Capabilities.Interactive;
        var below = new List<(string Host, string Detail)>();
        var table = new Table().AddColumns("host", "state", "ran", "detail");
        foreach (var h in report.Hosts)
        {
            var detail = redactor.Redact(h.Failure is { } f
                ? $"step {f.StepId} exit {f.ExitCode}\n{f.StderrTail}\nhint: {f.Hint}"
                : h.Refusals.Count > 0 ? string.Join("\n", h.Refusals.Select(r => r.Message))
                : h.Message ?? (h.Changes.Count > 0 && h.State == HostState.Pending ? string.Join(", ", h.Changes.Select(c => c.StepId)) : ""));
            if (plain && (detail.Length > PlainDetailWidth || detail.Contains('\n', StringComparison.Ordinal)))
            {
                below.Add((h.Host, detail));
                detail = "(below)";
            }
            var colour = h.State switch
            {
                HostState.Unchanged or HostState.Converged or HostState.Read or HostState.Removed => "green",
                HostState.Pending => "yellow",
                _ => "red",
            };
            table.AddRow(Markup.Escape(h.Host), $"[{colour}]{StateName(h.State)}[/]",
                h.Ran.Count.ToString(CultureInfo.InvariantCulture), Markup.Escape(detail));
        }
        if (report.Hosts.Count > 0) env.Out.Write(table);
        foreach (var (host, detail) in below)
        {
            env.Out.WriteLine($"{host}:");
            foreach (var line in Wrap(detail, PlainLineWidth - 2)) env.Out.WriteLine("  " + line);
        }
        if (report.NothingToDo && !report.DryRun && report.Refusal is null && report.Hosts.Count > 0)
        {
            env.Out.MarkupLine("[green]nothing to do: every host is up to date[/]");
        }
        if (report.AnyRefusedChange) env.Err.MarkupLine("[red]refused: these changes need a procedure this tool does not improvise; nothing was changed[/]");
    }

    private const int PlainDetailWidth = 60;
    private const int PlainLineWidth = 120;

    /// <summary>A host state in words: "host key refused", not "hostkeyrefused".</summary>
    public static string StateName(HostState state) =>
        string.Concat(state.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>Lines of at most <paramref name="width"/> characters, broken at spaces where there are any.</summary>
    public static IEnumerable<string> Wrap(string text, int width)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd();
            while (line.Length > width)
            {
                var cut = line.LastIndexOf(' ', width);
                if (cut <= 0) cut = width;
                yield return line[..cut].TrimEnd();
                line = line[cut..].TrimStart();
            }
            yield return line;
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Read by people and CI: "it's", not "it\u0027s" (still valid JSON; HTML-safety is not needed here).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };
}
