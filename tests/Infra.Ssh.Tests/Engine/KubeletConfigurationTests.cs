using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Spec;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests.Engine;

public sealed class KubeletConfigurationHosts() : ClusterHostsFixture("kubs",
    new TestHostOptions { Name = "cp1", Systemd = true }, new TestHostOptions { Name = "w1", Systemd = true },
    new TestHostOptions { Name = "w2", Systemd = true });

/// <summary>
/// Issue 13, the kubelet configuration procedure (kubelet.settings) on harness hosts with stand-ins that record their
/// calls (the kubelet stand-in records each start and answers its health endpoint): a cluster whose nodes run the
/// kubelet configuration of an earlier release of the tool gets the planned one written by kubeadm and its kubelets
/// restarted once each, the first control plane first, then the workers one at a time; a fresh node restarts only once.
/// </summary>
[Trait("Item", "13.3")]
public sealed class KubeletConfigurationTests(KubeletConfigurationHosts fixture, ITestOutputHelper output) : IClassFixture<KubeletConfigurationHosts>
{
    private static readonly string[] Names = ["cp1", "w1", "w2"];

    private ClusterSpec Spec() => HarnessCluster.Spec(fixture.Network,
        [ClusterMember.ControlPlane(fixture["cp1"]), ClusterMember.Worker(fixture["w1"]), ClusterMember.Worker(fixture["w2"])]);

    private IReadOnlyList<StandInCall> Calls(string host, string tool) => [.. KubernetesStandIns.Calls(fixture[host]).Where(c => c.Tool == tool)];

    /// <summary>The kubelet stand-in records one call each time it starts.</summary>
    private IReadOnlyList<StandInCall> KubeletStarts(string host, double after = 0) => [.. Calls(host, "kubelet").Where(c => c.Start > after)];

    [RealHostFact]
    public async Task ApplyAsync_KubeletConfigurationOfAnEarlierRelease_StandInWrittenAndRestartedOncePerNodeInOrderThenNothingToDo()
    {
        await ClusterHostSet.RestoreAsync(Names.Select(n => fixture[n]));
        var plan = fixture.Set.Plan(Spec());
        var created = await new EngineRun().ApplyAsync(plan);
        Assert.True(created.ExitCode == 0, EngineRun.Describe(created));
        // Fresh nodes: kubeadm init/join started the kubelet with the planned configuration; the procedure restarted nothing.
        foreach (var n in Names)
        {
            var bootstrap = Calls(n, "kubeadm").Single(c => c.Arguments.StartsWith("init --config", StringComparison.Ordinal) || c.Arguments.StartsWith("join", StringComparison.Ordinal));
            Assert.Single(KubeletStarts(n, bootstrap.Start));
            Assert.DoesNotContain(Calls(n, "kubeadm"), c => c.Arguments.Contains("kubelet-config", StringComparison.Ordinal) || c.Arguments.Contains("upload-config kubelet", StringComparison.Ordinal));
        }

        // What an earlier release of the tool left: its kubelet configuration on every node, recorded with other inputs.
        var planned = "# stand-in kubelet configuration\n" + fixture["cp1"].ReadDiskFile(HostPaths.KubeletSettings);
        Assert.Equal(planned, fixture["w2"].ReadDiskFile(HostPaths.KubeletConfig));
        foreach (var n in Names)
        {
            await fixture[n].ExecInsideAsync(
                $"echo '# the kubelet configuration of an earlier release' > {HostPaths.KubeletConfig}"
                + $" && echo an-earlier-digest > {HostPaths.AppliedKubelet}"
                + $" && printf '%s\\t%s\\tok\\t%s\\n' {ReconfigureSteps.KubeletStepId} an-earlier-input-hash \"$(date +%s)\" >> {HostPaths.Journal}");
        }
        var mark = KubernetesStandIns.Calls(fixture["cp1"]).Max(c => c.End);

        var dry = await new EngineRun().ApplyAsync(plan, EngineRun.Options(dryRun: true));
        foreach (var h in dry.Hosts)
        {
            var change = Assert.Single(h.Changes);
            Assert.Equal((ReconfigureSteps.KubeletStepId, "its inputs changed: kubelet configuration procedure"), (change.StepId, change.Reason));
        }

        var report = await new EngineRun().ApplyAsync(plan);
        output.WriteLine(EngineRun.Describe(report));
        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));

        // The cluster's copy first, from the first control plane, with the planned configuration.
        var upload = Assert.Single(Calls("cp1", "kubeadm"), c => c.Arguments.StartsWith("init phase upload-config kubelet", StringComparison.Ordinal));
        Assert.EndsWith(fixture["cp1"].ReadDiskFile(HostPaths.KubeletSettings)!, KubernetesStandIns.SavedFile(fixture["cp1"], upload.Files[0]), StringComparison.Ordinal);
        var annotate = Assert.Single(Calls("cp1", "kubectl"), c => c.Arguments.Contains("annotate configmap kubelet-config", StringComparison.Ordinal));
        Assert.True(upload.End <= annotate.Start, "the ConfigMap is marked with the digest once uploaded");
        // Each node: kubeadm wrote the planned file, the kubelet restarted once, Ready waited for, the digest recorded.
        var spans = new List<(string Host, double Start, double End)>();
        foreach (var n in Names)
        {
            Assert.Equal(planned, fixture[n].ReadDiskFile(HostPaths.KubeletConfig));
            var write = Assert.Single(Calls(n, "kubeadm"), c => c.Arguments.StartsWith("upgrade node phase kubelet-config", StringComparison.Ordinal));
            var restart = Assert.Single(KubeletStarts(n, mark));
            var ready = Assert.Single(Calls(n, "kubectl"), c => c.Start > mark && c.Arguments.Contains($"wait --for=condition=Ready node/{n}", StringComparison.Ordinal));
            Assert.True(write.End <= restart.Start && restart.Start <= ready.Start, $"{n}: write, restart, Ready out of order");
            spans.Add((n, write.Start, ready.End));
            Assert.Equal(plan.Nodes.Single(p => p.Host.Name == n).Steps.Single(s => s.Id == ReconfigureSteps.KubeletStepId).Inputs["kubelet"] + "\n",
                fixture[n].ReadDiskFile(HostPaths.AppliedKubelet));
        }
        Assert.True(upload.End <= spans[0].Start, "the upload comes before the first control plane's own kubelet");
        // Node by node: each node's write-restart-Ready ends before the next node's starts, in the plan's order.
        for (var i = 1; i < spans.Count; i++)
        {
            Assert.True(spans[i - 1].End <= spans[i].Start, $"{spans[i - 1].Host} and {spans[i].Host} overlap: {string.Join(", ", spans)}");
        }

        var again = await new EngineRun().ApplyAsync(plan);
        Assert.True(again.NothingToDo, EngineRun.Describe(again));
        foreach (var n in Names) Assert.Single(KubeletStarts(n, mark));
    }
}
