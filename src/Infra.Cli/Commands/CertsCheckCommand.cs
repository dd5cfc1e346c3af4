using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Infra.Core.Pki;
using Infra.Ssh;
using Infra.Ssh.Pki;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class CertsCheckSettings : HostSettings
{
    [CommandOption("--within <DAYS>")]
    [Description("Exit 1 when a certificate expires within this many days (0 to 3650).")]
    [DefaultValue(CertificateExpiry.DefaultWithinDays)]
    public int Within { get; init; } = CertificateExpiry.DefaultWithinDays;

    public override Spectre.Console.ValidationResult Validate() =>
        CertificateExpiry.CheckWithin(Within) is { } problem ? Spectre.Console.ValidationResult.Error(problem) : base.Validate();
}

/// <summary>
/// <c>infra certs check</c>: every certificate on every host, read from the files in place (one SSH round trip per
/// host); exit 1 when one expires within <c>--within</c> days or a host could not be read. Changes nothing.
/// </summary>
internal sealed class CertsCheckCommand(CliEnvironment env, ClusterLoader loader, TimeProvider clock) : AsyncCommand<CertsCheckSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CertsCheckSettings settings, CancellationToken cancellationToken)
    {
        var loaded = loader.Load(settings, createSecrets: false);
        loaded.Print(env, settings.Json);
        if (loaded.Context is not { } ctx) return loaded.ExitCode;
        var filter = ClusterContext.SplitList(settings.Hosts);
        var hosts = ctx.Plan.Hosts.Where(h => filter.Count == 0 || filter.Contains(h.Name, StringComparer.Ordinal)).ToList();
        var read = await CertificateReader.ReadAsync(hosts, SshHostSession.Factory(ctx.Plan.Spec.Ssh, ctx.ClientOptions(env)),
            settings.Concurrency, TimeSpan.FromSeconds(ctx.Plan.Spec.Ssh.CommandTimeoutSeconds), cancellationToken);
        var now = clock.GetUtcNow();
        var rows = CertificateExpiry.Evaluate(read.SelectMany(h => h.Certificates), now, settings.Within);
        var exit = CertificateExpiry.ExitCode(rows, read.Any(h => h.Failure is not null));
        if (settings.Json) PrintJson(read, rows, settings.Within, now);
        else PrintText(read, rows, settings.Within);
        return exit;
    }

    private void PrintText(IReadOnlyList<HostCertificates> read, IReadOnlyList<CertificateExpiryRow> rows, int within)
    {
        var table = new Table().AddColumns("host", "path", "subject", "issuer", "serial", "not after", "days left", "state");
        foreach (var r in rows)
        {
            var c = r.Certificate;
            var state = r.State switch
            {
                ExpiryState.Expired => "[red]expired[/]",
                ExpiryState.Due => "[red]due[/]",
                ExpiryState.CaWarning => "[yellow]CA expires within a year[/]",
                _ => c.IsCa ? "ok (CA)" : "ok",
            };
            table.AddRow(Markup.Escape(c.Host), Markup.Escape(c.Path), Markup.Escape(c.Subject), Markup.Escape(c.Issuer), Markup.Escape(c.Serial),
                c.NotAfter.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture), r.DaysLeft.ToString(CultureInfo.InvariantCulture), state);
        }
        env.Out.Write(table);
        foreach (var h in read)
        {
            if (h.Failure is not null) env.Err.MarkupLine($"[red]error:[/] {Markup.Escape(h.Host)}: {Markup.Escape(h.Failure)}");
            foreach (var u in h.Unreadable) env.Err.MarkupLine($"[yellow]warning:[/] {Markup.Escape(u.Host)}: {Markup.Escape(u.Path)}: {Markup.Escape(u.Problem)}");
        }
        var due = rows.Count(r => r.State is ExpiryState.Due or ExpiryState.Expired);
        var caWarnings = rows.Count(r => r.State == ExpiryState.CaWarning);
        if (caWarnings > 0) env.Err.MarkupLine($"[yellow]warning:[/] {caWarnings} CA certificate(s) expire within {CertificateExpiry.CaWarningDays} days; CA rotation is not automated yet (see README, Keeping a cluster healthy)");
        env.Out.MarkupLine(due > 0
            ? $"[red]{due} of {rows.Count} certificate(s) expire within {within} days[/]"
            : $"{rows.Count} certificate(s) on {read.Count(h => h.Failure is null)} host(s): none expires within {within} days");
    }

    private void PrintJson(IReadOnlyList<HostCertificates> read, IReadOnlyList<CertificateExpiryRow> rows, int within, DateTimeOffset now)
    {
        env.Out.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new
        {
            now,
            withinDays = within,
            certificates = rows.Select(r => new
            {
                host = r.Certificate.Host,
                path = r.Certificate.Path,
                subject = r.Certificate.Subject,
                issuer = r.Certificate.Issuer,
                serial = r.Certificate.Serial,
                notBefore = r.Certificate.NotBefore,
                notAfter = r.Certificate.NotAfter,
                daysLeft = r.DaysLeft,
                ca = r.Certificate.IsCa,
                state = r.State switch
                {
                    ExpiryState.Expired => "expired",
                    ExpiryState.Due => "due",
                    ExpiryState.CaWarning => "ca-warning",
                    _ => "ok",
                },
            }),
            hosts = read.Select(h => new
            {
                host = h.Host,
                certificates = h.Certificates.Count,
                failure = h.Failure,
                unreadable = h.Unreadable.Select(u => new { path = u.Path, problem = u.Problem }),
            }),
        }, EtcdCli.Json));
    }
}
