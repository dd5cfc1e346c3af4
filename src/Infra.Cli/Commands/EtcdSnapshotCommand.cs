using System.ComponentModel;
using System.Text.Json;
using Infra.Core.Etcd;
using Infra.Ssh.Etcd;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class EtcdSnapshotSettings : EtcdSettings
{
    [CommandOption("--out <FILE>")]
    [Description("Where to write the snapshot (mode 0600); the file must not exist.")]
    public string? Out { get; init; }
}

/// <summary><c>infra etcd snapshot --out FILE</c>: a verified snapshot from a healthy member, written 0600.</summary>
internal sealed class EtcdSnapshotCommand(CliEnvironment env, ClusterLoader loader, TimeProvider clock) : AsyncCommand<EtcdSnapshotSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, EtcdSnapshotSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Out is null) throw new BadInputException("--out FILE is required: where to write the snapshot");
        var path = Path.GetFullPath(settings.Out, env.WorkingDirectory);
        if (File.Exists(path)) throw new BadInputException($"{settings.Out} exists: a snapshot never overwrites a file; choose another name");
        UserFile.CheckWritable(path, settings.Out);
        var loaded = loader.Load(settings, createSecrets: false);
        loaded.Print(env, settings.Json);
        if (loaded.Context is not { } ctx) return loaded.ExitCode;
        var ops = EtcdCli.Operations(ctx, settings, env, clock);
        var partial = path + ".partial";
        try
        {
            EtcdSnapshotResult result;
            SnapshotCheck check;
            await using (var output = SecretFile.Create(partial))
            {
                try
                {
                    result = await ops.SnapshotAsync(ctx.Plan, output, cancellationToken);
                }
                catch (EtcdRefusedException e)
                {
                    env.Err.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                    return ExitCodes.Failed;
                }
                output.Position = 0;
                check = EtcdSnapshot.Verify(output);
            }
            if (!check.Valid)
            {
                env.Err.MarkupLine($"[red]error:[/] the snapshot from {Markup.Escape(result.Member)} does not verify: {Markup.Escape(check.Problem!)}; nothing was written");
                return ExitCodes.Failed;
            }
            File.Move(partial, path);
            var s = result.Status;
            if (settings.Json)
            {
                env.Out.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new
                {
                    file = path,
                    member = result.Member,
                    revision = s.Revision,
                    hash = s.Hash,
                    totalKeys = s.TotalKeys,
                    size = check.Size,
                    sha256 = check.Sha256,
                }, EtcdCli.Json));
            }
            else
            {
                env.Out.MarkupLine($"snapshot of {Markup.Escape(result.Member)} written to {Markup.Escape(path)} (mode 0600)");
                env.Out.MarkupLine($"  revision {s.Revision}, hash {s.Hash:x8}, {s.TotalKeys} keys, {check.Size} bytes, sha256 {check.Sha256}");
            }
            return ExitCodes.Ok;
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
