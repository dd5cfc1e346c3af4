using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Infra.Core.Etcd;
using Infra.Ssh;
using Infra.Ssh.Etcd;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

/// <summary>Options of every <c>infra etcd</c> command: the stack, secrets and SSH options of the host commands.</summary>
public class EtcdSettings : HostSettings
{
    public override Spectre.Console.ValidationResult Validate() =>
        Hosts is not null
            ? Spectre.Console.ValidationResult.Error("--hosts: etcd commands act on every member of the stack")
            : base.Validate();
}

public sealed class EtcdSnapshotSettings : EtcdSettings
{
    [CommandOption("--out <FILE>")]
    [Description("Where to write the snapshot (mode 0600); the file must not exist.")]
    public string? Out { get; init; }
}

public sealed class EtcdRestoreSettings : EtcdSettings
{
    [CommandOption("--from <FILE>")]
    [Description("A snapshot made by 'infra etcd snapshot' (or etcdctl snapshot save).")]
    public string? From { get; init; }
}

/// <summary>Shared by the etcd commands: load the stack, open sessions that can download.</summary>
internal static class EtcdCli
{
    public static (ClusterContext Context, EtcdOperations Operations)? Load(EtcdSettings settings, CliEnvironment env, out int exitCode)
    {
        var ctx = ClusterContext.Load(settings, env, createSecrets: false, out exitCode);
        if (ctx is null) return null;
        var secrets = ctx.Plan.Secrets ?? throw new BadInputException($"no kept secrets in {ctx.SecretsDir}: run 'infra secrets init'");
        var ssh = ctx.Plan.Spec.Ssh;
        var options = ctx.ClientOptions(env);
        EtcdSessionFactory connect = async (host, ct) => new SshHostSession(await SshConnection.ConnectAsync(SshHostSession.TargetFor(host, ssh), options, ct));
        var started = DateTimeOffset.UtcNow;
        void Progress(string what)
        {
            if (settings.Json) return;
            var elapsed = (DateTimeOffset.UtcNow - started).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
            env.Err.MarkupLine($"[grey]{elapsed,6}s[/] {Markup.Escape(what)}");
        }
        var ops = new EtcdOperations(connect, ctx.Redactor, secrets, TimeSpan.FromSeconds(ssh.CommandTimeoutSeconds), Progress);
        return (ctx, ops);
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Read by people and CI: "it's", not "it\u0027s" (still valid JSON).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Size(long? bytes) => bytes switch
    {
        null => "",
        < 1024 * 1024 => $"{bytes.Value / 1024.0:0.0} KiB",
        _ => $"{bytes.Value / 1024.0 / 1024.0:0.0} MiB",
    };

    public static void Print(CliEnvironment env, EtcdStatusReport report)
    {
        var table = new Table().AddColumns("member", "id", "client URL", "role", "health", "db size", "version", "raft index", "problem");
        foreach (var m in report.Members)
        {
            var role = !m.IsMember ? "-" : m.IsLearner ? "learner" : m.IsLeader ? "leader" : "voter";
            var health = m.Healthy ? "[green]healthy[/]" : "[red]not healthy[/]";
            table.AddRow(Markup.Escape(m.Name), m.Id ?? "", Markup.Escape(m.ClientUrl ?? ""), role, health, Size(m.DbSize),
                Markup.Escape(m.Version ?? ""), m.RaftIndex?.ToString(CultureInfo.InvariantCulture) ?? "", Markup.Escape(m.Problem ?? ""));
        }
        env.Out.Write(table);
        env.Out.MarkupLine($"quorum: {Markup.Escape(report.Quorum)}");
        // Alarms are known only from a member that answered; "none" is said only when one was asked.
        env.Out.MarkupLine(report.Alarms.Count > 0 ? $"[red]alarms: {Markup.Escape(string.Join(", ", report.Alarms))}[/]"
            : (report.AlarmsUnknown ?? (report.Failure is null ? null : $"no member could be asked: {report.Failure}")) is { } why ? $"[yellow]alarms: unknown[/] ({Markup.Escape(why)})"
            : "alarms: none");
        if (report.AskedFrom is not null) env.Out.MarkupLine($"[grey]asked through {Markup.Escape(report.AskedFrom)}[/]");
        if (report.Failure is not null) env.Err.MarkupLine($"[red]error:[/] {Markup.Escape(report.Failure)}");
    }
}

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

/// <summary><c>infra etcd snapshot --out FILE</c>: a verified snapshot from a healthy member, written 0600.</summary>
public sealed class EtcdSnapshotCommand : AsyncCommand<EtcdSnapshotSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, EtcdSnapshotSettings settings, CancellationToken cancellationToken)
    {
        var env = CliEnvironment.Current;
        if (settings.Out is null) throw new BadInputException("--out FILE is required: where to write the snapshot");
        var path = Path.GetFullPath(settings.Out, env.WorkingDirectory);
        if (File.Exists(path)) throw new BadInputException($"{settings.Out} exists: a snapshot never overwrites a file; choose another name");
        UserFile.CheckWritable(path, settings.Out);
        if (EtcdCli.Load(settings, env, out var exit) is not var (ctx, ops)) return exit;
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

/// <summary><c>infra etcd restore --from FILE</c>: every member from a verified snapshot, as a new cluster.</summary>
public sealed class EtcdRestoreCommand : AsyncCommand<EtcdRestoreSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, EtcdRestoreSettings settings, CancellationToken cancellationToken)
    {
        var env = CliEnvironment.Current;
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
        if (EtcdCli.Load(settings, env, out var exit) is not var (ctx, ops)) return exit;
        var token = EtcdMembers.RestoreToken(ctx.Plan.Spec, DateTimeOffset.UtcNow);
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
