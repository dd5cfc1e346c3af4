using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Infra.Core.Health;
using Infra.Ssh;
using Infra.Ssh.Engine;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class StatusSettings : HostSettings
{
    [CommandOption("--watch")]
    [Description("Refresh the status in place every few seconds until interrupted (needs a terminal).")]
    public bool Watch { get; init; }
}

/// <summary>
/// <c>infra status</c>: each host's journal, reachability and drift, and the cluster's health (nodes, control-plane pods,
/// etcd, the earliest certificate expiry per host, the last etcd backup, firing alerts); changes nothing. Exit 0 healthy,
/// 1 degraded.
/// </summary>
internal sealed class StatusCommand(CliEnvironment env, ClusterLoader loader, TimeProvider clock) : AsyncCommand<StatusSettings>
{
    public static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(5);

    public override async Task<int> ExecuteAsync(CommandContext context, StatusSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Watch && (settings.Json || !env.Out.Profile.Capabilities.Interactive))
        {
            env.Err.MarkupLine("[red]error:[/] --watch refreshes a table on a terminal; without one (or with --output json) run 'infra status' once, e.g. from a scheduler");
            return ExitCodes.BadInput;
        }
        var loaded = loader.Load(settings, createSecrets: false);
        loaded.Print(env, settings.Json);
        if (loaded.Context is not { } ctx) return loaded.ExitCode;
        while (true)
        {
            var (report, health) = await ReadAsync(ctx, settings, cancellationToken);
            if (settings.Watch) env.Out.Clear();
            Print(ctx, settings, report, health);
            // Steps not done yet are reported, not a failure; a done step whose check no longer holds (drift) is.
            var exit = report.AnyFailure || report.AnyRefusedChange || report.AnyDrift ? ExitCodes.Failed : health.ExitCode;
            if (!settings.Watch) return exit;
            env.Out.MarkupLine($"[grey]{clock.GetUtcNow():HH:mm:ss} UTC, refreshed every {WatchInterval.TotalSeconds:0} s; Ctrl+C to stop[/]");
            try
            {
                await Task.Delay(WatchInterval, clock, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return exit;
            }
        }
    }

    private async Task<(ClusterReport, ClusterHealth)> ReadAsync(ClusterContext ctx, StatusSettings settings, CancellationToken ct)
    {
        var engine = new ClusterConverger(SshHostSession.Factory(ctx.Plan.Spec.Ssh, ctx.ClientOptions(env)), ctx.Redactor);
        var report = await engine.ApplyAsync(ctx.Plan, ctx.Options(settings, [], dryRun: true), _ => false, ct);
        var health = await StatusHealth.ReadAsync(ctx, env, report, settings.Concurrency, clock.GetUtcNow(), ct);
        return (report, health);
    }

    private void Print(ClusterContext ctx, StatusSettings settings, ClusterReport report, ClusterHealth health)
    {
        if (settings.Json)
        {
            // Schema 1 (README): the engine's report (hosts, their state, changes and drift) and the health parts.
            var json = JsonNode.Parse(ReportPrinter.Json(report, ctx.Redactor))!.AsObject();
            json.Insert(0, "schemaVersion", ClusterHealth.SchemaVersion);
            json["state"] = health.State;
            json["health"] = JsonNode.Parse(ctx.Redactor.Redact(health.ToJson().ToJsonString()));
            env.Out.Profile.Out.Writer.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        ReportPrinter.Changes(env, report.Hosts, ctx.Redactor);
        ReportPrinter.Summary(env, report, ctx.Redactor, json: false);
        var table = new Table().AddColumns("part", "state", "details");
        foreach (var (name, part) in health.Parts)
        {
            var state = part.State switch
            {
                PartState.Healthy => "[green]healthy[/]",
                PartState.Degraded => "[red]degraded[/]",
                PartState.Unknown => "[yellow]unknown[/]",
                _ => "[grey]n/a[/]",
            };
            table.AddRow(name, state, Markup.Escape(ctx.Redactor.Redact(Details(name, part, health))));
        }
        env.Out.Write(table);
        env.Out.MarkupLine(health.State switch
        {
            "healthy" => "cluster: [green]healthy[/]",
            "unknown" => "cluster: [yellow]no part degraded, some unknown[/]",
            _ => "cluster: [red]degraded[/]",
        });
    }

    private static string Details(string name, HealthPart part, ClusterHealth h)
    {
        var what = name switch
        {
            "nodes" => h.Nodes.Count == 0 ? "" : $"{h.Nodes.Count(n => n.Healthy)}/{h.Nodes.Count} ready",
            "controlPlane" => h.ControlPlanePods.Count == 0 ? "" : $"{h.ControlPlanePods.Count(p => p.Healthy)}/{h.ControlPlanePods.Count} pods running",
            "etcd" => h.EtcdMembers.Count == 0 ? "" : $"{h.EtcdMembers.Count(m => m.Healthy)}/{h.EtcdMembers.Count} members healthy",
            "certificates" => string.Join(", ", h.Certificates.Where(c => c.NotAfter is not null)
                .Select(c => $"{c.Host} {c.NotAfter!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} ({c.DaysLeft} d)")),
            "backups" => string.Join(", ", h.Backups.Where(b => b.Problem is null)
                .Select(b => b.Newest is null ? $"{b.Host} none" : $"{b.Host} {b.Newest.Value.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}")),
            "alerts" => h.FiringAlerts.Count == 0 ? (part.State == PartState.Healthy ? "none firing" : "")
                : string.Join(", ", h.FiringAlerts.Select(kv => $"{kv.Value} {kv.Key}")),
            _ => "",
        };
        return string.Join("; ", new[] { what, part.Reason ?? "" }.Where(s => s.Length > 0));
    }
}
