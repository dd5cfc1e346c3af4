using Infra.Core.NodePrograms;
using Infra.Core.Spec;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests.Engine;

public sealed class ThreeStackedControlPlaneHosts() : ClusterHostsFixture("stke",
    [.. Enumerable.Range(1, 3).Select(i => new TestHostOptions { Name = $"cp{i}", Systemd = true })]);

/// <summary>
/// Issue 13, no change recorded as done unless it is in effect, for stacked etcd: a setting that changes etcd's static
/// pod (here <c>kubernetes.imageRepository</c>, which names etcd's image too) makes control-plane.settings write
/// etcd's manifest again with kubeadm (<c>init phase etcd local</c>) on one control plane at a time, each only while
/// every member answers and each ending only once its member and every member answer again (crictl and etcdctl are
/// stand-ins that record their calls; the kubelet's mirror pod hash follows the manifest).
/// </summary>
[Trait("Item", "13.3")]
public sealed class StackedEtcdSettingsStandInTests(ThreeStackedControlPlaneHosts fixture, ITestOutputHelper output) : IClassFixture<ThreeStackedControlPlaneHosts>
{
    private static readonly string[] Names = ["cp1", "cp2", "cp3"];

    private ClusterSpec Spec() => HarnessCluster.Spec(fixture.Network, [.. Names.Select(n => ClusterMember.ControlPlane(fixture[n]))]);

    private IReadOnlyList<StandInCall> Calls(string host, string tool, double after) =>
        [.. KubernetesStandIns.Calls(fixture[host]).Where(c => c.Tool == tool && c.Start > after)];

    private static bool ClusterHealth(StandInCall c) => c.Has("exec") && c.Has("endpoint") && c.Has("health") && c.Has("--cluster");

    [RealHostFact]
    public async Task ApplyAsync_EtcdsSettingsChanged_StandInManifestMadeOneControlPlaneAtATimeBetweenHealthGatesThenNothingToDo()
    {
        await ClusterHostSet.RestoreAsync(Names.Select(n => fixture[n]));
        var spec = Spec();
        var created = await new EngineRun().ApplyAsync(fixture.Set.Plan(spec));
        Assert.True(created.ExitCode == 0, EngineRun.Describe(created));
        // Bootstrapped in that apply: kubeadm made etcd's manifest then; no phase runs again.
        Assert.DoesNotContain(Names.SelectMany(n => Calls(n, "kubeadm", 0)), c => c.Has("phase"));
        var mark = Names.Max(n => KubernetesStandIns.Calls(fixture[n]).Max(c => c.End));

        var plan = fixture.Set.Plan(spec with { Kubernetes = spec.Kubernetes with { ImageRepository = "registry.harness.test/k8s" } });
        var dry = await new EngineRun().ApplyAsync(plan, EngineRun.Options(dryRun: true));
        foreach (var n in Names)
        {
            Assert.Contains(dry.Hosts.Single(h => h.Host == n).Changes, c => c.StepId == ReconfigureSteps.ControlPlaneStepId && c.Reason == "its inputs changed: reconfigure procedure");
        }

        var report = await new EngineRun().ApplyAsync(plan);
        output.WriteLine(EngineRun.Describe(report));
        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));

        var previousGate = mark;
        foreach (var n in Names)
        {
            var made = Assert.Single(Calls(n, "kubeadm", mark), c => c.Arguments.StartsWith("init phase etcd local --config", StringComparison.Ordinal));
            Assert.True(made.Has("--patches"), made.Arguments);
            Assert.Contains("imageRepository: registry.harness.test/k8s", fixture[n].ReadDiskFile("/etc/kubernetes/manifests/etcd.yaml"), StringComparison.Ordinal);
            // Every member answered before this member's manifest was made, and after the previous control plane's gate.
            var crictl = Calls(n, "crictl", mark);
            var before = crictl.Where(c => ClusterHealth(c) && c.End <= made.Start).ToList();
            Assert.NotEmpty(before);
            Assert.True(before[0].Start >= previousGate, $"{n}: its etcd was checked after the previous control plane's gate");
            // The kubelet ran the new manifest (its mirror pod hash asked), then this member and every member answered.
            var hash = Calls(n, "kubectl", made.End).First(c => c.Has($"etcd-{n}"));
            var gate = crictl.First(c => ClusterHealth(c) && c.Start >= hash.End);
            var apiServer = Assert.Single(Calls(n, "kubeadm", mark), c => c.Arguments.StartsWith("init phase control-plane apiserver", StringComparison.Ordinal));
            Assert.True(gate.End <= apiServer.Start, $"{n}: etcd's gate passed before the API server's manifest was made");
            previousGate = gate.End;
        }

        var again = await new EngineRun().ApplyAsync(plan);
        Assert.True(again.NothingToDo, EngineRun.Describe(again));
    }

    [RealHostFact]
    public async Task ApplyAsync_AnEtcdMemberUnhealthyBeforeTheSecondControlPlane_StandInItsManifestStaysAndTheThirdIsNotTouched()
    {
        await ClusterHostSet.RestoreAsync(Names.Select(n => fixture[n]));
        var spec = Spec();
        var created = await new EngineRun().ApplyAsync(fixture.Set.Plan(spec));
        Assert.True(created.ExitCode == 0, EngineRun.Describe(created));
        var mark = Names.Max(n => KubernetesStandIns.Calls(fixture[n]).Max(c => c.End));
        await KubernetesStandIns.FailAsync(fixture["cp2"], "crictl", "exec", 1, "https://127.0.0.1:2379 is unhealthy");
        try
        {
            var report = await new EngineRun().ApplyAsync(fixture.Set.Plan(spec with { Kubernetes = spec.Kubernetes with { ImageRepository = "registry.harness.test/k8s" } }));
            output.WriteLine(EngineRun.Describe(report));

            Assert.NotEqual(0, report.ExitCode);
            Assert.Contains("not every etcd member is healthy", EngineRun.Describe(report), StringComparison.Ordinal);
            Assert.Single(Calls("cp1", "kubeadm", mark), c => c.Arguments.StartsWith("init phase etcd local", StringComparison.Ordinal));
            Assert.DoesNotContain(Calls("cp2", "kubeadm", mark), c => c.Has("phase"));
            Assert.DoesNotContain(Calls("cp3", "kubeadm", mark), c => c.Has("phase"));
        }
        finally
        {
            await KubernetesStandIns.ClearControlsAsync(fixture["cp2"]);
        }
    }
}
