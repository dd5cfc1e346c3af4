using System.Collections.Concurrent;
using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh;
using Infra.Ssh.Engine;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

/// <summary>Options of every command that reaches hosts.</summary>
public class HostSettings : SecretsSettings
{
    [CommandOption("--hosts <NAMES>")]
    [Description("Only these hosts (comma-separated names).")]
    public string? Hosts { get; init; }

    [CommandOption("--inventory <FILE>")]
    // Help text is Spectre markup: [[ ]] print as [ ].
    [Description("Cloud stacks: the hosts the Pulumi program created ({\"hosts\": [[...]]}, its 'inventory' output).")]
    public string? Inventory { get; init; }

    [CommandOption("-y|--yes")]
    [Description("Do not ask before changing hosts.")]
    public bool Yes { get; init; }

    [CommandOption("--concurrency <N>")]
    [Description("Hosts worked on at once (1 to 1000).")]
    [DefaultValue(20)]
    public int Concurrency { get; init; } = 20;

    [CommandOption("--break-lock")]
    [Description("Remove a lock left by a run that is gone (the lock says who held it and since when).")]
    public bool BreakLock { get; init; }

    public const int MaxConcurrency = 1000;

    public override Spectre.Console.ValidationResult Validate()
    {
        if (Concurrency is < 1 or > MaxConcurrency) return Spectre.Console.ValidationResult.Error($"--concurrency is a number from 1 to {MaxConcurrency}, not {Concurrency}");
        // An empty filter (an unset CI variable) must never mean "every host".
        if (Hosts is not null && ClusterContext.SplitList(Hosts).Count == 0)
        {
            return Spectre.Console.ValidationResult.Error("--hosts: no host names given; leave --hosts out to act on every host");
        }
        if (Hosts is not null && Hosts.Split(',').Any(h => h.Trim().Length == 0))
        {
            return Spectre.Console.ValidationResult.Error($"--hosts: '{StackNames.Shorten(Hosts)}' has an empty name; give names separated by single commas");
        }
        return base.Validate();
    }
}

/// <summary>A loaded stack with its kept secrets, inventory and plan, ready for the engine.</summary>
internal sealed record ClusterContext(ClusterPlan Plan, string StackName, string SecretsDir, Redactor Redactor, string? BundleDirectory)
{
    /// <summary>Loads and plans; creates missing kept secrets when <paramref name="createSecrets"/> (apply does).</summary>
    public static ClusterContext? Load(HostSettings settings, CliEnvironment env, bool createSecrets, out int exitCode)
    {
        exitCode = ExitCodes.Ok;
        var result = StackLoader.Load(settings, env);
        if (!DiagnosticsPrinter.Report(env, result, settings.Json)) { exitCode = ExitCodes.BadInput; return null; }
        var spec = result.Spec!;
        var stackName = SecretsFolder.StackName(result.File, spec);

        IReadOnlyList<HostSpec>? inventory = null;
        if (settings.Inventory is { } inv)
        {
            var full = Path.GetFullPath(inv, env.WorkingDirectory);
            if (!File.Exists(full)) throw new BadInputException($"{inv}: no such inventory file");
            var (hosts, endpoint, diagnostics) = StackReader.ReadInventoryWithEndpoint(inv, UserFile.ReadText(full, inv, "inventory file"));
            foreach (var d in diagnostics) env.Err.MarkupLine($"[red]{Markup.Escape(d.ToString())}[/]");
            if (hosts is null) { exitCode = ExitCodes.BadInput; return null; }
            inventory = hosts;
            if (spec.Target != Target.Baremetal)
            {
                // The nodes' kubeadm configuration names the cloud load balancer, which only the inventory knows.
                spec = spec with
                {
                    ControlPlane = spec.ControlPlane with
                    {
                        Endpoint = endpoint ?? throw new BadInputException($"{inv}: no 'endpoint' (the API load balancer's host:port, which the Pulumi program's inventory output carries)"),
                    },
                };
            }
        }
        else if (spec.Target != Target.Baremetal)
        {
            throw new BadInputException($"{Summary.Article(spec.Target)} {spec.Target.ToString().ToLowerInvariant()} stack reaches its VMs through the inventory the Pulumi program outputs: " +
                "pass --inventory FILE ('pulumi stack output inventory > inventory.json')");
        }

        var planned = inventory is null ? HostInventory.Plan(spec) : HostInventory.WithInventory(spec, inventory);
        // Bad input changes nothing, not even the local secrets folder: check the host names first.
        var names = planned.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var h in SplitList(settings.Hosts))
        {
            if (!names.Contains(h))
            {
                throw new BadInputException($"--hosts: no host '{h}' in the stack{Core.Diagnostics.Suggest.DidYouMean(h, names)}");
            }
        }
        var secretsDir = SecretsFolder.Resolve(settings.SecretsDir, env, stackName);
        var existing = SecretsFolder.Load(secretsDir);
        KeptSecrets? secrets = existing;
        if (createSecrets)
        {
            var ensured = ClusterPki.EnsureWithChanges(spec, planned, existing, DateTimeOffset.UtcNow);
            if (ensured.Changes.Count > 0)
            {
                SecretsFolder.Save(secretsDir, ensured.Secrets);
                env.Err.MarkupLine($"kept secrets: {ensured.Changes.Count} item(s) created in {Markup.Escape(secretsDir)}");
            }
            secrets = ensured.Secrets;
        }
        else if (secrets is null)
        {
            throw new BadInputException($"no kept secrets in {secretsDir}: run 'infra secrets init' (or 'infra apply', which creates them)");
        }

