using System.ComponentModel;
using System.Security.Cryptography;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Ssh;
using Infra.Ssh.Engine;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class RotateEncryptionKeySettings : HostSettings
{
    [CommandOption("--dry-run")]
    [Description("Show the stages that would run from where the kept secrets stand; change nothing.")]
    public bool DryRun { get; init; }
}

/// <summary>
/// <c>infra secrets rotate encryption-key</c>: a new secrets-encryption key through <see cref="EncryptionKeyRotator"/>,
/// resumed from the kept secrets when an earlier run was cut short.
/// </summary>
internal sealed class SecretsRotateEncryptionKeyCommand(CliEnvironment env, ClusterLoader loader) : AsyncCommand<RotateEncryptionKeySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, RotateEncryptionKeySettings settings, CancellationToken cancellationToken)
    {
        if (settings.Hosts is not null)
            throw new BadInputException("--hosts: a key rotation runs on every control plane (their encryption configuration must stay the same)");
        Core.Pki.KeptSecrets? kept = null;
        var loaded = loader.Load(settings, createSecrets: false, (_, _, k) => kept = k);
        loaded.Print(env, settings.Json);
        if (loaded.Context is not { } ctx || kept is null) return loaded.ExitCode;

        var resumed = EncryptionKeyRotation.InProgress(kept);
        if (!settings.Json)
        {
            env.Out.MarkupLine(Markup.Escape(resumed
                ? $"a rotation is in progress ({kept.EncryptionKeyName} first, {kept.SecondEncryptionKey!.Name} second): it is resumed"
                : $"the key {kept.EncryptionKeyName} is replaced by a new one"));
            foreach (var stage in Stages(kept)) env.Out.MarkupLine(Markup.Escape("  " + stage));
            env.Out.MarkupLine(Markup.Escape("on the control planes " + string.Join(", ", ctx.Plan.Hosts.Where(h => h.Has(Core.Spec.Roles.ControlPlane)).Select(h => h.Name)) +
                ", one at a time; the kept secrets hold both keys until the end"));
        }
        if (settings.DryRun) return ExitCodes.Ok;
        if (!env.Confirm("Rotate the secrets-encryption key?", settings.Yes))
        {
            env.Out.MarkupLine("Nothing was changed.");
            return ExitCodes.Failed;
        }

        var progress = new HostProgress(env, ctx.Redactor, settings.Json);
        var engine = new ClusterConverger(SshHostSession.Factory(ctx.Plan.Spec.Ssh, ctx.ClientOptions(env)), ctx.Redactor, progress);
        // Each stage is planned as apply plans, from the stack and that stage's kept secrets.
        ClusterPlan PlanFor(Core.Pki.KeptSecrets secrets) =>
            loader.Load(settings, createSecrets: false, (_, _, _) => secrets).Context?.Plan ?? throw new InvalidOperationException("the stack no longer loads");
        var rotator = new EncryptionKeyRotator(engine, PlanFor, secrets => SecretsFolder.Save(ctx.SecretsDir, secrets),
            ctx.Options(settings, [Phase.Prepare], dryRun: false));
        ClusterReport report;
        progress.Resume();
        try
        {
            report = await rotator.RunAsync(kept, RandomNumberGenerator.GetBytes(32), cancellationToken);
        }
        finally
        {
            progress.Pause();
        }
        ReportPrinter.Summary(env, report, ctx.Redactor, settings.Json);
        if (report.ExitCode != 0 && !settings.Json)
            env.Out.MarkupLine("The rotation stopped: fix the cause and run 'infra secrets rotate encryption-key' again; it resumes where it stopped.");
        return report.ExitCode;
    }

    /// <summary>What is left to do, as a user reads it.</summary>
    private static IEnumerable<string> Stages(Core.Pki.KeptSecrets kept)
    {
        var stage = EncryptionKeyRotation.Next(kept);
        if (stage == EncryptionRotationStage.AddNewKey) yield return "1. add the new key as the provider's second key, restart every API server";
        if (stage <= EncryptionRotationStage.EncryptWithNewKey) yield return "2. make it the first key (it encrypts), restart every API server";
        yield return $"3. rewrite every Secret from the first control plane (bounded: {EncryptionKeyRotation.RewriteTimeoutSeconds} s, {EncryptionKeyRotation.RewriteTries} tries)";
        yield return "4. drop the old key, restart every API server";
    }
}
