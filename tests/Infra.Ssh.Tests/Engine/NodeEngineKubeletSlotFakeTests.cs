using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Engine;

/// <summary>
/// The provider's kubelet configuration change on live workers (<see cref="NodeEngine.ApplyAsync"/> with Core's
/// <see cref="KubeletSettingsSlots"/>) on in-memory hosts: the slot on the first control plane around the worker's
/// kubelet.settings, a failure that stops the other workers, and new workers that join without one.
/// </summary>
[Trait("Item", "13.3")]
public class NodeEngineKubeletSlotFakeTests
{
    private static readonly ClusterSpec Spec = SampleSpecs.BareMetal(1, 2) with
    {
        Packages = SampleSpecs.BareMetal().Packages with { Source = PackageSource.Preinstalled },
    };

    private static readonly ClusterPlan Plan = ClusterPlanner.Plan(Spec);
    private static readonly NodeConnection Connection = new() { PrivateKey = "unused", ConnectTimeoutSeconds = 5, CommandTimeoutSeconds = 60 };

    private static NodeProgram Program(string host) => Plan.Nodes.Single(n => n.Host.Name == host);

    private static Task<NodeRunResult> Apply(NodeEngine engine, string host) =>
        engine.ApplyAsync(Program(host), Plan.FirstControlPlane!, Connection, CancellationToken.None,
            kubeletSlot: KubeletSettingsSlots.For(Program(host), Plan.FirstControlPlane!, NodeUpgradeSettings.Of(Spec, Plan.Hosts)));

    /// <summary>A live worker whose kubelet configuration changed: every step done but kubelet.settings.</summary>
    private static FakeHosts LiveWorkers()
    {
        var hosts = new FakeHosts();
        foreach (var worker in new[] { "w-1", "w-2" })
        {
            foreach (var step in Program(worker).Steps.Where(s => s.Phase != Phase.Reset && s.Id != ReconfigureSteps.KubeletStepId)) hosts[worker].Done(step);
        }
        return hosts;
    }

    [Fact]
    public async Task ApplyAsync_LiveWorkerKubeletChanged_StepRunsBetweenClaimAndReleaseOnTheFirstControlPlane()
    {
        var hosts = LiveWorkers();
        using var engine = new NodeEngine(hosts.Factory);

        var r = await Apply(engine, "w-1");

        Assert.Equal([ReconfigureSteps.KubeletStepId], r.Ran);
        Assert.Equal([("cp-1", "worker slot: claim"), ("w-1", ReconfigureSteps.KubeletStepId), ("cp-1", "worker slot: release")], hosts.Ran);
        Assert.Empty(hosts["cp-1"].Slots);
        Assert.Null(hosts["w-1"].HostLockHolder);
    }

    [Fact]
    public async Task ApplyAsync_KubeletFailsInItsSlot_OtherWorkerStoppedUntilItCompletes()
    {
        var hosts = LiveWorkers();
        using var engine = new NodeEngine(hosts.Factory);
        hosts["w-1"].FailingScripts[ReconfigureSteps.KubeletStepId] = 1;

        var failed = await Assert.ThrowsAsync<StepFailedException>(() => Apply(engine, "w-1"));
        var slots = new Dictionary<string, string>(hosts["cp-1"].Slots);
        var stopped = await Assert.ThrowsAsync<StepFailedException>(() => Apply(engine, "w-2"));
        hosts["w-1"].FailingScripts.Clear();
        var resumed = await Apply(engine, "w-1");
        var afterwards = await Apply(engine, "w-2");

        Assert.Equal(ReconfigureSteps.KubeletStepId, failed.Failure.StepId);
        Assert.Equal(new Dictionary<string, string> { ["w-1"] = "failed" }, slots);
        Assert.Equal(UpgradePlanner.SlotStoppedExit, stopped.Failure.ExitCode);
        Assert.Contains("one worker at a time", stopped.Failure.Hint, StringComparison.Ordinal);
        Assert.Equal([ReconfigureSteps.KubeletStepId], resumed.Ran);
        Assert.Equal([ReconfigureSteps.KubeletStepId], afterwards.Ran);
        Assert.Single(hosts.Ran, r => r == ("w-2", ReconfigureSteps.KubeletStepId));
        Assert.Empty(hosts["cp-1"].Slots);
    }

    [Fact]
    public async Task ApplyAsync_NewWorker_JoinsWithoutASlot()
    {
        var hosts = new FakeHosts();
        using var engine = new NodeEngine(hosts.Factory);

        var r = await Apply(engine, "w-1");

        Assert.Contains("workers.join", r.Ran);
        Assert.Contains(ReconfigureSteps.KubeletStepId, r.Ran);
        Assert.DoesNotContain(hosts.Ran, x => x.Step.StartsWith("worker slot", StringComparison.Ordinal));
    }
}
