using System.Globalization;
using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Ssh.Engine;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests.Engine;

public sealed class FiveControlPlaneHosts() : ClusterHostsFixture("rmcp",
    [.. Enumerable.Range(1, 5).Select(i => new TestHostOptions { Name = $"cp{i}", Systemd = true })]);

/// <summary>
/// Stacked control planes leaving the cluster on harness hosts, kubeadm, kubectl and crictl being stand-ins that record
/// their calls (crictl runs the stand-in etcdctl in "the etcd container": it prints the member list the test set and
/// takes a removed member out of it): through the first control plane, each leaving node is drained, its etcd member
/// leaves the member list once every other member is healthy, its node is deleted, then the host is reset; a control
/// plane replaced in one apply is added first.
/// </summary>
[Trait("Item", "13.4")]
public sealed class StackedRemovalStandInTests(FiveControlPlaneHosts fixture, ITestOutputHelper output) : IClassFixture<FiveControlPlaneHosts>
{
    private ClusterPlan Plan(params string[] controlPlanes) =>
        fixture.Set.Plan(HarnessCluster.Spec(fixture.Network, [.. controlPlanes.Select(n => ClusterMember.ControlPlane(fixture[n]))]));

    private static string Id(string host) => (0x8e9e05c52164690L + int.Parse(host[2..], CultureInfo.InvariantCulture)).ToString("x", CultureInfo.InvariantCulture);

    private string ClientUrl(string host) => $"https://{fixture[host].Address}:{PlannedMember.ClientPort}";

    /// <summary>The member list as etcdctl prints it (simple format), one started member per control plane.</summary>
    private IEnumerable<string> Members(params string[] hosts) =>
        hosts.Select(h => $"{Id(h)}, started, {h}, https://{fixture[h].Address}:{PlannedMember.PeerPort}, {ClientUrl(h)}, false");

    private async Task<ClusterPlan> AppliedAsync(params string[] controlPlanes)
    {
        await ClusterHostSet.RestoreAsync(fixture.Network.Hosts);
        var plan = Plan(controlPlanes);
        var report = await new EngineRun().ApplyAsync(plan);
        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        return plan;
    }

    private IReadOnlyList<string> Recorded() =>
        [.. ClusterMembers.Parse(fixture["cp1"].ReadDiskFile(HostPaths.Members) ?? "", "record").Select(m => m.Name)];

    private IReadOnlyList<StandInCall> OnCp1(string tool, double after) =>
        [.. KubernetesStandIns.Calls(fixture["cp1"]).Where(c => c.Tool == tool && c.Start > after)];

    /// <summary>The etcdctl commands run through crictl exec on cp1 after <paramref name="after"/>, from "etcdctl" on.</summary>
    private IReadOnlyList<(double Start, string Etcdctl)> EtcdctlOnCp1(double after) =>
        [.. OnCp1("crictl", after).Where(c => c.Has("exec")).Select(c => (c.Start, c.Arguments[c.Arguments.IndexOf("etcdctl", StringComparison.Ordinal)..]))];

    private const string Client = "--cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt "
        + "--key=/etc/kubernetes/pki/etcd/healthcheck-client.key --dial-timeout=2s";

    /// <summary>
    /// One stacked control plane's removal, from cp1's records: drain, then (member list, the other members' health, member
    /// remove of its id), then delete node, then the host's kubeadm reset. Returns the time its removal ended.
    /// </summary>
    private double AssertRemoved(string node, double after, IReadOnlyList<string> othersInTheList)
    {
        var kubectl = OnCp1("kubectl", after);
        var drain = Assert.Single(kubectl, c => c.Arguments.StartsWith($"drain {node} ", StringComparison.Ordinal));
        var delete = Assert.Single(kubectl, c => c.Arguments == $"delete node {node} --ignore-not-found");
        var etcdctl = EtcdctlOnCp1(drain.End).Where(c => c.Start < delete.Start).Select(c => c.Etcdctl).ToList();
        output.WriteLine(string.Join("\n", etcdctl));
        Assert.Equal(
        [
            $"etcdctl --endpoints=https://127.0.0.1:2379 {Client} --command-timeout=3s member list -w simple",
            // The stand-ins record arguments as printf %q writes them: a comma is escaped.
            $"etcdctl --endpoints={string.Join("\\,", othersInTheList.Select(ClientUrl))} {Client} --command-timeout=5s endpoint health",
            $"etcdctl --endpoints=https://127.0.0.1:2379 {Client} --command-timeout=10s member remove {Id(node)}",
        ], etcdctl);
        var reset = Assert.Single(KubernetesStandIns.Calls(fixture[node]), c => c.Tool == "kubeadm" && c.Start > after && c.Arguments.StartsWith("reset", StringComparison.Ordinal));
        Assert.True(delete.End <= reset.Start, $"{node} is reset after its node was deleted");
        Assert.False(Directory.Exists(fixture[node].DiskPath(HostPaths.JournalDir)));
        return reset.End;
    }

