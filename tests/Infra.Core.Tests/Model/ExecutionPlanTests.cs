using System.Text.Json;
using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Model;

[Trait("Item", "12.1")]
public class ExecutionPlanTests
{
    private static ExecutionPlan For(ClusterSpec spec) => ExecutionPlan.For(HostInventory.Plan(spec));

    private static List<string> Names(ExecutionWave w) => [.. w.Hosts.Select(h => h.Name)];

    private static string Shape(IEnumerable<ExecutionWave> waves) =>
        string.Join(" | ", waves.Select(w => $"{w.Phase.Name()} [{string.Join(",", Names(w))}] {w.Pacing.Name}"));

    [Fact]
    public void For_StackedOneControlPlaneTwoWorkers_PrepareInitWorkersWorkloads()
    {
        var plan = For(SampleSpecs.BareMetal(controlPlanes: 1, workers: 2));

        Assert.Equal("prepare [cp-1,w-1,w-2] parallel | control-plane [cp-1] one-at-a-time | workers [w-1,w-2] parallel"
            + " | workers [w-1,w-2] one-at-a-time | workloads [cp-1] one-at-a-time",
            Shape(plan.Waves));
        Assert.Equal("init cp-1", plan.Waves[1].Title);
        Assert.Equal("join workers", plan.Waves[2].Title);
        Assert.Equal("cp-1", plan.Waves[2].Needs.JoinCredentialsFrom);
        Assert.Null(plan.Waves[1].Needs.JoinCredentialsFrom);
        Assert.Empty(plan.Waves[1].Needs.EtcdMembers);
        Assert.Equal([Phase.Prepare, Phase.ControlPlane, Phase.Workers, Phase.Workloads], plan.Phases);
    }

    [Fact]
    public void For_StackedThreeControlPlanes_JoiningControlPlanesOneWaveOneAtATimeWithCredentials()
    {
        var plan = For(SampleSpecs.BareMetal(controlPlanes: 3, workers: 2));

        Assert.Equal("prepare [cp-1,cp-2,cp-3,w-1,w-2] parallel | control-plane [cp-1] one-at-a-time | control-plane [cp-2,cp-3] one-at-a-time"
            + " | workers [w-1,w-2] parallel | workers [w-1,w-2] one-at-a-time | workloads [cp-1] one-at-a-time", Shape(plan.Waves));
        Assert.Equal("join control planes", plan.Waves[2].Title);
        Assert.Equal("cp-1", plan.Waves[2].Needs.JoinCredentialsFrom);
        Assert.Equal("control-plane: join control planes — cp-2, cp-3 (one at a time)", plan.Waves[2].Describe());
        Assert.Equal("workers: join workers — w-1, w-2 (in parallel)", plan.Waves[3].Describe());
        Assert.Equal("control-plane: init cp-1 — cp-1", plan.Waves[1].Describe());
    }

    [Fact]
    public void For_NoWorkers_NoWorkersWaveAndWorkloadsLast()
    {
        var plan = For(SampleSpecs.BareMetal(controlPlanes: 1, workers: 0));

        Assert.Equal("prepare [cp-1] parallel | control-plane [cp-1] one-at-a-time | workloads [cp-1] one-at-a-time", Shape(plan.Waves));
        Assert.Equal("reset [cp-1] one-at-a-time", Shape(plan.ResetWaves));
    }

    [Fact]
    public void For_ExternalEtcd_MembersOneAtATimeBeforeControlPlanesWhichNeedThem()
    {
        var plan = For(SampleSpecs.BareMetal(controlPlanes: 3, workers: 1, etcd: EtcdTopology.External));

        Assert.Equal("prepare [etcd-1,etcd-2,etcd-3,cp-1,cp-2,cp-3,w-1] parallel | etcd [etcd-1,etcd-2,etcd-3] one-at-a-time"
            + " | control-plane [cp-1] one-at-a-time | control-plane [cp-2,cp-3] one-at-a-time | workers [w-1] parallel | workers [w-1] one-at-a-time"
            + " | workloads [cp-1] one-at-a-time",
            Shape(plan.Waves));
        Assert.Equal(EtcdMembershipChange.Join, plan.Waves[1].Needs.EtcdMembership);
        Assert.Equal(["etcd-1", "etcd-2", "etcd-3"], plan.Waves[2].Needs.EtcdMembers);
        Assert.Equal(["etcd-1", "etcd-2", "etcd-3"], plan.Waves[3].Needs.EtcdMembers);
        Assert.Empty(plan.Waves[4].Needs.EtcdMembers);
    }

