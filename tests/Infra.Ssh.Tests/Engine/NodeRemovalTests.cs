using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Ssh.Engine;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests.Engine;

public sealed class RemovalSystemdHosts() : ClusterHostsFixture("rmv",
    new TestHostOptions { Name = "cp1", Systemd = true }, new TestHostOptions { Name = "w1", Systemd = true },
    new TestHostOptions { Name = "w2", Systemd = true });

/// <summary>
/// A worker taken out of the stack, with kubectl and kubeadm as stand-ins that record their calls: drained and
/// deleted through the first control plane, then reset, found through the member record the engine keeps there.
/// </summary>
[Trait("Item", "13.nodes")]
public sealed class NodeRemovalTests(RemovalSystemdHosts fixture, ITestOutputHelper output) : IClassFixture<RemovalSystemdHosts>
{
    private ClusterPlan Plan(params string[] workers) => fixture.Set.Plan(HarnessCluster.Spec(fixture.Network,
        [ClusterMember.ControlPlane(fixture["cp1"]), .. workers.Select(w => ClusterMember.Worker(fixture[w]))]));

    private async Task<ClusterPlan> AppliedWithBothWorkersAsync()
    {
        await ClusterHostSet.RestoreAsync(fixture.Network.Hosts);
        var plan = Plan("w1", "w2");
        var report = await new EngineRun().ApplyAsync(plan);
        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        return plan;
    }

    private IReadOnlyList<string> Recorded() =>
        [.. ClusterMembers.Parse(fixture["cp1"].ReadDiskFile(HostPaths.Members) ?? "", "record").Select(m => m.Name)];

    private IReadOnlyList<string> KubectlOnCp1() =>
        [.. KubernetesStandIns.Calls(fixture["cp1"]).Where(c => c.Tool == "kubectl" && (c.Arguments.StartsWith("drain", StringComparison.Ordinal) || c.Arguments.StartsWith("delete", StringComparison.Ordinal))).Select(c => c.Arguments)];

    [RealHostFact]
    public async Task ApplyAsync_WorkerGoneFromTheStack_StandInDrainedThenDeletedThenResetAndForgotten()
    {
        await AppliedWithBothWorkersAsync();
        Assert.Equal(["cp1", "w1", "w2"], Recorded());
        var without = Plan("w1");

        // The dry run names the removal and changes nothing.
        var dry = await new EngineRun().ApplyAsync(without, EngineRun.Options(dryRun: true));
        var pending = dry.Hosts.Single(h => h.Host == "w2");
        Assert.Equal(HostState.Pending, pending.State);
        Assert.Equal(["remove.w2.drain", "remove.w2.delete-node", "reset.kubeadm"], pending.Changes.Take(3).Select(c => c.StepId));
        Assert.Empty(KubectlOnCp1());

        var run = new EngineRun();
        var report = await run.ApplyAsync(without);
        output.WriteLine(EngineRun.Describe(report));

        Assert.Equal(0, report.ExitCode);
        var w2 = report.Hosts.Single(h => h.Host == "w2");
        Assert.Equal(HostState.Removed, w2.State);
        Assert.Null(w2.Message);
        // kubernetes/kubectl pkg/cmd/drain/drain.go: evictions (PodDisruptionBudgets hold), bounded; never --force.
        Assert.Equal(["drain w2 --ignore-daemonsets --delete-emptydir-data --timeout=300s", "delete node w2 --ignore-not-found"], KubectlOnCp1());
        var drainedAt = KubernetesStandIns.Calls(fixture["cp1"]).Single(c => c.Arguments.StartsWith("drain", StringComparison.Ordinal)).Start;
        var reset = KubernetesStandIns.Calls(fixture["w2"]).Single(c => c.Tool == "kubeadm" && c.Arguments.StartsWith("reset", StringComparison.Ordinal));
        Assert.True(reset.Start > drainedAt, "the host is reset after its node was drained");
        Assert.False(Directory.Exists(fixture["w2"].DiskPath(HostPaths.JournalDir)));
        Assert.Equal(["cp1", "w1"], Recorded());
        Assert.Equal("600", (await fixture["cp1"].ExecInsideAsync($"stat -c %a {HostPaths.Members}")).Stdout.Trim());

        // Nothing is left to do.
        var again = await new EngineRun().ApplyAsync(without);
        Assert.True(again.NothingToDo, EngineRun.Describe(again));
    }

    [RealHostFact]
    public async Task ApplyAsync_StandInDrainBlockedByADisruptionBudget_StopsThatRemovalNamingThePodHostKeptAndNotReset()
    {
        await AppliedWithBothWorkersAsync();
        await KubernetesStandIns.FailAsync(fixture["cp1"], "kubectl", "drain", 1,
            "error when evicting pods/\"web-0\" -n \"default\" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.");

        var report = await new EngineRun().ApplyAsync(Plan("w1"));
        output.WriteLine(EngineRun.Describe(report));

        Assert.Equal(1, report.ExitCode);
        var w2 = report.Hosts.Single(h => h.Host == "w2");
        Assert.Equal(HostState.Failed, w2.State);
        Assert.Equal("remove.w2.drain", w2.Failure!.StepId);
        Assert.Contains("web-0", w2.Failure.StderrTail, StringComparison.Ordinal);
        Assert.DoesNotContain(KubectlOnCp1(), a => a.StartsWith("delete", StringComparison.Ordinal));
        Assert.True(Directory.Exists(fixture["w2"].DiskPath(HostPaths.JournalDir)), "w2 was not reset");
        Assert.Equal(["cp1", "w1", "w2"], Recorded());
        await KubernetesStandIns.ClearControlsAsync(fixture["cp1"]);
    }

    [RealHostFact]
    public async Task ApplyAsync_RemovedWorkerUnreachable_StandInNodeDeletedWithAWarning()
    {
        await AppliedWithBothWorkersAsync();
        await fixture["w2"].CutNetworkAsync();
        try
        {
            var report = await new EngineRun().ApplyAsync(Plan("w1"));
            output.WriteLine(EngineRun.Describe(report));

            Assert.Equal(0, report.ExitCode);
            var w2 = report.Hosts.Single(h => h.Host == "w2");
            Assert.Equal(HostState.Removed, w2.State);
            Assert.StartsWith("warning: its node was deleted from the cluster, but the host could not be reached", w2.Message, StringComparison.Ordinal);
            Assert.Equal(["drain w2 --ignore-daemonsets --delete-emptydir-data --timeout=300s", "delete node w2 --ignore-not-found"], KubectlOnCp1());
            Assert.Equal(["cp1", "w1"], Recorded());
        }
        finally
        {
            await fixture["w2"].ReconnectNetworkAsync();
        }
    }
}
