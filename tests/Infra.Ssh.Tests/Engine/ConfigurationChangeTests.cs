using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests.Engine;

public sealed class ConfigurationChangeHosts() : ClusterHostsFixture("cfg",
    new TestHostOptions { Name = "cp1", Systemd = true }, new TestHostOptions { Name = "w1", Systemd = true });

/// <summary>
/// Issue 13, configuration changes reach the running cluster, on harness hosts with kubeadm and kubectl stand-ins
/// that record their calls: a pool label, a pool taint and the endpoint's name (an API server certificate SAN) changed
/// on a live cluster are applied by their procedures (relabel, reconfigure), named first by the dry run; a re-apply
/// does nothing.
/// </summary>
public sealed class ConfigurationChangeTests(ConfigurationChangeHosts fixture, ITestOutputHelper output) : IClassFixture<ConfigurationChangeHosts>
{
    private ClusterSpec Spec() => HarnessCluster.Spec(fixture.Network, [ClusterMember.ControlPlane(fixture["cp1"]), ClusterMember.Worker(fixture["w1"])]);

    private IReadOnlyList<StandInCall> Cp1(string tool, int after) =>
        [.. KubernetesStandIns.Calls(fixture["cp1"]).Skip(after).Where(c => c.Tool == tool)];

    [RealHostFact]
    [Trait("Item", "13.3")]
    public async Task ApplyAsync_LabelTaintAndEndpointNameChanged_StandInRelabelAndReconfigureReachTheNodesThenNothingToDo()
    {
        await ClusterHostSet.RestoreAsync(fixture.Network.Hosts);
        var spec = Spec();
        var created = await new EngineRun().ApplyAsync(fixture.Set.Plan(spec));
        Assert.True(created.ExitCode == 0, EngineRun.Describe(created));
        // Bootstrapped in that apply: its settings are taken as in effect, no phase runs again.
        Assert.DoesNotContain(Cp1("kubeadm", 0), c => c.Has("phase"));
        var before = KubernetesStandIns.Calls(fixture["cp1"]).Count;

        var changed = spec with
        {
            ControlPlane = spec.ControlPlane with { Endpoint = new Endpoint("api.harness.test", 6443) },
            Workers = [spec.Workers[0] with
            {
                Labels = new Dictionary<string, string> { ["team"] = "db" },
                Taints = [new Taint("dedicated", "db", "NoSchedule")],
            }],
        };
        var plan = fixture.Set.Plan(changed);

        // The dry run names each procedure, per host and step, and changes nothing.
        var dry = await new EngineRun().ApplyAsync(plan, EngineRun.Options(dryRun: true));
        output.WriteLine(EngineRun.Describe(dry));
        var cp1 = dry.Hosts.Single(h => h.Host == "cp1").Changes;
        Assert.Contains(cp1, c => c.StepId == ReconfigureSteps.ControlPlaneStepId && c.Reason == "its inputs changed: reconfigure procedure");
        Assert.Contains(cp1, c => c.StepId == AfterJoinLabels.StepId && c.Reason == "its inputs changed: relabel procedure");
        Assert.DoesNotContain(dry.Hosts.SelectMany(h => h.Changes), c => c.StepId is NodeProgram.InitStepId or "workers.join");
        Assert.Equal(before, KubernetesStandIns.Calls(fixture["cp1"]).Count);

        var report = await new EngineRun().ApplyAsync(plan);
        output.WriteLine(EngineRun.Describe(report));
        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));

        // Reconfigure on cp1: a certificate with the new name, the manifests, the configuration uploaded for later joins.
        var kubeadm = Cp1("kubeadm", before).Select(c => string.Join(' ', c.Arguments.Split(' ').Take(5))).ToList();
        Assert.Equal(
        [
            "init phase certs apiserver --config",
            "init phase etcd local --config",
            "init phase control-plane apiserver --config",
            "init phase control-plane controller-manager --config",
            "init phase control-plane scheduler --config",
            "init phase upload-config kubeadm --config",
        ], kubeadm);
        Assert.Contains("controlPlaneEndpoint: api.harness.test:6443", fixture["cp1"].ReadDiskFile("/etc/kubernetes/pki/apiserver.crt"), StringComparison.Ordinal);
        Assert.Contains("controlPlaneEndpoint: api.harness.test:6443", fixture["cp1"].ReadDiskFile("/etc/kubernetes/manifests/kube-apiserver.yaml"), StringComparison.Ordinal);
        // Relabel from cp1 to the running worker.
        var kubectl = Cp1("kubectl", before).Select(c => c.Arguments).ToList();
        Assert.Contains("label node w1 --overwrite team=db", kubectl);
        Assert.Contains("taint node w1 --overwrite dedicated=db:NoSchedule", kubectl);
        Assert.Contains($"annotate node w1 --overwrite {AfterJoinLabels.TaintsAnnotation}=dedicated:NoSchedule", kubectl);
        // No bootstrap ran again.
        Assert.DoesNotContain(KubernetesStandIns.Calls(fixture["cp1"]).Skip(before), c => c.Tool == "kubeadm" && c.Arguments.StartsWith("init --config", StringComparison.Ordinal));
        Assert.Single(KubernetesStandIns.Calls(fixture["w1"]), c => c.Tool == "kubeadm" && c.Arguments.StartsWith("join", StringComparison.Ordinal));

        var again = await new EngineRun().ApplyAsync(plan);
        Assert.True(again.NothingToDo, EngineRun.Describe(again));
    }
}
