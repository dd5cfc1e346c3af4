using System.Text.RegularExpressions;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.Ssh.Tests.Engine;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests.Provider;

public sealed class RotationControlPlaneHosts() : ClusterHostsFixture("pkrot",
    [.. new[] { "cp1", "cp2", "cp3" }.Select(n => new TestHostOptions { Name = n, Systemd = true })]);

/// <summary>
/// Issue 14, the Pulumi path's encryption key rotation (<see cref="NodeEngine.RotateEncryptionKeyAsync"/> with Core's
/// <see cref="EncryptionKeyRotation.Between"/> stages, as the provider's rotation resource runs them) on three control planes
/// whose kubeadm, kubectl and crictl are stand-ins: crictl keeps the encryption configuration in place at each API server
/// restart, so the test follows which keys every API server ran on and which key every Secret may be encrypted with.
/// </summary>
[Trait("Item", "14.3")]
public sealed class NodeEngineKeyRotationStandInTests(RotationControlPlaneHosts fixture, ITestOutputHelper output) : IClassFixture<RotationControlPlaneHosts>
{
    private static readonly string[] Names = ["cp1", "cp2", "cp3"];
    private static readonly byte[] NewKey = [.. Enumerable.Range(100, 32).Select(i => (byte)i)];

    private ClusterSpec Spec => HarnessCluster.Spec(fixture.Network, [.. Names.Select(n => ClusterMember.ControlPlane(fixture[n]))]);

    private NodeConnection Connection => TestTargets.NodeConnection(fixture.Network, commandTimeoutSeconds: 60);

    /// <summary>The control planes applied with the kept secrets' key (infra-1); returns those secrets and each host's call count.</summary>
    private async Task<(KeptSecrets Before, Dictionary<string, int> Calls)> AppliedAsync()
    {
        await ClusterHostSet.RestoreAsync(fixture.Network.Hosts);
        var report = await new EngineRun().ApplyAsync(fixture.Set.Plan(Spec));
        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        foreach (var n in Names) await KubernetesStandIns.KeepAsync(fixture[n], "crictl", "ps", [HostPaths.EncryptionConfig]);
        await KubernetesStandIns.AnswerAsync(fixture["cp1"], "secrets", """{"apiVersion":"v1","kind":"List","items":[]}""");
        return (fixture.Set.Secrets(Spec.Name), Names.ToDictionary(n => n, n => KubernetesStandIns.Calls(fixture[n]).Count));
    }

    private IReadOnlyList<ClusterPlan> Stages(KeptSecrets before, KeptSecrets after, string attempt) =>
        EncryptionKeyRotation.Plans(EncryptionKeyRotation.Between(before, after), EncryptionKeyRotation.PlanFor(Spec, Spec.Hosts, Spec.ControlPlane.Endpoint!), attempt);

    private static string Keys(string config) => string.Join(",", Regex.Matches(config, @"name: (infra-\d+)").Select(m => m.Groups[1].Value));

    /// <summary>Since <paramref name="before"/>, in time order: each API server restart ("cp2: infra-2,infra-1") and each Secret rewrite ("cp1: rewrite").</summary>
    private List<string> Events(Dictionary<string, int> before) =>
    [
        .. Names.SelectMany(n => KubernetesStandIns.Calls(fixture[n]).Skip(before[n]))
            .Where(c => (c.Tool == "crictl" && c.Has("ps") && c.Arguments.Contains("kube-apiserver", StringComparison.Ordinal)) || (c.Tool == "kubectl" && c.Has("replace")))
            .OrderBy(c => c.Start)
            .Select(c => c.Tool == "kubectl" ? $"{c.Host}: rewrite" : $"{c.Host}: {Keys(KubernetesStandIns.SavedFile(fixture[c.Host], c.Files.Single()))}"),
    ];

    /// <summary>
    /// Walks the events: an API server encrypts with the first key it restarted on, so a Secret may be encrypted with any
    /// key an API server encrypted with since the last rewrite (which re-encrypts every Secret with the keys the API servers
    /// encrypt with then); every restart must find each such key in its configuration.
    /// </summary>
    private static void AssertEveryRestartReadsEverySecret(IEnumerable<string> events)
    {
        var encrypting = Names.ToDictionary(n => n, _ => "infra-1");
        var inUse = new HashSet<string>(StringComparer.Ordinal) { "infra-1" };
        foreach (var e in events)
        {
            var (host, what) = (e[..e.IndexOf(':', StringComparison.Ordinal)], e[(e.IndexOf(':', StringComparison.Ordinal) + 2)..]);
            if (what == "rewrite")
            {
                inUse = [.. encrypting.Values];
                continue;
            }
            var keys = what.Split(',');
            Assert.True(inUse.IsSubsetOf(keys), $"{e}: an API server restarted without {string.Join(", ", inUse.Except(keys))}, which some Secret may be encrypted with");
            encrypting[host] = keys[0];
            inUse.Add(keys[0]);
        }
    }

    private static string[] Rollout(string keys) => [.. Names.Select(n => $"{n}: {keys}")];

