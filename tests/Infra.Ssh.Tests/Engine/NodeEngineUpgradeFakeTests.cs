using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Engine;

/// <summary>
/// The provider's per-node upgrade (<see cref="NodeEngine.UpgradeAsync"/>) on in-memory hosts: each action of the
/// node's part of the procedure runs on the host it belongs to, journaled there, so an Update run again resumes.
/// </summary>
public class NodeEngineUpgradeFakeTests
{
    private static readonly ClusterSpec Spec = SampleSpecs.BareMetal(1, 2) with
    {
        Packages = SampleSpecs.BareMetal().Packages with { Source = PackageSource.Preinstalled },
        Kubernetes = SampleSpecs.BareMetal().Kubernetes with { Version = new KubernetesVersion(1, 36, 2) },
    };

    private static readonly ClusterPlan Plan = ClusterPlanner.Plan(Spec);
    private static readonly VersionMove Move = VersionMoves.Decide(new KubernetesVersion(1, 36, 1), new KubernetesVersion(1, 36, 2));
    private static readonly NodeConnection Connection = new() { PrivateKey = "unused", ConnectTimeoutSeconds = 5, CommandTimeoutSeconds = 60 };

    private static NodeProgram Program(string host) => Plan.Nodes.Single(n => n.Host.Name == host);

    private static IReadOnlyList<UpgradeAction> Actions(string host) =>
        UpgradePlanner.ForNode(Program(host), Plan.FirstControlPlane!, Move, NodeUpgradeSettings.Of(Spec, Plan.Hosts));

    private static List<string> UpgradeCommands(FakeHost host, int from = 0) =>
        [.. host.Commands.Skip(from).Where(c => c.StartsWith("upgrade.", StringComparison.Ordinal))];

