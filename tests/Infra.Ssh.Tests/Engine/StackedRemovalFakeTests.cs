using System.Collections.Concurrent;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Engine;

/// <summary>
/// A control plane with stacked etcd replaced over in-memory hosts (<see cref="FakeHost"/>): cp-3 of three leaves, cp-4
/// comes; the add runs first, then, through the first control plane, cp-3's drain, its etcd member's removal and its
/// node's deletion, then cp-3's reset.
/// </summary>
[Trait("Item", "13.nodes.2")]
public class StackedRemovalFakeTests
{
    private static readonly ClusterSpec Spec = SampleSpecs.BareMetal(3, 1) with
    {
        Packages = SampleSpecs.BareMetal().Packages with { Source = PackageSource.Preinstalled },
    };

    private static readonly ClusterSpec Replaced = Spec with
    {
        Hosts = [.. Spec.Hosts.Select(h => h.Name == "cp-3" ? h with { Name = "cp-4", Address = "10.0.0.99" } : h)],
    };

    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly KeptSecrets Secrets = ClusterPki.Ensure(Spec, HostInventory.Plan(Spec), null, Now);
    /// <summary>The same kept secrets plus cp-4's (issued once: every plan of the replaced stack sees the same).</summary>
    private static readonly KeptSecrets ReplacedSecrets = ClusterPki.Ensure(Replaced, HostInventory.Plan(Replaced), Secrets, Now);

    /// <summary>Events in the order the engine reported them.</summary>
    private sealed class Recorder : IProgress<EngineEvent>
    {
        public ConcurrentQueue<EngineEvent> Events { get; } = new();
        public void Report(EngineEvent value) => Events.Enqueue(value);
    }

    private static Task<ClusterReport> ApplyAsync(FakeHosts hosts, ClusterSpec spec, Recorder? recorder = null) =>
        new ClusterConverger(hosts.Factory, new Redactor(), recorder).ApplyAsync(
            ClusterPlanner.Plan(spec, spec == Spec ? Secrets : ReplacedSecrets), EngineRun.Options(), _ => true, CancellationToken.None);

    private static async Task<FakeHosts> AppliedWithThreeControlPlanesAsync()
    {
        var hosts = new FakeHosts();
        var first = await ApplyAsync(hosts, Spec);
        Assert.True(first.ExitCode == 0, EngineRun.Describe(first));
        return hosts;
    }

    private static IReadOnlyList<string> Recorded(FakeHosts hosts) =>
        [.. ClusterMembers.Parse(System.Text.Encoding.UTF8.GetString(hosts["cp-1"].Files[HostPaths.Members]), "record").Select(m => m.Name)];

    [Fact]
    public async Task ApplyAsync_StackedControlPlaneReplaced_AddFirstThenDrainMemberRemoveDeleteThenReset()
    {
        var hosts = await AppliedWithThreeControlPlanesAsync();
        Assert.Equal(["cp-1", "cp-2", "cp-3", "w-1"], Recorded(hosts));
        var recorder = new Recorder();

        var report = await ApplyAsync(hosts, Replaced, recorder);

        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        Assert.Equal(HostState.Removed, report.Hosts.Single(h => h.Host == "cp-3").State);
        var events = recorder.Events.ToList();
        int At(string host, string what) => events.FindIndex(e => e.Host == host && e.What == what);
        var lastOfCp4 = events.FindLastIndex(e => e.Host == "cp-4" && e.What.StartsWith("controlplane", StringComparison.OrdinalIgnoreCase));
        var order = new[] { At("cp-3", "remove.cp-3.drain"), At("cp-3", "remove.cp-3.etcd-member"), At("cp-3", "remove.cp-3.delete-node"), At("cp-3", "reset.kubeadm") };
        Assert.True(order.All(i => i >= 0) && order.SequenceEqual(order.Order()), string.Join("\n", events));
        Assert.True(events.FindIndex(e => e.Host == "cp-4") < order[0], "cp-4 is added before cp-3 leaves:\n" + string.Join("\n", events));
        Assert.True(lastOfCp4 < order[0], string.Join("\n", events));
        // The first control plane ran (and journaled) the removal's steps; cp-3 ran its reset.
        Assert.Equal(["remove.cp-3.drain", "remove.cp-3.etcd-member", "remove.cp-3.delete-node"],
            hosts["cp-1"].JournalIds().Where(id => id.StartsWith("remove.", StringComparison.Ordinal)));
        Assert.Contains("reset.kubeadm", hosts["cp-3"].Commands);
        Assert.Equal(["cp-1", "cp-2", "cp-4", "w-1"], Recorded(hosts));

        var again = await ApplyAsync(hosts, Replaced);
        Assert.True(again.NothingToDo, EngineRun.Describe(again));
    }

    [Fact]
    public async Task ApplyAsync_EtcdMemberRemovalFails_NodeNotDeletedHostNotResetStillRecorded()
    {
        var hosts = await AppliedWithThreeControlPlanesAsync();
        hosts["cp-1"].FailingScripts["remove.cp-3.etcd-member"] = 1;

        var report = await ApplyAsync(hosts, Replaced);

        Assert.Equal(1, report.ExitCode);
        var cp3 = report.Hosts.Single(h => h.Host == "cp-3");
        Assert.Equal(HostState.Failed, cp3.State);
        Assert.Equal("remove.cp-3.etcd-member", cp3.Failure!.StepId);
        Assert.Equal(["remove.cp-3.drain"], cp3.Ran);
        Assert.DoesNotContain("remove.cp-3.delete-node", hosts["cp-1"].Commands);
        Assert.DoesNotContain("reset.kubeadm", hosts["cp-3"].Commands);
        Assert.Contains("cp-3", Recorded(hosts));
    }

    [Fact]
    public async Task ApplyAsync_RemovedStackedControlPlaneUnreachable_MemberRemovedNodeDeletedWithAWarning()
    {
        var hosts = await AppliedWithThreeControlPlanesAsync();
        hosts["cp-3"].Unreachable = true;

        var report = await ApplyAsync(hosts, Replaced);

        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        var cp3 = report.Hosts.Single(h => h.Host == "cp-3");
        Assert.Equal(HostState.Removed, cp3.State);
        Assert.StartsWith("warning: its node was deleted from the cluster, but the host could not be reached", cp3.Message, StringComparison.Ordinal);
        Assert.Equal(["remove.cp-3.drain", "remove.cp-3.etcd-member", "remove.cp-3.delete-node"],
            hosts["cp-1"].JournalIds().Where(id => id.StartsWith("remove.", StringComparison.Ordinal)));
        Assert.DoesNotContain("cp-3", Recorded(hosts));
    }
}