    [RealHostFact]
    public async Task RotateEncryptionKeyAsync_StandInThreeControlPlanes_StagesInOrderOneAtATime_RewriteOnce_OnlyTheNewKeyLeft_NodesHaveNothingToDo()
    {
        var (before, calls) = await AppliedAsync();
        var after = EncryptionKeyRotation.Replace(before, NewKey);
        using var engine = new NodeEngine();

        var ran = await engine.RotateEncryptionKeyAsync(Stages(before, after, "attempt-1"), Connection, CancellationToken.None);

        var events = Events(calls);
        output.WriteLine(string.Join("\n", events));
        Assert.Equal([.. Rollout("infra-1,infra-2"), .. Rollout("infra-2,infra-1"), "cp1: rewrite", .. Rollout("infra-2")], events);
        AssertEveryRestartReadsEverySecret(events);
        Assert.Single(ran, r => r == $"cp1: {EncryptionKeyRotation.RewriteStep}");
        Assert.All(Names, n => Assert.Equal("infra-2", Keys(fixture[n].ReadDiskFile(HostPaths.EncryptionConfig)!)));
        // One at a time: a control plane's restart starts after the previous one's ended.
        var restarts = Names.SelectMany(n => KubernetesStandIns.Calls(fixture[n]).Skip(calls[n]))
            .Where(c => c.Tool == "crictl" && c.Arguments.Contains("kube-apiserver", StringComparison.Ordinal)).OrderBy(c => c.Start).ToList();
        for (var i = 1; i < restarts.Count; i++) Assert.True(restarts[i - 1].End <= restarts[i].Start, $"{restarts[i].Host} restarted while {restarts[i - 1].Host} did");

        // The nodes' own programs (planned from the new secrets) find the encryption configuration done: nothing to place.
        var nodes = await new EngineRun().ApplyAsync(ClusterPlanner.Plan(Spec, after), EngineRun.Options(dryRun: true));
        Assert.True(nodes.ExitCode == 0, EngineRun.Describe(nodes));
        output.WriteLine(string.Join("\n", nodes.Hosts.SelectMany(h => h.Changes.Select(c => $"{h.Host}: {c.StepId} {c.Reason}"))));
        Assert.True(nodes.NothingToDo, EngineRun.Describe(nodes));
    }

    [RealHostFact]
    public async Task RotateEncryptionKeyAsync_StandInRestartRefusedWhileDroppingTheOldKey_RunAgainFromTheStart_CompletesAndNoSecretIsEverUnreadable()
    {
        var (before, calls) = await AppliedAsync();
        var after = EncryptionKeyRotation.Replace(before, NewKey);
        // cp2 gets no answer from cp3's API server once cp2's configuration holds only the new key: its guard refuses the restart.
        var cp3 = $"https://{fixture["cp3"].Address}:6443";
        await KubernetesStandIns.FailAsync(fixture["cp2"], "kubectl", "get", 1, $"The connection to the server {fixture["cp3"].Address}:6443 was refused");
        await KubernetesStandIns.FailWhenAsync(fixture["cp2"], "kubectl", "get",
            $"[[ \" $ARGS \" == *\" --server {cp3} \"* ]] && ! grep -q 'name: infra-1' {HostPaths.EncryptionConfig}");
        using var engine = new NodeEngine();

        var stopped = await Assert.ThrowsAsync<StepFailedException>(() => engine.RotateEncryptionKeyAsync(Stages(before, after, "attempt-1"), Connection, CancellationToken.None));

        Assert.Contains($"the API server at {cp3} does not answer", stopped.Message, StringComparison.Ordinal);
        Assert.Contains("drop infra-1", stopped.Message, StringComparison.Ordinal);
        var first = Events(calls);
        output.WriteLine(string.Join("\n", first));
        Assert.Equal([.. Rollout("infra-1,infra-2"), .. Rollout("infra-2,infra-1"), "cp1: rewrite", "cp1: infra-2", "cp3: infra-2"], first);

        // The provider's Update failed: the state keeps the old key, and the next `pulumi up` runs every stage again.
        await KubernetesStandIns.ClearControlsAsync(fixture["cp2"]);
        await KubernetesStandIns.KeepAsync(fixture["cp2"], "crictl", "ps", [HostPaths.EncryptionConfig]);
        await KubernetesStandIns.AnswerAsync(fixture["cp1"], "secrets", """{"apiVersion":"v1","kind":"List","items":[]}""");
        var mid = Names.ToDictionary(n => n, n => KubernetesStandIns.Calls(fixture[n]).Count);
        await engine.RotateEncryptionKeyAsync(Stages(before, after, "attempt-2"), Connection, CancellationToken.None);

        var second = Events(mid);
        output.WriteLine(string.Join("\n", second));
        // Every host had moved past the first stage: each is given it again, then the second, the rewrite again (Secrets
        // written with infra-1 meanwhile), then the drop.
        AssertEveryRestartReadsEverySecret([.. first, .. second]);
        Assert.Equal([.. Rollout("infra-1,infra-2"), .. Rollout("infra-2,infra-1"), "cp1: rewrite", .. Rollout("infra-2")], second);
        Assert.All(Names, n => Assert.Equal("infra-2", Keys(fixture[n].ReadDiskFile(HostPaths.EncryptionConfig)!)));
    }
}
