using System.ComponentModel;
using Infra.Core.Model;
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
    public override Spectre.Console.ValidationResult Validate() =>
        Phase is not null && Phase.Split(',').Any(p => p.Trim().Length == 0)
            ? Spectre.Console.ValidationResult.Error("--phase: an empty phase name; give phases separated by single commas, or leave --phase out for every phase")
            : base.Validate();
}

/// <summary><c>infra apply</c>: converge the hosts over SSH, asking first.</summary>
public sealed class ApplyCommand : AsyncCommand<ApplySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ApplySettings settings, CancellationToken cancellationToken)
    {
        var env = CliEnvironment.Current;
        var phases = new List<Phase>();
        foreach (var name in ClusterContext.SplitList(settings.Phase))
        {
            if (!PhaseNames.TryParse(name, out var phase) || phase == Core.Model.Phase.Reset)
            {
                throw new BadInputException($"--phase: '{name}' is not a phase; phases are prepare, etcd, control-plane, workers, workloads (reset is 'infra reset')");
            }
            phases.Add(phase);
        }
        var ctx = ClusterContext.Load(settings, env, createSecrets: !settings.DryRun, out var exit);
        if (ctx is null) return exit;

        var progress = new HostProgress(env, ctx.Redactor, settings.Json);
        var engine = new ClusterConverger(SshHostSession.Factory(ctx.Plan.Spec.Ssh, ctx.ClientOptions(env)), ctx.Redactor, progress);
        ClusterReport report;
        progress.Resume();
        try
        {
            report = await engine.ApplyAsync(ctx.Plan, ctx.Options(settings, phases, settings.DryRun), pending =>
            {
                progress.Pause();
                if (!settings.Json) ReportPrinter.Changes(env, pending, ctx.Redactor);
                var yes = env.Confirm("Apply these changes?", settings.Yes);
                if (yes) progress.Resume();
                return yes;
            }, cancellationToken);
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

/// <summary><c>infra status</c>: each host's journal, reachability and drift; changes nothing.</summary>
public sealed class StatusCommand : AsyncCommand<HostSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, HostSettings settings, CancellationToken cancellationToken)
    {
        var env = CliEnvironment.Current;
        var ctx = ClusterContext.Load(settings, env, createSecrets: false, out var exit);
        if (ctx is null) return exit;
        var engine = new ClusterConverger(SshHostSession.Factory(ctx.Plan.Spec.Ssh, ctx.ClientOptions(env)), ctx.Redactor);
        var report = await engine.ApplyAsync(ctx.Plan, ctx.Options(settings, [], dryRun: true), _ => false, cancellationToken);
        if (!settings.Json) ReportPrinter.Changes(env, report.Hosts, ctx.Redactor);
        ReportPrinter.Summary(env, report, ctx.Redactor, settings.Json);
        // Pending steps are drift to report, not a failure of status itself.
        return report.AnyFailure || report.AnyRefusedChange ? ExitCodes.Failed : ExitCodes.Ok;
    }
}

/// <summary><c>infra reset</c>: undo the tool's work on hosts (kubeadm reset, services, files, journal).</summary>
public sealed class ResetCommand : AsyncCommand<HostSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, HostSettings settings, CancellationToken cancellationToken)
    {
        var env = CliEnvironment.Current;
        var ctx = ClusterContext.Load(settings, env, createSecrets: false, out var exit);
        if (ctx is null) return exit;
        var targets = ClusterContext.SplitList(settings.Hosts);
        var names = targets.Count > 0 ? targets : ctx.Plan.Hosts.Select(h => h.Name).ToList();
        if (!env.Confirm($"Reset {string.Join(", ", names)}? This removes Kubernetes and everything the tool installed from them", settings.Yes))
        {
            env.Err.WriteLine("declined: nothing was changed");
            return ExitCodes.Failed;
        }
        var progress = new HostProgress(env, ctx.Redactor, settings.Json);
        var engine = new ClusterConverger(SshHostSession.Factory(ctx.Plan.Spec.Ssh, ctx.ClientOptions(env)), ctx.Redactor, progress);
        ClusterReport report;
        progress.Resume();
        try
        {
            report = await engine.ResetAsync(ctx.Plan, ctx.Options(settings, [Core.Model.Phase.Reset], dryRun: false), cancellationToken);
        }
        finally
        {
            progress.Pause();
        }
        ReportPrinter.Summary(env, report, ctx.Redactor, settings.Json);
        return report.ExitCode;
    }
}

public sealed class KubeconfigSettings : HostSettings
{
    [CommandOption("--out <FILE>")]
    [Description("Where to write the admin kubeconfig (mode 0600). Default: <stack>.kubeconfig here.")]
    public string? Out { get; init; }
}

/// <summary><c>infra kubeconfig</c>: the admin kubeconfig from the first control plane, written 0600, never printed.</summary>
public sealed class KubeconfigCommand : AsyncCommand<KubeconfigSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, KubeconfigSettings settings, CancellationToken cancellationToken)
    {
        var env = CliEnvironment.Current;
        if (settings.Out is not null) UserFile.CheckWritable(Path.GetFullPath(settings.Out, env.WorkingDirectory), settings.Out);
        var ctx = ClusterContext.Load(settings, env, createSecrets: false, out var exit);
        if (ctx is null) return exit;
        var first = ctx.Plan.FirstControlPlane;
        await using var session = await SshHostSession.Factory(ctx.Plan.Spec.Ssh, ctx.ClientOptions(env))(first, cancellationToken);
        var r = await session.RunAsync("set -euo pipefail\ncat /etc/kubernetes/admin.conf\n", null,
            TimeSpan.FromSeconds(ctx.Plan.Spec.Ssh.CommandTimeoutSeconds), "read admin.conf", cancellationToken);
        if (!r.Succeeded)
        {
            env.Err.WriteLine($"{first.Name}: no admin kubeconfig (is the control plane initialized? run 'infra apply'): {ctx.Redactor.Redact(r.StderrTail(3))}");
            return ExitCodes.Failed;
        }
        var path = Path.GetFullPath(settings.Out ?? $"{ctx.StackName}.kubeconfig", env.WorkingDirectory);
        UserFile.CheckWritable(path, settings.Out ?? Path.GetFileName(path));
        SecretFile.Write(path, System.Text.Encoding.UTF8.GetBytes(r.Stdout));
        env.Out.WriteLine($"wrote the admin kubeconfig of {first.Name} to {path} (mode 0600)");
        return ExitCodes.Ok;
    }
}
