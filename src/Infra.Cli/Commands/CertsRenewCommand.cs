using System.ComponentModel;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Ssh;
using Infra.Ssh.Engine;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class CertsRenewSettings : HostSettings
{
    [CommandOption("--dry-run")]
    [Description("Show which certificates would be renewed and what would restart on each host; change nothing.")]
    public bool DryRun { get; init; }

    [CommandOption("--ca")]
    [Description("Refused: CA rotation is not automated (README, Keeping a cluster healthy).")]
    public bool Ca { get; init; }
}

/// <summary>
/// <c>infra certs renew</c>: re-issues the tool's leaf certificates from the kept CAs, saves the kept secrets first, then
/// runs the renewal waves (<see cref="CertificateRenewalPlan"/>) through the engine: files placed again, etcd members
/// restarted one at a time behind a health gate, kubeadm's certificates and static pods per control plane, kubelets.
/// </summary>
internal sealed class CertsRenewCommand(CliEnvironment env, ClusterLoader loader, TimeProvider clock) : AsyncCommand<CertsRenewSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CertsRenewSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Ca) throw new BadInputException("--ca: " + CertificateRenewal.CaRotationRefused);
        var only = ClusterContext.SplitList(settings.Hosts);
        PkiEnsureResult? renewal = null;
        var loaded = loader.Load(settings, createSecrets: false, (spec, hosts, kept) =>
        {
            renewal = CertificateRenewal.Renew(spec, hosts, kept, CertificateRenewal.Leaves(spec, hosts, only), clock.GetUtcNow());
            return renewal.Secrets;
        });
        loaded.Print(env, settings.Json);
        if (loaded.Context is not { } ctx || renewal is null) return loaded.ExitCode;

        var plan = CertificateRenewalPlan.For(ctx.Plan, only);
        if (!settings.Json)
        {
            env.Out.MarkupLine($"{renewal.Changes.Count} certificate(s) to renew from the kept CAs:");
            foreach (var c in renewal.Changes) env.Out.MarkupLine($"  {Markup.Escape(c.Name)}: {Markup.Escape(c.Reason)}");
            foreach (var w in plan.Execution.Waves) env.Out.MarkupLine($"then {Markup.Escape(w.Describe())}");
        }
        if (!settings.DryRun)
        {
            if (!env.Confirm("Renew these certificates and restart what uses them?", settings.Yes))
            {
                env.Out.MarkupLine("Nothing was changed.");
                return ExitCodes.Failed;
            }
            // The kept secrets first: a run cut short leaves no host with a certificate they do not hold.
            SecretsFolder.Save(ctx.SecretsDir, renewal.Secrets);
        }

        var progress = new HostProgress(env, ctx.Redactor, settings.Json);
        var engine = new ClusterConverger(SshHostSession.Factory(ctx.Plan.Spec.Ssh, ctx.ClientOptions(env)), ctx.Redactor, progress);
        // --hosts is already in the renewal plan: the engine gets its hosts as they are.
        var options = ctx.Options(settings, [Phase.Prepare], settings.DryRun) with { Hosts = [] };
        ClusterReport report;
        progress.Resume();
        try
        {
            report = await engine.ApplyAsync(plan, options, _ => true, cancellationToken);
        }
        finally
        {
            progress.Pause();
        }
        if (report.DryRun && !settings.Json) ReportPrinter.Changes(env, report.Hosts, ctx.Redactor);
        ReportPrinter.Summary(env, report, ctx.Redactor, settings.Json);
        return report.ExitCode;
    }
}
