using System.ComponentModel;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Ssh;
using Infra.Ssh.Engine;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class ApplySettings : HostSettings
{
    [CommandOption("--phase <PHASES>")]
    [Description("Only these phases (comma-separated): prepare, etcd, control-plane, workers, workloads.")]
    public string? Phase { get; init; }

    [CommandOption("--dry-run")]
    [Description("Show what would change on each host, change nothing.")]
    public bool DryRun { get; init; }

    // An empty list (an unset CI variable) must never mean "every phase".
    public override ValidationResult Validate() =>
        Phase is not null && Phase.Split(',').Any(p => p.Trim().Length == 0)
            ? ValidationResult.Error("--phase: an empty phase name; give phases separated by single commas, or leave --phase out for every phase")
            : base.Validate();
}

/// <summary>
/// <c>infra apply</c>: converge the hosts over SSH, asking first. Leaf certificates that expire within
/// <c>certificates.renewBeforeDays</c> are re-issued with the plan (the kept secrets saved once the changes are
/// confirmed, before any host receives them) and, once every host converged, what uses them is restarted as
/// <c>infra certs renew</c> does it.
/// </summary>
internal sealed class ApplyCommand(CliEnvironment env, ClusterLoader loader, TimeProvider clock) : AsyncCommand<ApplySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ApplySettings settings, CancellationToken cancellationToken)
    {
        var phases = new List<Phase>();
        foreach (var name in ClusterContext.SplitList(settings.Phase))
        {
            if (!PhaseNames.TryParse(name, out var phase) || phase is Core.Model.Phase.Reset or Core.Model.Phase.Upgrade)
            {
                throw new BadInputException($"--phase: '{name}' is not a phase; phases are prepare, etcd, control-plane, workers, workloads (reset is 'infra reset'; an upgrade follows kubernetes.version)");
            }
            phases.Add(phase);
        }
        IReadOnlyList<KeptLeaf> due = [];
        PkiEnsureResult? renewal = null;
        var loaded = loader.Load(settings, createSecrets: !settings.DryRun, (spec, hosts, kept) =>
        {
            var now = clock.GetUtcNow();
            due = CertificateRenewal.DueOnApply(spec, hosts, kept, now, ClusterContext.SplitList(settings.Hosts));
            // The renewed files are placed by the prepare phase: an apply without it leaves the renewal to one with it.
            if (due.Count == 0 || (phases.Count > 0 && !phases.Contains(Core.Model.Phase.Prepare))) return kept;
            renewal = CertificateRenewal.Renew(spec, hosts, kept, [.. due.Select(d => d.Name)], now);
            return renewal.Secrets;
        }, requireAlertReceivers: phases.Count == 0 || phases.Contains(Core.Model.Phase.Workloads));
        loaded.Print(env, settings.Json);
        if (loaded.Context is not { } ctx) return loaded.ExitCode;
        var renewalPlan = renewal is null ? null
            : CertificateRenewalPlan.For(ctx.Plan, CertificateRenewal.HostsOf(ctx.Plan.Spec, ctx.Plan.Hosts, [.. due.Select(d => d.Name)]));
        if (renewalPlan is not null && !settings.Json) PrintDue(ctx.Plan.Spec.Certificates.RenewBeforeDays, due, renewalPlan);
        if (renewal is null && due.Count > 0 && !settings.Json)
        {
            env.Out.MarkupLine(Markup.Escape($"{due.Count} certificate(s) expire within {ctx.Plan.Spec.Certificates.RenewBeforeDays} days (certificates.renewBeforeDays): " +
                "an apply with the prepare phase renews them (this one runs only --phase " + settings.Phase + ")"));
        }

        var progress = new HostProgress(env, ctx.Redactor, settings.Json);
        var engine = new ClusterConverger(SshHostSession.Factory(ctx.Plan.Spec.Ssh, ctx.ClientOptions(env)), ctx.Redactor, progress);
        ClusterReport report;
        var saved = false;
        progress.Resume();
        try
        {
            report = await engine.ApplyAsync(ctx.Plan, ctx.Options(settings, phases, settings.DryRun), pending =>
            {
                progress.Pause();
                if (!settings.Json) ReportPrinter.Changes(env, pending, ctx.Redactor);
                var yes = env.Confirm("Apply these changes?", settings.Yes);
                if (!yes) return false;
                // The renewed kept secrets first: a run cut short leaves no host with a certificate they do not hold.
                if (renewal is not null)
                {
                    SecretsFolder.Save(ctx.SecretsDir, renewal.Secrets);
                    saved = true;
                }
                progress.Resume();
                return true;
            }, cancellationToken);
            // The renewed files are in place on every host: restart what uses them, one host at a time behind health gates.
            if (renewalPlan is not null && saved && report.ExitCode == ExitCodes.Ok)
            {
                report = await engine.ApplyAsync(renewalPlan, ctx.Options(settings, [Core.Model.Phase.Prepare], dryRun: false) with { Hosts = [] },
                    _ => true, cancellationToken);
            }
        }
        finally
        {
            progress.Pause();
        }
        if (report.DryRun && !settings.Json) ReportPrinter.Changes(env, report.Hosts, ctx.Redactor);
        ReportPrinter.Summary(env, report, ctx.Redactor, settings.Json);
        return report.ExitCode;
    }

    private void PrintDue(int withinDays, IReadOnlyList<KeptLeaf> due, ClusterPlan renewalPlan)
    {
        env.Out.MarkupLine(Markup.Escape(
            $"{due.Count} certificate(s) expire within {withinDays} days (certificates.renewBeforeDays) and are renewed from the kept CAs:"));
        foreach (var d in due) env.Out.MarkupLine(Markup.Escape($"  {d.Name}: not after {d.NotAfter:yyyy-MM-dd HH:mm}Z"));
        foreach (var w in renewalPlan.Execution.Waves) env.Out.MarkupLine(Markup.Escape($"once every host converged, {w.Describe()}"));
    }
}
