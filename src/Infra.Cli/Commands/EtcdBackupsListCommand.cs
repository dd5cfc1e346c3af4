using System.Globalization;
using System.Text.Json;
using Infra.Ssh.Etcd;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

/// <summary><c>infra etcd backups list</c>: per member, the scheduled snapshots it keeps (age, size, revision); changes nothing.</summary>
internal sealed class EtcdBackupsListCommand(CliEnvironment env, ClusterLoader loader, TimeProvider clock) : AsyncCommand<EtcdSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, EtcdSettings settings, CancellationToken cancellationToken)
    {
        var loaded = loader.Load(settings, createSecrets: false);
        loaded.Print(env, settings.Json);
        if (loaded.Context is not { } ctx) return loaded.ExitCode;
        var listed = await EtcdBackupsRemote.ListAsync(EtcdBackupsRemote.Members(ctx.Plan), EtcdBackupsCli.Connect(ctx, env),
            TimeSpan.FromSeconds(ctx.Plan.Spec.Ssh.CommandTimeoutSeconds), cancellationToken);
        var now = clock.GetUtcNow();
        if (settings.Json)
        {
            env.Out.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(listed.Select(m => new
            {
                host = m.Host,
                failure = m.Failure,
                snapshots = m.Snapshots.Select(s => new { name = s.Name, path = s.Path, taken = s.Taken, size = s.Size, revision = s.Revision, hash = s.Hash }),
            }), EtcdCli.Json));
        }
        else
        {
            var table = new Table().AddColumns("host", "snapshot", "age", "size", "revision");
            foreach (var m in listed)
            {
                if (m.Snapshots.Count == 0) table.AddRow(Markup.Escape(m.Host), m.Failure is null ? "[yellow]none[/]" : "[red]could not list[/]", "", "", "");
                foreach (var s in m.Snapshots.Reverse())
                {
                    table.AddRow(Markup.Escape(m.Host), Markup.Escape(s.Name), Age(now - s.Taken), EtcdCli.Size(s.Size), s.Revision.ToString(CultureInfo.InvariantCulture));
                }
            }
            env.Out.Write(table);
            foreach (var m in listed.Where(m => m.Failure is not null)) env.Err.MarkupLine($"[red]error:[/] {Markup.Escape(m.Host)}: {Markup.Escape(m.Failure!)}");
        }
        return listed.Any(m => m.Failure is not null) ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static string Age(TimeSpan age) =>
        age.TotalHours >= 48 ? $"{(int)age.TotalDays} d" : age.TotalMinutes >= 120 ? $"{(int)age.TotalHours} h" : $"{Math.Max(0, (int)age.TotalMinutes)} min";
}
