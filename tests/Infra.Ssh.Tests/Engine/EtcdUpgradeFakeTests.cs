using Infra.Core.Etcd;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Engine;

/// <summary>
/// Issue 13, external etcd members upgraded before the control planes when the new minor needs a newer etcd, on
/// in-memory hosts: a catalogue whose 1.36 etcd is newer than 1.35's (injected: kubeadm pins 3.6.9 for both today)
/// makes infra apply's dry run name the members' wave, and the apply upgrade each member, one at a time, before the
/// first control plane's kubeadm upgrade apply.
/// </summary>
public class EtcdUpgradeFakeTests
{
    private static ClusterSpec Spec(int minor, int patch)
    {
        var spec = SampleSpecs.BareMetal(1, 1, EtcdTopology.External);
        return spec with
        {
            Packages = spec.Packages with { Source = PackageSource.Preinstalled },
            Kubernetes = spec.Kubernetes with { Version = new KubernetesVersion(1, minor, patch) },
        };
    }

    private static EtcdRelease? NewerFor136(KubernetesVersion k) =>
        EtcdRelease.For(k) is { } real && k.Minor == 36 ? real with { Version = new EtcdVersion(3, 7, 0) } : EtcdRelease.For(k);

    private static Task<ClusterReport> ApplyAsync(FakeHosts hosts, ClusterPlan plan, bool dryRun = false) =>
        new ClusterConverger(hosts.Factory, new Redactor()).ApplyAsync(plan, EngineRun.Options(dryRun: dryRun) with { EtcdReleases = NewerFor136 },
            _ => true, CancellationToken.None);

    private static readonly string[] Members = ["etcd-1", "etcd-2", "etcd-3"];

    /// <summary>
    /// Hosts as an apply at the old version left them: every step journaled, every host's state recorded; the members
    /// answer the etcd coordinator as a healthy three-member cluster with data (the in-memory host runs no etcd).
    /// </summary>
    private static async Task<FakeHosts> AppliedAsync(ClusterPlan plan)
    {
        var hosts = new FakeHosts();
        foreach (var program in plan.Nodes)
        {
            var host = hosts[program.Host.Name];
            foreach (var step in program.Steps.Where(s => s.Phase != Core.Model.Phase.Reset)) host.Done(step);
            await new FakeHostSession(host).RunAsync(HostRun.RecordStateCommand(plan.Spec, program), null, TimeSpan.FromSeconds(5), "record state", CancellationToken.None);
        }
        var members = EtcdMembers.Of(plan.Spec, plan.Hosts);
        var list = "{\"members\":[" + string.Join(",", members.Select((m, i) =>
            $"{{\"ID\":{i + 1},\"name\":\"{m.Name}\",\"peerURLs\":[\"{m.PeerUrl}\"],\"clientURLs\":[\"{m.ClientUrl}\"]}}")) + "]}";
        var health = "[" + string.Join(",", members.Select(m => $"{{\"endpoint\":\"{m.ClientUrl}\",\"health\":true}}")) + "]";
        foreach (var m in Members)
        {
            hosts[m].Answers["etcd probe"] = $"@@version\netcd Version: 3.6.9\n@@data\nyes\n@@members\n{list}\n@@health\n{health}\n@@end\n";
            hosts[m].Answers["endpoint health"] = health;
        }
        return hosts;
    }