    [Fact]
    public void For_StackedEtcd_NoEtcdWaveAndNoLeaveBeforeReset()
    {
        var plan = For(SampleSpecs.BareMetal(controlPlanes: 3, workers: 2));

        Assert.DoesNotContain(plan.Waves, w => w.Phase == Phase.Etcd);
        Assert.Equal("reset [w-1,w-2] parallel | reset [cp-3,cp-2,cp-1] one-at-a-time", Shape(plan.ResetWaves));
    }

    [Fact]
    public void ResetWaves_ExternalEtcd_MembersLeaveFirstThenWorkersThenControlPlanesLastJoinedFirstThenMembers()
    {
        var plan = For(SampleSpecs.BareMetal(controlPlanes: 3, workers: 2, etcd: EtcdTopology.External));

        Assert.Equal("reset [etcd-1,etcd-2,etcd-3] one-at-a-time | reset [w-1,w-2] parallel | reset [cp-3,cp-2,cp-1] one-at-a-time"
            + " | reset [etcd-1,etcd-2,etcd-3] one-at-a-time", Shape(plan.ResetWaves));
        Assert.Equal(EtcdMembershipChange.Leave, plan.ResetWaves[0].Needs.EtcdMembership);
        Assert.All(plan.ResetWaves.Skip(1), w => Assert.Equal(EtcdMembershipChange.None, w.Needs.EtcdMembership));
    }

    [Fact]
    public void Only_WorkerSubset_KeepsWavePlacesAndNeedsDropsEmptyWaves()
    {
        var plan = For(SampleSpecs.BareMetal(controlPlanes: 3, workers: 2)).Only(["w-2"]);

        Assert.Equal("prepare [w-2] parallel | workers [w-2] parallel | workers [w-2] one-at-a-time", Shape(plan.Waves));
        Assert.Equal("cp-1", plan.Waves[1].Needs.JoinCredentialsFrom);
        Assert.Equal("reset [w-2] parallel", Shape(plan.ResetWaves));
    }

    [Fact]
    public void Only_JoiningControlPlaneAndMember_NoInitNoWorkloads()
    {
        var plan = For(SampleSpecs.BareMetal(controlPlanes: 3, workers: 1, etcd: EtcdTopology.External)).Only(["cp-3", "etcd-2"]);

        Assert.Equal("prepare [etcd-2,cp-3] parallel | etcd [etcd-2] one-at-a-time | control-plane [cp-3] one-at-a-time", Shape(plan.Waves));
        Assert.Equal("cp-1", plan.Waves[2].Needs.JoinCredentialsFrom);
        Assert.Equal(["etcd-1", "etcd-2", "etcd-3"], plan.Waves[2].Needs.EtcdMembers);
        Assert.Equal("reset [etcd-2] one-at-a-time | reset [cp-3] one-at-a-time | reset [etcd-2] one-at-a-time", Shape(plan.ResetWaves));
    }

    [Fact]
    public void DependsOn_ExternalEtcd_TodaysChainMembersThenControlPlanesThenWorkersAfterTheLast()
    {
        var plan = For(SampleSpecs.BareMetal(controlPlanes: 3, workers: 2, etcd: EtcdTopology.External));

        Assert.Empty(plan.DependsOn("etcd-1"));
        Assert.Equal(["etcd-1"], plan.DependsOn("etcd-2"));
        Assert.Equal(["etcd-2"], plan.DependsOn("etcd-3"));
        Assert.Equal(["etcd-3"], plan.DependsOn("cp-1"));
        Assert.Equal(["cp-1"], plan.DependsOn("cp-2"));
        Assert.Equal(["cp-2"], plan.DependsOn("cp-3"));
        Assert.Equal(["cp-3"], plan.DependsOn("w-1"));
        Assert.Equal(["cp-3"], plan.DependsOn("w-2"));
        Assert.Empty(plan.DependsOn("not-a-host"));
        Assert.Equal(["w-1", "w-2"], plan.Before(plan.Waves.Single(w => w.Phase == Phase.Workloads)));
    }

    [Fact]
    public void DependsOn_StackedOneControlPlane_WorkersWaitForIt()
    {
        var plan = For(SampleSpecs.BareMetal(controlPlanes: 1, workers: 2));

        Assert.Empty(plan.DependsOn("cp-1"));
        Assert.Equal(["cp-1"], plan.DependsOn("w-1"));
        Assert.Equal(["w-1", "w-2"], plan.Before(plan.Waves[^1]));
        Assert.Empty(plan.Before(plan.Waves[0]));
    }

