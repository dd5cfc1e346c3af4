using System.ComponentModel;
using Infra.Core.Model;
using Infra.Ssh;
using Infra.Ssh.Engine;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class ApplySettings : HostSettings
{
    [CommandOption("--phase <PHASES>")]
    [Description("Only these phases (comma-separated): prepare, etcd, control-plane, workers, workloads.")]
    public string? Phase { get; init; }

    [CommandOption("--dry-run")]
    [Description("Show what would change on each host, change nothing.")]
    public bool DryRun { get; init; }

    // An empty list (an unset CI variable) must never mean "every phase".
    public override Spectre.Console.ValidationResult Validate() =>
        Phase is not null && Phase.Split(',').Any(p => p.Trim().Length == 0)
            ? Spectre.Console.ValidationResult.Error("--phase: an empty phase name; give phases separated by single commas, or leave --phase out for every phase")
            : base.Validate();
}

/// <summary><c>infra apply</c>: converge the hosts over SSH, asking first.</summary>
internal sealed class ApplyCommand(CliEnvironment env, ClusterLoader loader) : AsyncCommand<ApplySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ApplySettings settings, CancellationToken cancellationToken)
    {
        var phases = new List<Phase>();
        foreach (var name in ClusterContext.SplitList(settings.Phase))
        {
            if (!PhaseNames.TryParse(name, out var phase) || phase is Core.Model.Phase.Reset or Core.Model.Phase.Upgrade)
            {
                throw new BadInputException($"--phase: '{name}' is not a phase; phases are prepare, etcd, control-plane, workers, workloads (reset is 'infra reset'; an upgrade follows kubernetes.version)");
            }
            phases.Add(phase);
        }
        var loaded = loader.Load(settings, createSecrets: !settings.DryRun);
        loaded.Print(env, settings.Json);
        if (loaded.Context is not { } ctx) return loaded.ExitCode;

        var progress = new HostProgress(env, ctx.Redactor, settings.Json);
        var engine = new ClusterConverger(SshHostSession.Factory(ctx.Plan.Spec.Ssh, ctx.ClientOptions(env)), ctx.Redactor, progress);
        ClusterReport report;
        progress.Resume();
        try
        {
            report = await engine.ApplyAsync(ctx.Plan, ctx.Options(settings, phases, settings.DryRun), pending =>
            {
                progress.Pause();
                if (!settings.Json) ReportPrinter.Changes(env, pending, ctx.Redactor);
                var yes = env.Confirm("Apply these changes?", settings.Yes);
                if (yes) progress.Resume();
                return yes;
            }, cancellationToken);
        }
        finally
        {
            progress.Pause();
        }
        if (report.DryRun && !settings.Json) ReportPrinter.Changes(env, report.Hosts, ctx.Redactor);
        ReportPrinter.Summary(env, report, ctx.Redactor, settings.Json);
        return report.ExitCode;
    }
}