    [Fact]
    [Trait("Item", "13.2")]
    public async Task ApplyAsync_NewMinorNeedsNewerEtcd_MembersOneAtATimeBeforeTheFirstControlPlaneNamedByTheDryRun()
    {
        var hosts = await AppliedAsync(ClusterPlanner.Plan(Spec(35, 4)));
        var plan = ClusterPlanner.Plan(Spec(36, 1));

        var dry = await ApplyAsync(hosts, plan, dryRun: true);
        Assert.True(dry.ExitCode == 0, EngineRun.Describe(dry));
        Assert.Contains("  upgrade: external etcd members: etcd v3.6.9 → v3.7.0, one at a time, every member healthy before the next — etcd-1, etcd-2, etcd-3 (one at a time)",
            dry.Procedure);
        Assert.Equal([UpgradePlanner.EtcdStep, UpgradeRun.RecordChange], dry.Hosts.Single(h => h.Host == "etcd-2").Changes.Take(2).Select(c => c.StepId));

        var ran = hosts.Ran.Count;
        var report = await ApplyAsync(hosts, plan);
        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        var order = hosts.Ran.Skip(ran).Where(r => r.Step is UpgradePlanner.EtcdStep or UpgradePlanner.KubeadmStep).Select(r => $"{r.Host}/{r.Step}").ToList();
        Assert.Equal(["etcd-1/upgrade.etcd", "etcd-2/upgrade.etcd", "etcd-3/upgrade.etcd", "cp-1/upgrade.kubeadm", "w-1/upgrade.kubeadm"], order);
        Assert.All(Members, m => Assert.Contains("\"kubernetesVersion\":\"1.36.1\"", hosts[m].StateJson, StringComparison.Ordinal));

        var again = await ApplyAsync(hosts, plan);
        Assert.True(again.NothingToDo, EngineRun.Describe(again));
        Assert.Empty(again.Procedure);
    }
    private static readonly NodeConnection Connection = new() { PrivateKey = "unused", ConnectTimeoutSeconds = 5, CommandTimeoutSeconds = 60 };

    /// <summary>
    /// The Pulumi path: each member's <c>kubeadm:index:Node</c> Update as the provider runs it (Core's ForNode on the
    /// member, the member naming itself, then its converge), member after member as the component's dependsOn orders them:
    /// each runs its upgrade.etcd on itself, journaled there with the hash infra apply's wave gives it; a second Update
    /// of every member runs nothing.
    /// </summary>
    [Fact]
    [Trait("Item", "13.2")]
    public async Task NodeEngine_MemberUpdatesNewMinorNeedsNewerEtcd_EachRunsItsUpgradeStepOnItselfThenAgainNothing()
    {
        var hosts = await AppliedAsync(ClusterPlanner.Plan(Spec(35, 4)));
        var spec = Spec(36, 1);
        var plan = ClusterPlanner.Plan(spec);
        var move = VersionMoves.Decide(new KubernetesVersion(1, 35, 4), new KubernetesVersion(1, 36, 1));
        var whole = UpgradePlanner.Plan(plan, move, etcdReleases: NewerFor136);
        var settings = NodeUpgradeSettings.Of(spec, plan.Hosts);
        using var engine = new NodeEngine(hosts.Factory);
        async Task<List<string>> UpdateAsync(string member)
        {
            var program = plan.Nodes.Single(n => n.Host.Name == member);
            var upgraded = await engine.UpgradeAsync(program, program.Host, UpgradePlanner.ForNode(program, plan.FirstControlPlane!, move, settings, NewerFor136),
                Connection, CancellationToken.None);
            var converged = await engine.ApplyAsync(program, null, Connection, CancellationToken.None);
            return [.. upgraded, .. converged.Ran];
        }
        var before = hosts.Ran.Count;

        var first = new List<List<string>>();
        foreach (var m in Members) first.Add(await UpdateAsync(m));
        var again = new List<List<string>>();
        foreach (var m in Members) again.Add(await UpdateAsync(m));

        Assert.All(first, ran => Assert.Equal(UpgradePlanner.EtcdStep, ran[0]));
        Assert.Equal(["etcd-1/upgrade.etcd", "etcd-2/upgrade.etcd", "etcd-3/upgrade.etcd"],
            hosts.Ran.Skip(before).Where(r => r.Step == UpgradePlanner.EtcdStep).Select(r => $"{r.Host}/{r.Step}"));
        foreach (var m in Members)
        {
            var journaled = $"{UpgradePlanner.EtcdStep}\t{whole.Actions[m].Single().Step.InputHash}\tok\t";
            Assert.Contains(hosts[m].JournalLines, l => l.StartsWith(journaled, StringComparison.Ordinal));
            Assert.Null(hosts[m].HostLockHolder);
        }
        Assert.DoesNotContain(hosts["cp-1"].Commands, c => c.StartsWith("upgrade.", StringComparison.Ordinal));
        Assert.All(again, Assert.Empty);
    }
}