    [Fact]
    [Trait("Item", "13.3")]
    public async Task UpgradeAsync_FirstControlPlaneThenWorker_EachActionOnItsHostJournaledThenAgainRunsNothing()
    {
        var hosts = new FakeHosts();
        using var engine = new NodeEngine(hosts.Factory);

        var first = await engine.UpgradeAsync(Program("cp-1"), Plan.FirstControlPlane!, Actions("cp-1"), Connection, CancellationToken.None);
        var worker = await engine.UpgradeAsync(Program("w-1"), Plan.FirstControlPlane!, Actions("w-1"), Connection, CancellationToken.None);

        Assert.Equal(["upgrade.requirements", "upgrade.preflight", "upgrade.packages", "upgrade.kubeadm", "upgrade.drain.cp-1", "upgrade.kubelet", "upgrade.uncordon.cp-1"], first);
        Assert.Equal(["upgrade.requirements", "upgrade.packages", "upgrade.kubeadm", "upgrade.drain.w-1", "upgrade.kubelet", "upgrade.uncordon.w-1"], worker);
        // The drain and the uncordon of the worker run (and are journaled) on the first control plane, between the worker's kubeadm and kubelet.
        Assert.Equal([.. first, "upgrade.drain.w-1", "upgrade.uncordon.w-1"], UpgradeCommands(hosts["cp-1"]));
        Assert.Equal(["upgrade.requirements", "upgrade.packages", "upgrade.kubeadm", "upgrade.kubelet"], UpgradeCommands(hosts["w-1"]));
        Assert.Equal(["upgrade.drain.w-1", "upgrade.kubelet", "upgrade.uncordon.w-1"],
            hosts.Ran.Where(r => r.Step is "upgrade.drain.w-1" or "upgrade.uncordon.w-1" || (r.Host == "w-1" && r.Step == "upgrade.kubelet")).Select(r => r.Step));
        Assert.Contains("upgrade.kubeadm", hosts["w-1"].JournalIds());
        Assert.Null(hosts["w-1"].HostLockHolder);
        Assert.Null(hosts["cp-1"].HostLockHolder);

        Assert.Empty(await engine.UpgradeAsync(Program("w-1"), Plan.FirstControlPlane!, Actions("w-1"), Connection, CancellationToken.None));
        Assert.Empty(await engine.UpgradeAsync(Program("cp-1"), Plan.FirstControlPlane!, Actions("cp-1"), Connection, CancellationToken.None));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task UpgradeAsync_KubeletFailsAfterTheDrain_StepFailedNodeUnlockedThenAgainResumesAndUncordons()
    {
        var hosts = new FakeHosts();
        using var engine = new NodeEngine(hosts.Factory);
        hosts["w-1"].FailingScripts[UpgradePlanner.KubeletStep] = 1;

        var failed = await Assert.ThrowsAsync<StepFailedException>(() =>
            engine.UpgradeAsync(Program("w-1"), Plan.FirstControlPlane!, Actions("w-1"), Connection, CancellationToken.None));

        Assert.Equal(UpgradePlanner.KubeletStep, failed.Failure.StepId);
        Assert.Contains("upgrade.drain.w-1", hosts["cp-1"].JournalIds());
        Assert.DoesNotContain("upgrade.uncordon.w-1", hosts["cp-1"].JournalIds());
        Assert.Null(hosts["w-1"].HostLockHolder);

        hosts["w-1"].FailingScripts.Clear();
        var before = hosts["cp-1"].Commands.Count;
        var resumed = await engine.UpgradeAsync(Program("w-1"), Plan.FirstControlPlane!, Actions("w-1"), Connection, CancellationToken.None);

        Assert.Equal([UpgradePlanner.KubeletStep, "upgrade.uncordon.w-1"], resumed);
        Assert.Equal(["upgrade.uncordon.w-1"], UpgradeCommands(hosts["cp-1"], before));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task UpgradeAsync_NodeLockedByAnotherRun_RefusedNothingRan()
    {
        var hosts = new FakeHosts();
        using var engine = new NodeEngine(hosts.Factory);
        hosts["w-1"].HostLockHolder = "pulumi on another machine";

        await Assert.ThrowsAsync<HostLockedException>(() =>
            engine.UpgradeAsync(Program("w-1"), Plan.FirstControlPlane!, Actions("w-1"), Connection, CancellationToken.None));

        Assert.Empty(UpgradeCommands(hosts["w-1"]));
        Assert.Empty(UpgradeCommands(hosts["cp-1"]));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task UpgradeAsync_FirstControlPlaneUnreachable_UnreachableNothingRanOnTheNode()
    {
        var hosts = new FakeHosts();
        using var engine = new NodeEngine(hosts.Factory);
        hosts["cp-1"].Unreachable = true;

        var e = await Assert.ThrowsAsync<HostUnreachableException>(() =>
            engine.UpgradeAsync(Program("w-1"), Plan.FirstControlPlane!, Actions("w-1"), Connection, CancellationToken.None));

        Assert.Contains("cp-1", e.Message, StringComparison.Ordinal);
        Assert.Empty(UpgradeCommands(hosts["w-1"]));
        Assert.Null(hosts["w-1"].HostLockHolder);
    }

    private static WorkerSlot? Slot(string host) =>
        UpgradePlanner.WorkerSlotFor(Program(host), Plan.FirstControlPlane!, Move, NodeUpgradeSettings.Of(Spec, Plan.Hosts));

    private static Task<IReadOnlyList<string>> UpgradeInSlot(NodeEngine engine, string host, WorkerSlot? slot = null) =>
        engine.UpgradeAsync(Program(host), Plan.FirstControlPlane!, Actions(host), Connection, CancellationToken.None, slot ?? Slot(host));

    [Fact]
    [Trait("Item", "13.3")]
    public async Task UpgradeAsync_WorkerSlot_ClaimedAfterTheRequirementsBeforeItsPackagesReleasedAfterItsUncordon()
    {
        var hosts = new FakeHosts();
        using var engine = new NodeEngine(hosts.Factory);
        await engine.UpgradeAsync(Program("cp-1"), Plan.FirstControlPlane!, Actions("cp-1"), Connection, CancellationToken.None, Slot("cp-1"));
        var before = hosts.Ran.Count;

        await UpgradeInSlot(engine, "w-1");

        Assert.Null(Slot("cp-1"));
        Assert.Equal(
        [
            ("w-1", "upgrade.requirements"), ("cp-1", "worker slot: claim"), ("w-1", "upgrade.packages"), ("w-1", "upgrade.kubeadm"),
            ("cp-1", "upgrade.drain.w-1"), ("w-1", "upgrade.kubelet"), ("cp-1", "upgrade.uncordon.w-1"), ("cp-1", "worker slot: release"),
        ], hosts.Ran.Skip(before));
        Assert.Empty(hosts["cp-1"].Slots);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task UpgradeAsync_EverySlotHeldTwice_WaitsThenUpgrades()
    {
        var hosts = new FakeHosts();
        using var engine = new NodeEngine(hosts.Factory) { SlotPoll = TimeSpan.FromMilliseconds(1) };
        hosts["cp-1"].BusyClaims = 2;

        var ran = await UpgradeInSlot(engine, "w-1");

        Assert.Equal(3, hosts.Ran.Count(r => r.Step == "worker slot: claim"));
        Assert.Contains("upgrade.uncordon.w-1", ran);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task UpgradeAsync_NoSlotFreeWithinTheWait_StepFailedNothingChangedOnTheNode()
    {
        var hosts = new FakeHosts();
        using var engine = new NodeEngine(hosts.Factory) { SlotPoll = TimeSpan.FromMilliseconds(1) };
        hosts["cp-1"].Slots["w-2"] = "running";

        var e = await Assert.ThrowsAsync<StepFailedException>(() => UpgradeInSlot(engine, "w-1", Slot("w-1")! with { Wait = TimeSpan.FromMilliseconds(20) }));

        Assert.Equal("worker slot", e.Failure.StepId);
        Assert.Contains("no worker slot came free", e.Failure.Hint, StringComparison.Ordinal);
        Assert.Equal(["upgrade.requirements"], UpgradeCommands(hosts["w-1"]));
        Assert.Null(hosts["w-1"].HostLockHolder);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task UpgradeAsync_AnotherWorkerFailed_StoppedBeforeAnyChange()
    {
        var hosts = new FakeHosts();
        using var engine = new NodeEngine(hosts.Factory);
        hosts["cp-1"].Slots["w-2"] = "failed";

        var e = await Assert.ThrowsAsync<StepFailedException>(() => UpgradeInSlot(engine, "w-1"));

        Assert.Equal(UpgradePlanner.SlotStoppedExit, e.Failure.ExitCode);
        Assert.Contains("w-2", e.Message, StringComparison.Ordinal);
        Assert.Equal(["upgrade.requirements"], UpgradeCommands(hosts["w-1"]));
        Assert.False(hosts["cp-1"].Slots.ContainsKey("w-1"));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task UpgradeAsync_KubeletFailsInItsSlot_SlotMarkedFailedThenAgainResumesAndReleasesIt()
    {
        var hosts = new FakeHosts();
        using var engine = new NodeEngine(hosts.Factory);
        hosts["w-1"].FailingScripts[UpgradePlanner.KubeletStep] = 1;

        await Assert.ThrowsAsync<StepFailedException>(() => UpgradeInSlot(engine, "w-1"));
        var failed = new Dictionary<string, string>(hosts["cp-1"].Slots);
        await Assert.ThrowsAsync<StepFailedException>(() => UpgradeInSlot(engine, "w-2"));
        hosts["w-1"].FailingScripts.Clear();
        var resumed = await UpgradeInSlot(engine, "w-1");
        var afterwards = await UpgradeInSlot(engine, "w-2");

        Assert.Equal(new Dictionary<string, string> { ["w-1"] = "failed" }, failed);
        Assert.Equal([UpgradePlanner.KubeletStep, "upgrade.uncordon.w-1"], resumed);
        Assert.Contains("upgrade.uncordon.w-2", afterwards);
        Assert.Empty(hosts["cp-1"].Slots);
    }
}