        spec = SecretsFolder.WithKeptAdminKey(spec, secrets, secretsDir);
        var plan = ClusterPlanner.Plan(spec, secrets, inventory, BundleFolder.Read(spec, result.File, env));
        var redactor = new Redactor();
        redactor.Add(env.Variable(SshClientOptions.SudoPasswordVariable));
        redactor.Add(env.Variable(SshClientOptions.PassphraseVariable));
        return new ClusterContext(plan, stackName, secretsDir, redactor, BundleFolder.Resolve(spec, result.File, env));
    }

    public static IReadOnlyList<string> SplitList(string? list) =>
        list is null ? [] : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Prompts at most once per identity file and once per sudo user: connections ask for every host and sudo for
    /// every command, and hosts connect in parallel.
    /// </summary>
    public SshClientOptions ClientOptions(CliEnvironment env)
    {
        var answers = new ConcurrentDictionary<string, Lazy<string>>(StringComparer.Ordinal);
        var gate = new Lock();
        string Ask(string key, string what) => answers.GetOrAdd(key, _ => new Lazy<string>(() =>
        {
            lock (gate) return Prompt(env, what);
        })).Value;
        return new()
        {
            PassphrasePrompt = env.Interactive ? file => Ask("passphrase " + file, $"passphrase for {file}") : null,
            SudoPasswordPrompt = env.Interactive ? (_, user) => Ask("sudo " + user, $"sudo password for {user}") : null,
        };
    }

    private string Prompt(CliEnvironment env, string what)
    {
        var answer = env.Err.Prompt(new TextPrompt<string>($"{Markup.Escape(what)}:").Secret());
        Redactor.Add(answer);
        return answer;
    }

    public ConvergeOptions Options(HostSettings settings, IReadOnlyList<Phase> phases, bool dryRun) => new()
    {
        Phases = phases,
        Hosts = SplitList(settings.Hosts),
        Concurrency = settings.Concurrency,
        DryRun = dryRun,
        BreakLock = settings.BreakLock,
        LockHolder = LockHolder.ForThisProcess(),
        HolderIsGone = LockHolder.IsGoneHere,
        CommandTimeout = TimeSpan.FromSeconds(Plan.Spec.Ssh.CommandTimeoutSeconds),
        BundleDirectory = BundleDirectory,
    };
}

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

    public static void Summary(CliEnvironment env, ClusterReport report, Redactor redactor, bool json)
    {
        if (json)
        {
            env.Out.Profile.Out.Writer.WriteLine(redactor.Redact(JsonSerializer.Serialize(report, JsonOptions)));
            return;
        }
        if (report.Refusal is { } refusal) env.Err.MarkupLine($"[red]refused:[/] {Markup.Escape(redactor.Redact(refusal))}");
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
                HostState.Unchanged or HostState.Converged or HostState.Read => "green",
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
