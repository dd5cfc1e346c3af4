using System.Globalization;
using System.Text.Json;
using Infra.Ssh;
using Infra.Ssh.Etcd;
using Spectre.Console;

namespace Infra.Cli.Commands;

/// <summary>Shared by the etcd commands: operations over sessions that can download, and how results are shown.</summary>
internal static class EtcdCli
{
    /// <summary>The etcd operations on a loaded cluster, with progress on stderr (none with --output json).</summary>
    public static EtcdOperations Operations(ClusterContext ctx, EtcdSettings settings, CliEnvironment env, TimeProvider clock)
    {
        var secrets = ctx.Plan.Secrets ?? throw new BadInputException($"no kept secrets in {ctx.SecretsDir}: run 'infra secrets init'");
        var ssh = ctx.Plan.Spec.Ssh;
        var options = ctx.ClientOptions(env);
        EtcdSessionFactory connect = async (host, ct) => new SshHostSession(await SshConnection.ConnectAsync(SshHostSession.TargetFor(host, ssh), options, ct));
        var started = clock.GetUtcNow();
        void Progress(string what)
        {
            if (settings.Json) return;
            var elapsed = (clock.GetUtcNow() - started).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
            env.Err.MarkupLine($"[grey]{elapsed,6}s[/] {Markup.Escape(what)}");
        }
        return new EtcdOperations(connect, ctx.Redactor, secrets, TimeSpan.FromSeconds(ssh.CommandTimeoutSeconds), Progress);
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
