using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;

namespace Infra.Ssh.Engine;

/// <summary>
/// Runs <see cref="EncryptionKeyRotation"/> from where the kept secrets say it stands: a run cut short first has the
/// kept secrets' stage rolled out again (the journal skips what is done), then the remaining stages run. The kept secrets are saved
/// before the hosts get a stage that adds or promotes a key, and only after every host dropped the old key, so they
/// always hold every key a host may need.
/// </summary>
public sealed class EncryptionKeyRotator(ClusterConverger engine, Func<KeptSecrets, ClusterPlan> planFor, Action<KeptSecrets> save, ConvergeOptions runOptions)
{
    /// <summary>The stages (and the rewrite) in the order they ran, each with its report; the last report is the outcome.</summary>
    public List<(string Stage, ClusterReport Report)> Ran { get; } = [];

    /// <param name="newKey">The new key's 32 bytes, used only when no rotation is in progress.</param>
    public async Task<ClusterReport> RunAsync(KeptSecrets kept, byte[] newKey, CancellationToken ct)
    {
        var options = runOptions with { Phases = [Phase.Prepare], Hosts = [] };
        async Task<ClusterReport> Run(string stage, ClusterPlan plan)
        {
            var report = await engine.ApplyAsync(plan, options, _ => true, ct);
            Ran.Add((stage, report));
            return report;
        }
        Task<ClusterReport> Rollout(string stage, KeptSecrets secrets) =>
            Run(stage, EncryptionKeyRotation.Rollout(planFor(secrets), $"{stage}: control planes one at a time, each API server restarted"));

        ClusterReport report;
        if (EncryptionKeyRotation.InProgress(kept))
        {
            // A run cut short: the hosts first get the stage the kept secrets hold (done hosts are skipped by their journal).
            report = await Rollout("resume", kept);
            if (report.ExitCode != 0) return report;
        }
        else
        {
            kept = EncryptionKeyRotation.AddNewKey(kept, newKey);
            save(kept);
            report = await Rollout($"add {kept.SecondEncryptionKey!.Name} as the second key", kept);
            if (report.ExitCode != 0) return report;
        }
        if (EncryptionKeyRotation.Next(kept) == EncryptionRotationStage.EncryptWithNewKey)
        {
            kept = EncryptionKeyRotation.EncryptWithNewKey(kept);
            save(kept);
            report = await Rollout($"encrypt with {kept.EncryptionKeyName}", kept);
            if (report.ExitCode != 0) return report;
        }
        report = await Run($"rewrite every Secret with {kept.EncryptionKeyName}", EncryptionKeyRotation.Rewrite(planFor(kept), kept));
        if (report.ExitCode != 0) return report;
        var dropped = EncryptionKeyRotation.DropOldKey(kept);
        report = await Rollout($"drop {kept.SecondEncryptionKey!.Name}", dropped);
        if (report.ExitCode != 0) return report;
        save(dropped);
        return report;
    }
}
