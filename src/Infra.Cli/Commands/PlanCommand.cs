using System.ComponentModel;
using Infra.Core.Infrastructure;
using Infra.Core.Planning;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class PlanSettings : SecretsSettings
{
    [CommandOption("--out <DIR>")]
    [Description("Write plan.json and every artifact to DIR (files of an earlier plan that no longer belong are removed).")]
    public string? Out { get; init; }

    [CommandOption("--include-secrets")]
    [Description("Write secret files (private keys, encryption key) with mode 0600 instead of masking the secret values; needs the kept secrets.")]
    public bool IncludeSecrets { get; init; }
}

/// <summary><c>infra plan</c>: offline, no credentials; prints the plan and with --out writes it.</summary>
internal sealed class PlanCommand(CliEnvironment env, TimeProvider clock) : Command<PlanSettings>
{
    public override int Execute(CommandContext context, PlanSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Out is not null && File.Exists(Path.GetFullPath(settings.Out, env.WorkingDirectory)))
        {
            throw new BadInputException($"--out {settings.Out}: is a file; give a folder (new, empty, or written by an earlier plan)");
        }
        var result = StackLoader.Load(settings, env, allowEmbeddedDefault: true);
        if (settings.NamesNoStack && !settings.Json) env.Err.MarkupLine(Markup.Escape($"no --stack or --file: read the built-in dev stack ({result.File})"));
        if (!DiagnosticsPrinter.Report(env, result, settings.Json)) return ExitCodes.BadInput;

        var secretsDir = SecretsFolder.Resolve(settings.SecretsDir, env, SecretsFolder.StackName(result.File, result.Spec!));
        var secrets = SecretsFolder.Load(secretsDir);
        if (settings.IncludeSecrets && secrets is null)
        {
            // Throwaway secrets would be written as if they were the cluster's: refuse, and say how to get real ones.
            throw new BadInputException($"--include-secrets writes the kept secrets, and {secretsDir} holds none: " +
                "create them with 'infra secrets init' (or 'infra secrets import' from a Pulumi stack), or name their folder with --secrets-dir");
        }
        // With kept secrets the plan is the one apply would run: a receiver's secret they lack is refused as apply refuses it.
        if (secrets is not null && Core.Pki.AlertReceiverSecrets.MissingMessage(result.Spec!.Workloads.Monitoring, secrets.AlertReceivers, $"the kept secrets in {secretsDir}") is { } missing)
        {
            throw new BadInputException(missing);
        }
        ClusterPlan plan;
        try
        {
            plan = ClusterPlanner.Plan(result.Spec!, secrets, bundle: BundleFolder.Read(result.Spec!, result.File, env));
        }
        catch (InfrastructurePlanException e)
        {
            throw new BadInputException(e.Message);
        }
        if (settings.Json) env.Out.Profile.Out.Writer.Write(PlanJson.Render(plan));
        else
        {
            PlanPrinter.Print(env.Out, plan, result.File);
            if (secrets is not null) PrintRenewalsDue(plan, secrets);
        }

        if (settings.Out is not null)
        {
            var dir = Path.GetFullPath(settings.Out, env.WorkingDirectory);
            var written = PlanWriter.Write(dir, PlanArtifacts.Build(plan, settings.IncludeSecrets));
            if (!settings.Json) env.Out.MarkupLine($"wrote {written} file(s) to {Markup.Escape(settings.Out)}");
        }
        return ExitCodes.Ok;
    }

    /// <summary>The kept leaves <c>apply</c> would renew now (plan.json stays a function of the stack and secrets, without a clock).</summary>
    private void PrintRenewalsDue(ClusterPlan plan, Core.Pki.KeptSecrets secrets)
    {
        var due = Core.Pki.CertificateRenewal.DueOnApply(plan.Spec, plan.Hosts, secrets, clock.GetUtcNow(), []);
        if (due.Count == 0) return;
        env.Out.MarkupLine(Markup.Escape(
            $"Certificate renewals due: {due.Count} leaf certificate(s) expire within {plan.Spec.Certificates.RenewBeforeDays} days " +
            $"(certificates.renewBeforeDays), the first {due[0].Name} on {due[0].NotAfter:yyyy-MM-dd}; 'infra apply' renews them"));
    }
}
