using System.Text.Json;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

/// <summary><c>infra etcd status</c>: members, leader, health, database size, alarms; exit 1 unless all is well.</summary>
internal sealed class EtcdStatusCommand(CliEnvironment env, ClusterLoader loader, TimeProvider clock) : AsyncCommand<EtcdSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, EtcdSettings settings, CancellationToken cancellationToken)
    {
        var loaded = loader.Load(settings, createSecrets: false);
        loaded.Print(env, settings.Json);
        if (loaded.Context is not { } ctx) return loaded.ExitCode;
        var ops = EtcdCli.Operations(ctx, settings, env, clock);
        var report = await ops.StatusAsync(ctx.Plan, cancellationToken);
        if (settings.Json) env.Out.Profile.Out.Writer.WriteLine(ctx.Redactor.Redact(JsonSerializer.Serialize(report, EtcdCli.Json)));
        else EtcdCli.Print(env, report);
        return report.Healthy ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