    [RealHostFact]
    public async Task ApplyAsync_TwoOfFiveStackedControlPlanesRemoved_StandInEtcdMemberLeavesThenNodeDeletedThenResetEachInTurn()
    {
        await AppliedAsync("cp1", "cp2", "cp3", "cp4", "cp5");
        await KubernetesStandIns.EtcdMembersAsync(fixture["cp1"], Members("cp1", "cp2", "cp3", "cp4", "cp5"));
        var mark = KubernetesStandIns.Calls(fixture["cp1"]).Max(c => c.End);
        var three = Plan("cp1", "cp2", "cp3");

        var dry = await new EngineRun().ApplyAsync(three, EngineRun.Options(dryRun: true));
        var cp5 = dry.Hosts.Single(h => h.Host == "cp5").Changes.Select(c => c.StepId).ToList();
        Assert.Equal(["remove.cp5.drain", "remove.cp5.etcd-member", "remove.cp5.delete-node"], cp5.Take(3));
        Assert.Contains("reset.kubeadm", cp5.Skip(3));
        Assert.Empty(EtcdctlOnCp1(mark));

        var report = await new EngineRun().ApplyAsync(three);
        output.WriteLine(EngineRun.Describe(report));

        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        Assert.All(report.Hosts.Where(h => h.Host is "cp4" or "cp5"), h => Assert.Equal(HostState.Removed, h.State));
        // One at a time, in the member record's order; each removal's member list still holds the members not yet removed.
        var cp4Done = AssertRemoved("cp4", mark, ["cp1", "cp2", "cp3", "cp5"]);
        var cp5Drain = OnCp1("kubectl", mark).Single(c => c.Arguments.StartsWith("drain cp5 ", StringComparison.Ordinal));
        Assert.True(cp4Done <= cp5Drain.Start, "cp5 leaves once cp4 is gone");
        AssertRemoved("cp5", mark, ["cp1", "cp2", "cp3"]);
        Assert.Equal(Members("cp1", "cp2", "cp3"), fixture["cp1"].ReadDiskFile(KubernetesStandIns.ControlDirectory + "/etcd-members")!.TrimEnd('\n').Split('\n'));
        Assert.Equal(["cp1", "cp2", "cp3"], Recorded());

        var again = await new EngineRun().ApplyAsync(three);
        Assert.True(again.NothingToDo, EngineRun.Describe(again));
    }

    [RealHostFact]
    public async Task ApplyAsync_StackedControlPlaneReplaced_StandInAddedFirstThenTheOldOnesMemberLeavesNodeDeletedHostReset()
    {
        await AppliedAsync("cp1", "cp2", "cp3");
        // The member list once kubeadm join added cp4's member.
        await KubernetesStandIns.EtcdMembersAsync(fixture["cp1"], Members("cp1", "cp2", "cp3", "cp4"));
        var mark = KubernetesStandIns.Calls(fixture["cp1"]).Max(c => c.End);
        var replaced = Plan("cp1", "cp2", "cp4");

        var report = await new EngineRun().ApplyAsync(replaced);
        output.WriteLine(EngineRun.Describe(report));

        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        Assert.Equal(HostState.Removed, report.Hosts.Single(h => h.Host == "cp3").State);
        var join = Assert.Single(KubernetesStandIns.Calls(fixture["cp4"]), c => c.Tool == "kubeadm" && c.Arguments.StartsWith("join", StringComparison.Ordinal));
        var drain = OnCp1("kubectl", mark).Single(c => c.Arguments.StartsWith("drain cp3 ", StringComparison.Ordinal));
        Assert.True(join.End <= drain.Start, "cp4 joins before cp3 leaves");
        AssertRemoved("cp3", mark, ["cp1", "cp2", "cp4"]);
        Assert.Equal(["cp1", "cp2", "cp4"], Recorded());

        var again = await new EngineRun().ApplyAsync(replaced);
        Assert.True(again.NothingToDo, EngineRun.Describe(again));
    }
}