    [Fact]
    public void DependsOn_NoWorkers_WorkloadsWaitForTheLastControlPlane()
    {
        var plan = For(SampleSpecs.BareMetal(controlPlanes: 3, workers: 0));

        Assert.Equal(["cp-3"], plan.Before(plan.Waves[^1]));
    }

    [Fact]
    public void DependsOn_BatchesOfTwo_EachBatchWaitsForTheOneBefore()
    {
        var hosts = HostInventory.Plan(SampleSpecs.BareMetal(controlPlanes: 1, workers: 5));
        var built = ExecutionPlan.For(hosts);
        var plan = built with { Waves = [.. built.Waves.Select(w => w.Phase == Phase.Workers ? w with { Pacing = WavePacing.Batches(2) } : w)] };

        Assert.Equal(["cp-1"], plan.DependsOn("w-1"));
        Assert.Equal(["cp-1"], plan.DependsOn("w-2"));
        Assert.Equal(["w-1", "w-2"], plan.DependsOn("w-3"));
        Assert.Equal(["w-3", "w-4"], plan.DependsOn("w-5"));
        Assert.Equal(["w-5"], plan.Before(plan.Waves[^1]));
        Assert.Equal("workers: join workers — w-1, w-2, w-3, w-4, w-5 (in batches of 2)", plan.Waves.First(w => w.Phase == Phase.Workers).Describe());
    }

