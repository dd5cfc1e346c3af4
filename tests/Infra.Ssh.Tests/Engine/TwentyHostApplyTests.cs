using System.Diagnostics;
using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Ssh.Engine;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests.Engine;

public sealed class TwentySystemdHosts() : ClusterHostsFixture("twen",
    [.. Enumerable.Range(1, 3).Select(i => new TestHostOptions { Name = $"cp{i}", Systemd = true }),
     .. Enumerable.Range(1, 17).Select(i => new TestHostOptions { Name = $"w{i}", Systemd = true })]);

/// <summary>Twenty real systemd hosts: 3 control planes and 17 workers, kubeadm a stand-in.</summary>
public sealed class TwentyHostApplyTests(TwentySystemdHosts fixture, ITestOutputHelper output) : IClassFixture<TwentySystemdHosts>
{
    [RealHostFact]
    public async Task ApplyAsync_TwentyHosts_StandInInitThenControlPlaneJoinsOneAtATimeThenWorkersInParallel()
    {
        var hosts = fixture.Network.Hosts;
        await ClusterHostSet.RestoreAsync(hosts);
        var members = hosts.Select(h => h.Name.StartsWith("cp", StringComparison.Ordinal) ? ClusterMember.ControlPlane(h) : ClusterMember.Worker(h)).ToList();
        var plan = fixture.Set.Plan(HarnessCluster.Spec(fixture.Network, members));
        // Joins take a while, so that overlaps (or their absence) show.
        await Task.WhenAll(hosts.Where(h => h.Name != "cp1").Select(h => KubernetesStandIns.DelayAsync(h, "kubeadm", "join", 2)));

        var watch = Stopwatch.StartNew();
        var report = await new EngineRun().ApplyAsync(plan);
        output.WriteLine($"apply of 20 hosts: {watch.ElapsedMilliseconds} ms\n{EngineRun.Describe(report)}");

        Assert.Equal(0, report.ExitCode);
        Assert.All(report.Hosts, h => Assert.Equal(HostState.Converged, h.State));
        Assert.Equal(20, report.Hosts.Count);

        var cp1 = fixture["cp1"];
        var cp1Calls = KubernetesStandIns.Calls(cp1).Where(c => c.Tool == "kubeadm").ToList();
        var init = Assert.Single(cp1Calls, c => c.Has("init"));
        Assert.Equal($"init --config {HostPaths.KubeadmConfig}", init.Arguments);
        Assert.Equal(plan.Nodes.Single(n => n.Host.Name == "cp1").KubeadmConfig, KubernetesStandIns.SavedFile(cp1, Assert.Single(init.Files)));
        // One token for the joins, registered after init with a 15 minute TTL; the control planes get their
        // certificates from the tool, so none are uploaded into the cluster.
        var create = Assert.Single(cp1Calls, c => c.Has("token") && c.Has("create"));
        Assert.True(create.Has("--ttl") && create.Has("15m0s"), create.Arguments);
        var token = create.Arguments.Split(' ')[2];
        Assert.Matches("^[a-z0-9]{6}\\.[a-z0-9]{16}$", token);
        Assert.True(create.Start >= init.End);
        Assert.DoesNotContain(cp1Calls, c => c.Has("upload-certs"));

        var joins = hosts.Where(h => h.Name != "cp1").ToDictionary(h => h.Name, h =>
        {
            var join = Assert.Single(KubernetesStandIns.Calls(h), c => c.Tool == "kubeadm" && c.Has("join"));
            Assert.Equal("join --config /run/infra/kubeadm-join.yaml", join.Arguments);
            // The file kubeadm got: the planned configuration with the apply-time token, which is gone afterwards.
            var expected = plan.Nodes.Single(n => n.Host.Name == h.Name).KubeadmConfig!.Replace(KubeadmConfigRenderer.JoinTokenPlaceholder, token, StringComparison.Ordinal);
            Assert.Equal(expected.TrimEnd('\n'), KubernetesStandIns.SavedFile(h, Assert.Single(join.Files)).TrimEnd('\n'));
            Assert.Null(h.ReadDiskFile("/run/infra/kubeadm-join.yaml"));
            return join;
        });
        var cpJoins = new[] { joins["cp2"], joins["cp3"] };
        var workerJoins = joins.Where(kv => kv.Key.StartsWith('w')).Select(kv => kv.Value).ToList();
        Assert.True(cpJoins[0].Start >= create.End, "a control plane joined before the token existed");
        Assert.True(cpJoins[1].Start >= cpJoins[0].End, "control-plane joins overlapped");
        Assert.All(workerJoins, w => Assert.True(w.Start >= cpJoins[1].End, "a worker joined before the control planes"));
        // In parallel: the 17 two-second joins together take far less than their sum.
        var span = workerJoins.Max(w => w.End) - workerJoins.Min(w => w.Start);
        var sum = workerJoins.Sum(w => w.End - w.Start);
        output.WriteLine($"worker joins: span {span:0.00} s, sum {sum:0.00} s");
        Assert.True(span < sum / 4, $"worker joins did not run in parallel: span {span:0.00} s, sum {sum:0.00} s");
        // The token is deleted after the last join.
        var delete = Assert.Single(cp1Calls, c => c.Has("token") && c.Has("delete"));
        Assert.True(delete.Start >= workerJoins.Max(w => w.End));
        Assert.Equal(token.Split('.')[0], delete.Arguments.Split(' ')[2]);
        // Workloads go on from the first control plane once every node joined.
        Assert.All(KubernetesStandIns.Calls(cp1).Where(c => c.Tool is "helm" or "kubectl" && !c.Has("kubeadm-certs")),
            c => Assert.True(c.Start >= delete.Start, $"{c.Tool} {c.Arguments} ran before the joins ended"));

        watch.Restart();
        var again = await new EngineRun().ApplyAsync(plan);
        output.WriteLine($"no-change apply of 20 hosts: {watch.ElapsedMilliseconds} ms");
        Assert.True(again.NothingToDo, EngineRun.Describe(again));
        Assert.Equal(0, again.ExitCode);
    }
}
