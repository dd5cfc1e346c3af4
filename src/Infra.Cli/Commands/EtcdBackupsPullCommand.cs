using System.ComponentModel;
using System.Security.Cryptography;
using System.Text.Json;
using Infra.Core.Etcd;
using Infra.Ssh;
using Infra.Ssh.Etcd;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class EtcdBackupsPullSettings : EtcdSettings
{
    [CommandOption("--out <DIR>")]
    [Description("The folder to write the newest snapshot into (mode 0600, under its name on the member).")]
    public string? Out { get; init; }
}

/// <summary>Shared by the backups commands.</summary>
internal static class EtcdBackupsCli
{
    public static EtcdSessionFactory Connect(ClusterContext ctx, CliEnvironment env)
    {
        var ssh = ctx.Plan.Spec.Ssh;
        var options = ctx.ClientOptions(env);
        return async (host, ct) => new SshHostSession(await SshConnection.ConnectAsync(SshHostSession.TargetFor(host, ssh), options, ct));
    }
}

/// <summary>
/// <c>infra etcd backups pull --out DIR</c>: the newest scheduled snapshot of the cluster (highest revision), copied,
/// its SHA-256 compared with the member's, verified as a snapshot, written 0600; an existing file is never overwritten.
/// </summary>
internal sealed class EtcdBackupsPullCommand(CliEnvironment env, ClusterLoader loader) : AsyncCommand<EtcdBackupsPullSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, EtcdBackupsPullSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Out is null) throw new BadInputException("--out DIR is required: the folder to write the snapshot into");
        var dir = Path.GetFullPath(settings.Out, env.WorkingDirectory);
        if (!Directory.Exists(dir)) throw new BadInputException($"{settings.Out} is not a folder");
        var loaded = loader.Load(settings, createSecrets: false);
        loaded.Print(env, settings.Json);
        if (loaded.Context is not { } ctx) return loaded.ExitCode;
        var connect = EtcdBackupsCli.Connect(ctx, env);
        var timeout = TimeSpan.FromSeconds(ctx.Plan.Spec.Ssh.CommandTimeoutSeconds);
        var members = EtcdBackupsRemote.Members(ctx.Plan);
        var listed = await EtcdBackupsRemote.ListAsync(members, connect, timeout, cancellationToken);
        foreach (var m in listed.Where(m => m.Failure is not null)) env.Err.MarkupLine($"[yellow]warning:[/] {Markup.Escape(m.Host)}: {Markup.Escape(m.Failure!)}");
        if (EtcdBackups.Newest(listed.SelectMany(m => m.Snapshots)) is not { } newest)
        {
            env.Err.MarkupLine("[red]error:[/] no member keeps a snapshot yet (etcd.backup; run 'systemctl start infra-etcd-snapshot.service' on a member)");
            return ExitCodes.Failed;
        }
        var path = Path.Join(dir, newest.Name);
        if (File.Exists(path)) throw new BadInputException($"{path} exists: a pulled snapshot never overwrites a file");
        var partial = path + ".partial";
        try
        {
            string remoteSha;
            SnapshotCheck check;
            await using (var output = SecretFile.Create(partial))
            {
                remoteSha = await EtcdBackupsRemote.PullAsync(members.Single(h => h.Name == newest.Host), newest, output, connect, timeout, cancellationToken);
                output.Position = 0;
                var localSha = Convert.ToHexStringLower(await SHA256.HashDataAsync(output, cancellationToken));
                if (localSha != remoteSha)
                {
                    env.Err.MarkupLine($"[red]error:[/] the copy of {Markup.Escape(newest.Name)} from {Markup.Escape(newest.Host)} has SHA-256 {localSha}, the member's file {remoteSha}; nothing was written");
                    return ExitCodes.Failed;
                }
                output.Position = 0;
                check = EtcdSnapshot.Verify(output);
            }
            if (!check.Valid)
            {
                env.Err.MarkupLine($"[red]error:[/] {Markup.Escape(newest.Name)} from {Markup.Escape(newest.Host)} does not verify: {Markup.Escape(check.Problem!)}; nothing was written");
                return ExitCodes.Failed;
            }
            File.Move(partial, path);
            if (settings.Json)
            {
                env.Out.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new
                {
                    file = path,
                    member = newest.Host,
                    revision = newest.Revision,
                    taken = newest.Taken,
                    size = check.Size,
                    sha256 = check.Sha256,
                }, EtcdCli.Json));
            }
            else
            {
                env.Out.MarkupLine($"snapshot {Markup.Escape(newest.Name)} of {Markup.Escape(newest.Host)} written to {Markup.Escape(path)} (mode 0600)");
                env.Out.MarkupLine($"  revision {newest.Revision}, {check.Size} bytes, sha256 {check.Sha256} (the same on the member)");
            }
            return ExitCodes.Ok;
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
