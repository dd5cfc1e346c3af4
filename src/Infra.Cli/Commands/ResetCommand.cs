using Infra.Ssh;
using Infra.Ssh.Engine;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

/// <summary><c>infra reset</c>: undo the tool's work on hosts (kubeadm reset, services, files, journal).</summary>
internal sealed class ResetCommand(CliEnvironment env, ClusterLoader loader) : AsyncCommand<HostSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, HostSettings settings, CancellationToken cancellationToken)
    {
        var loaded = loader.Load(settings, createSecrets: false);
        loaded.Print(env, settings.Json);
        if (loaded.Context is not { } ctx) return loaded.ExitCode;
        var targets = ClusterContext.SplitList(settings.Hosts);
        var names = targets.Count > 0 ? targets : ctx.Plan.Hosts.Select(h => h.Name).ToList();
        if (!env.Confirm($"Reset {string.Join(", ", names)}? This removes Kubernetes and everything the tool installed from them", settings.Yes))
        {
            env.Err.WriteLine("declined: nothing was changed");
            return ExitCodes.Failed;
        }
        var progress = new HostProgress(env, ctx.Redactor, settings.Json);
        var engine = new ClusterConverger(SshHostSession.Factory(ctx.Plan.Spec.Ssh, ctx.ClientOptions(env)), ctx.Redactor, progress);
        ClusterReport report;
        progress.Resume();
        try
        {
            report = await engine.ResetAsync(ctx.Plan, ctx.Options(settings, [Core.Model.Phase.Reset], dryRun: false), cancellationToken);
        }
        finally
        {
            progress.Pause();
        }
        ReportPrinter.Summary(env, report, ctx.Redactor, settings.Json);
        return report.ExitCode;
    }
}
