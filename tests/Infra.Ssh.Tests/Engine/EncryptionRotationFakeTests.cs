using System.Text;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Engine;

/// <summary>
/// Issue 14, <c>infra secrets rotate encryption-key</c> run by the engine over in-memory hosts (<see cref="FakeHost"/>):
/// the stages, the files and the API server restarts in order, one control plane at a time, and runs cut short resumed.
/// </summary>
[Trait("Item", "14.2")]
public class EncryptionRotationFakeTests
{
    private static readonly ClusterSpec Spec = SampleSpecs.BareMetal(3, 1) with
    {
        Packages = SampleSpecs.BareMetal().Packages with { Source = PackageSource.Preinstalled },
    };

    private static readonly Lazy<KeptSecrets> Kept = new(() => ClusterPki.Ensure(Spec, HostInventory.Plan(Spec), null, DateTimeOffset.UtcNow));

    private static readonly string[] ControlPlanes = ["cp-1", "cp-2", "cp-3"];

    private sealed class Run(FakeHosts hosts)
    {
        public List<KeptSecrets> Saved { get; } = [];
        public EncryptionKeyRotator Rotator { get; private set; } = null!;

        public Task<ClusterReport> RotateAsync(KeptSecrets kept, byte key)
        {
            Rotator = new EncryptionKeyRotator(new ClusterConverger(hosts.Factory, new Redactor()), s => ClusterPlanner.Plan(Spec, s), Saved.Add,
                EngineRun.Options());
            return Rotator.RunAsync(kept, Enumerable.Repeat(key, 32).ToArray(), CancellationToken.None);
        }
    }

    private static string Config(FakeHost host) => Encoding.UTF8.GetString(host.Files[HostPaths.EncryptionConfig]);

    private static (string Host, string Step)[] RestartsAndRewrites(FakeHosts hosts) =>
        [.. hosts.Ran.Where(r => r.Step is EncryptionKeyRotation.RestartStep or EncryptionKeyRotation.RewriteStep)];

    [Fact]
    public async Task RunAsync_OneKey_FourStagesInOrder_EachControlPlaneRestartedOneAtATime_KeptSecretsSavedAroundThem()
    {
        var hosts = new FakeHosts();
        var run = new Run(hosts);

        var report = await run.RotateAsync(Kept.Value, 7);

        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        Assert.Equal(["add infra-2 as the second key", "encrypt with infra-2", "rewrite every Secret with infra-2", "drop infra-1"],
            run.Rotator.Ran.Select(r => r.Stage));
        (string, string)[] restarts = [.. ControlPlanes.Select(cp => (cp, EncryptionKeyRotation.RestartStep))];
        Assert.Equal([.. restarts, .. restarts, ("cp-1", EncryptionKeyRotation.RewriteStep), .. restarts], RestartsAndRewrites(hosts));
        // Only control planes, and only their encryption configuration and API server.
        Assert.Empty(hosts["w-1"].Ran);
        Assert.All(ControlPlanes, cp => Assert.All(hosts[cp].Ran, s => Assert.Contains(s, new[] { "prepare.apiserver-config", EncryptionKeyRotation.RestartStep, EncryptionKeyRotation.RewriteStep })));

        // Saved before the hosts get the new key and its promotion, and after they all dropped the old one.
        var newKey = Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray());
        Assert.Equal([["infra-1", "infra-2"], ["infra-2", "infra-1"], ["infra-2"]], run.Saved.Select(s => s.EncryptionKeys.Select(k => k.Name).ToArray()));
        Assert.Equal(newKey, run.Saved[^1].EncryptionKey);
        Assert.All(ControlPlanes, cp =>
        {
            Assert.Contains(newKey, Config(hosts[cp]), StringComparison.Ordinal);
            Assert.DoesNotContain(Kept.Value.EncryptionKey, Config(hosts[cp]), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task RunAsync_CutShortWhileAddingTheKey_RunAgain_ResumesWithTheSameNewKeyAndRestartsNothingTwice()
    {
        var hosts = new FakeHosts();
        hosts["cp-2"].FailingScripts[EncryptionKeyRotation.RestartStep] = 1;
        var first = new Run(hosts);

        var stopped = await first.RotateAsync(Kept.Value, 7);

        Assert.Equal(1, stopped.ExitCode);
        var added = Assert.Single(first.Saved);
        Assert.Equal(["infra-1", "infra-2"], added.EncryptionKeys.Select(k => k.Name));
        Assert.Contains(added.SecondEncryptionKey!.Secret, Config(hosts["cp-1"]), StringComparison.Ordinal);
        // The engine goes on to cp-3; on a real host its restart's gate (static-pods/others-answer.sh, a script the
        // in-memory host does not run) refuses while cp-2's API server does not answer.
        Assert.Equal([("cp-1", EncryptionKeyRotation.RestartStep), ("cp-3", EncryptionKeyRotation.RestartStep)], RestartsAndRewrites(hosts));

        hosts["cp-2"].FailingScripts.Clear();
        var second = new Run(hosts);
        var report = await second.RotateAsync(added, 9);

        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        Assert.Equal("resume", second.Rotator.Ran[0].Stage);
        // cp-1 and cp-3 had the added key: the resumed stage restarts only cp-2.
        (string, string)[] restarts = [.. ControlPlanes.Select(cp => (cp, EncryptionKeyRotation.RestartStep))];
        Assert.Equal([("cp-1", EncryptionKeyRotation.RestartStep), ("cp-3", EncryptionKeyRotation.RestartStep), ("cp-2", EncryptionKeyRotation.RestartStep),
            .. restarts, ("cp-1", EncryptionKeyRotation.RewriteStep), .. restarts], RestartsAndRewrites(hosts));
        // The key the first run added is the one that ends up encrypting: the second run made none.
        Assert.Equal(added.SecondEncryptionKey.Secret, second.Saved[^1].EncryptionKey);
        Assert.Equal("infra-2", second.Saved[^1].EncryptionKeyName);
    }

    [Fact]
    public async Task RunAsync_RewriteFails_OldKeyKept_RunAgain_RewritesThenDrops()
    {
        var hosts = new FakeHosts();
        hosts["cp-1"].FailingScripts[EncryptionKeyRotation.RewriteStep] = 1;
        var first = new Run(hosts);

        Assert.Equal(1, (await first.RotateAsync(Kept.Value, 7)).ExitCode);
        var promoted = first.Saved[^1];
        Assert.Equal(["infra-2", "infra-1"], promoted.EncryptionKeys.Select(k => k.Name));
        Assert.All(ControlPlanes, cp => Assert.Contains(Kept.Value.EncryptionKey, Config(hosts[cp]), StringComparison.Ordinal));

        hosts["cp-1"].FailingScripts.Clear();
        var before = RestartsAndRewrites(hosts).Length;
        var second = new Run(hosts);
        var report = await second.RotateAsync(promoted, 9);

        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        (string, string)[] restarts = [.. ControlPlanes.Select(cp => (cp, EncryptionKeyRotation.RestartStep))];
        // Resuming restarts nothing (every control plane has the promoted configuration), then the rewrite, then the drop.
        Assert.Equal([("cp-1", EncryptionKeyRotation.RewriteStep), .. restarts], RestartsAndRewrites(hosts)[before..]);
        Assert.Equal(["infra-2"], second.Saved[^1].EncryptionKeys.Select(k => k.Name));
    }
}
