using Infra.Ssh;
using Infra.Ssh.Engine;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

/// <summary><c>infra status</c>: each host's journal, reachability and drift; changes nothing.</summary>
internal sealed class StatusCommand(CliEnvironment env, ClusterLoader loader) : AsyncCommand<HostSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, HostSettings settings, CancellationToken cancellationToken)
    {
        var loaded = loader.Load(settings, createSecrets: false);
        loaded.Print(env, settings.Json);
        if (loaded.Context is not { } ctx) return loaded.ExitCode;
        var engine = new ClusterConverger(SshHostSession.Factory(ctx.Plan.Spec.Ssh, ctx.ClientOptions(env)), ctx.Redactor);
        var report = await engine.ApplyAsync(ctx.Plan, ctx.Options(settings, [], dryRun: true), _ => false, cancellationToken);
        if (!settings.Json) ReportPrinter.Changes(env, report.Hosts, ctx.Redactor);
        ReportPrinter.Summary(env, report, ctx.Redactor, settings.Json);
        // Steps not done yet are reported, not a failure; a done step whose check no longer holds (drift) is.
        return report.AnyFailure || report.AnyRefusedChange || report.AnyDrift ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
