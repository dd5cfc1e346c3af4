using System.Text.Json;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

/// <summary><c>infra etcd status</c>: members, leader, health, database size, alarms; exit 1 unless all is well.</summary>
public sealed class EtcdStatusCommand : AsyncCommand<EtcdSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, EtcdSettings settings, CancellationToken cancellationToken)
    {
        var env = CliEnvironment.Current;
        if (EtcdCli.Load(settings, env, out var exit) is not var (ctx, ops)) return exit;
        var report = await ops.StatusAsync(ctx.Plan, cancellationToken);
        if (settings.Json) env.Out.Profile.Out.Writer.WriteLine(ctx.Redactor.Redact(JsonSerializer.Serialize(report, EtcdCli.Json)));
        else EtcdCli.Print(env, report);
        return report.Healthy ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