    [Fact]
    public void WavePacing_Split_ParallelOneBatchOneAtATimeSinglesBatchesOfN()
    {
        int[] items = [1, 2, 3, 4, 5];

        Assert.Equal([[1, 2, 3, 4, 5]], WavePacing.Parallel.Split(items));
        Assert.Equal(5, WavePacing.OneAtATime.Split(items).Count);
        Assert.Equal([[1, 2], [3, 4], [5]], WavePacing.Batches(2).Split(items));
        Assert.Empty(WavePacing.Parallel.Split(Array.Empty<int>()));
        Assert.Equal(WavePacing.OneAtATime, WavePacing.Batches(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => WavePacing.Batches(0));
    }

    public static TheoryData<string> Topologies => ["1cp", "1cp0w", "3cp", "3cp-external", "1cp-external", "aws", "gcp"];

    private static ClusterSpec Spec(string topology) => topology switch
    {
        "1cp" => SampleSpecs.BareMetal(controlPlanes: 1, workers: 2),
        "1cp0w" => SampleSpecs.BareMetal(controlPlanes: 1, workers: 0),
        "3cp" => SampleSpecs.BareMetal(controlPlanes: 3, workers: 3),
        "3cp-external" => SampleSpecs.BareMetal(controlPlanes: 3, workers: 2, etcd: EtcdTopology.External),
        "1cp-external" => SampleSpecs.BareMetal(controlPlanes: 1, workers: 1, etcd: EtcdTopology.External),
        "aws" => SampleSpecs.Cloud(Target.Aws),
        "gcp" => SampleSpecs.Cloud(Target.Gcp),
        _ => throw new ArgumentOutOfRangeException(nameof(topology)),
    };

    /// <summary>The engine runs a host's steps of a phase only in a wave of that phase that holds the host: none may be left out.</summary>
    [Theory]
    [MemberData(nameof(Topologies))]
    public void Execution_EveryPhaseOfEveryProgram_ShownByAWaveHoldingItsHost(string topology)
    {
        var plan = ClusterPlanner.Plan(Spec(topology));

        foreach (var node in plan.Nodes)
        {
            foreach (var phase in node.Steps.Select(s => s.Phase).Where(p => p != Phase.Reset).Distinct())
            {
                Assert.True(plan.Execution.Waves.Any(w => w.Phase == phase && w.Hosts.Any(h => h.Name == node.Host.Name)),
                    $"{node.Host.Name} has {phase.Name()} steps that no wave runs");
            }
            // Each host is reset exactly once.
            Assert.Single(plan.Execution.ResetWaves, w => w.Needs.EtcdMembership != EtcdMembershipChange.Leave && w.Hosts.Any(h => h.Name == node.Host.Name));
        }
        // And no wave shows a phase a host of it has no step of.
        foreach (var wave in plan.Execution.Waves)
        {
            Assert.All(wave.Hosts, h => Assert.Contains(plan.Nodes.Single(n => n.Host.Name == h.Name).Steps, s => s.Phase == wave.Phase));
        }
    }

    /// <summary>plan.json's order and resetOrder are the execution plan's waves, nothing more or less.</summary>
    [Theory]
    [MemberData(nameof(Topologies))]
    public void PlanJson_Order_IsTheExecutionPlan(string topology)
    {
        var plan = ClusterPlanner.Plan(Spec(topology));
        using var doc = JsonDocument.Parse(PlanJson.Render(plan));

        static string Row(string phase, string title, IEnumerable<string> hosts, string run) => $"{phase}|{title}|{string.Join(",", hosts)}|{run}";
        foreach (var (key, waves) in new[] { ("order", plan.Execution.Waves), ("resetOrder", plan.Execution.ResetWaves) })
        {
            var written = doc.RootElement.GetProperty(key).EnumerateArray().Select(e => Row(e.GetProperty("phase").GetString()!, e.GetProperty("title").GetString()!,
                e.GetProperty("hosts").EnumerateArray().Select(h => h.GetString()!), e.GetProperty("run").GetString()!)).ToList();
            Assert.Equal(waves.Select(w => Row(w.Phase.Name(), w.Title, Names(w), w.Pacing.Name)), written);
        }
        Assert.Equal(ClusterPlan.SchemaVersion, doc.RootElement.GetProperty("schemaVersion").GetInt32());
    }

    /// <summary>
    /// The Pulumi component orders its node resources by <see cref="ExecutionPlan.DependsOn"/>: every host waits only
    /// for hosts the plan runs before it, and the resulting order runs the plan's waves in the plan's order.
    /// </summary>
    [Theory]
    [MemberData(nameof(Topologies))]
    public void DependsOn_EveryTopology_OrdersHostsAsTheWavesDo(string topology)
    {
        var hosts = HostInventory.Plan(Spec(topology));
        var plan = ExecutionPlan.For(hosts);
        // A host's place: its first wave after prepare, and its position in that wave.
        (int Wave, int Index) Place(string host)
        {
            for (var i = 0; i < plan.Waves.Count; i++)
            {
                if (plan.Waves[i].Phase == Phase.Prepare) continue;
                var at = Names(plan.Waves[i]).IndexOf(host);
                if (at >= 0) return (i, at);
            }
            throw new InvalidOperationException(host);
        }
        foreach (var host in hosts)
        {
            var mine = Place(host.Name);
            foreach (var dependency in plan.DependsOn(host.Name))
            {
                Assert.True(Place(dependency).CompareTo(mine) < 0, $"{host.Name} waits for {dependency}, which the plan runs after it");
                // The Pulumi component declares nodes in host order: what a node waits for is declared before it.
                Assert.True(hosts.ToList().FindIndex(h => h.Name == dependency) < hosts.ToList().FindIndex(h => h.Name == host.Name),
                    $"{host.Name} waits for {dependency}, which comes after it in bootstrap order");
            }
            var wave = plan.Waves[mine.Wave];
            // One at a time: each host waits for the host before it in its wave.
            if (wave.Pacing == WavePacing.OneAtATime && mine.Index > 0) Assert.Equal([Names(wave)[mine.Index - 1]], plan.DependsOn(host.Name));
            // In parallel: no host of the wave waits for another one of it.
            if (wave.Pacing == WavePacing.Parallel) Assert.DoesNotContain(plan.DependsOn(host.Name), d => Names(wave).Contains(d));
        }
        // Every host but the very first waits for something: nothing runs before the plan says it may.
        Assert.Single(hosts, h => plan.DependsOn(h.Name).Count == 0);
    }

    [Fact]
    public void NodeProgram_ExternalMember_CarriesTheMembershipFactsItsStepHashes()
    {
        var plan = ClusterPlanner.Plan(SampleSpecs.BareMetal(controlPlanes: 1, workers: 1, etcd: EtcdTopology.External));

        foreach (var node in plan.Nodes)
        {
            var step = node.Steps.FirstOrDefault(s => s.Id == "etcd.member");
            if (step is null)
            {
                Assert.Null(node.EtcdMembership);
                continue;
            }
            var facts = node.EtcdMembership!;
            Assert.Equal(step.Inputs["members"], EtcdMembers.InitialCluster(EtcdMembers.Of(facts)));
            Assert.Equal(step.Inputs["token"], facts.Token);
            Assert.Equal(step.Inputs["kubernetes"], facts.KubernetesMinor);
            Assert.Equal(step.Inputs["etcd"], facts.Release);
            Assert.Equal(step.Inputs["minimum-etcd"], facts.MinimumForKubeadm);
            Assert.Equal(WireJson.Serialize(facts), WireJson.Serialize(WireJson.NodeProgram(WireJson.NodeProgram(node)).EtcdMembership));
        }
        Assert.Equal(3, plan.Nodes.Count(n => n.EtcdMembership is not null));
    }
}
