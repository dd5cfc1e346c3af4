using System.ComponentModel;
using System.Text.Json;
using Infra.Core.Etcd;
using Infra.Ssh.Etcd;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class EtcdRestoreSettings : EtcdSettings
{
    [CommandOption("--from <FILE>")]
    [Description("A snapshot made by 'infra etcd snapshot' (or etcdctl snapshot save).")]
    public string? From { get; init; }
}

/// <summary><c>infra etcd restore --from FILE</c>: every member from a verified snapshot, as a new cluster.</summary>
internal sealed class EtcdRestoreCommand(CliEnvironment env, ClusterLoader loader, TimeProvider clock) : AsyncCommand<EtcdRestoreSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, EtcdRestoreSettings settings, CancellationToken cancellationToken)
    {
        if (settings.From is null) throw new BadInputException("--from FILE is required: the snapshot to restore");
        var path = Path.GetFullPath(settings.From, env.WorkingDirectory);
        if (!File.Exists(path)) throw new BadInputException($"{settings.From}: no such file");
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException($"{settings.From}: cannot read the snapshot: {e.Message}");
        }
        // Checked before the stack is even read: a corrupt file never gets near a member.
        var check = EtcdSnapshot.Verify(new MemoryStream(bytes, writable: false));
        if (!check.Valid) throw new BadInputException($"{settings.From} is not a usable etcd snapshot: {check.Problem}; no member was touched");
        var loaded = loader.Load(settings, createSecrets: false);
        loaded.Print(env, settings.Json);
        if (loaded.Context is not { } ctx) return loaded.ExitCode;
        var ops = EtcdCli.Operations(ctx, settings, env, clock);
        var token = EtcdMembers.RestoreToken(ctx.Plan.Spec, clock.GetUtcNow());
        try
        {
            var result = await ops.RestoreAsync(ctx.Plan, bytes, token, question => env.Confirm(question, settings.Yes), cancellationToken);
            if (settings.Json)
            {
                env.Out.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new
                {
                    members = result.Members,
                    revision = result.Status.Revision,
                    token = result.Token,
                    seconds = Math.Round(result.Took.TotalSeconds, 1),
                }, EtcdCli.Json));
            }
            else
            {
                env.Out.MarkupLine($"restored {string.Join(", ", result.Members.Select(Markup.Escape))} to revision {result.Status.Revision} " +
                    $"as a new cluster (token {Markup.Escape(result.Token)}) in {result.Took.TotalSeconds:0.0} s; every member is healthy");
                env.Out.MarkupLine("the API servers, controller managers and schedulers were stopped for the restore and started again; " +
                    "restart kubelet on every node (systemctl restart kubelet) so that it drops what it cached from the old data");
            }
            return ExitCodes.Ok;
        }
        catch (EtcdRefusedException e)
        {
            env.Err.MarkupLine($"[red]refused:[/] {Markup.Escape(e.Message)}");
            return ExitCodes.Failed;
        }
    }
}
