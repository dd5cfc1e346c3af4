using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Core.Tests.NodePrograms;
using Infra.TestKit;

namespace Infra.Core.Tests.Planning;

/// <summary>
/// Issue 13, configuration changes reach the running cluster: each change a stack can make on a live cluster changes
/// the steps of the procedure that puts it in effect (relabel: workloads.node-labels; reconfigure:
/// control-plane.settings) and never the bootstrap steps that would only say "already ran", or is refused.
/// </summary>
public class ConfigurationChangeTests
{
    private static ClusterSpec Ha() => SampleSpecs.BareMetal(controlPlanes: 3, workers: 2);

    private static ClusterPlan Plan(ClusterSpec spec) => ClusterPlanner.Plan(spec, TestSecrets.For(spec, HostInventory.Plan(spec)));

    /// <summary>Step ids (host/step) whose input hash differs between the plans, sorted.</summary>
    private static List<string> Changed(ClusterPlan a, ClusterPlan b) =>
    [
        .. a.Nodes.SelectMany(n => n.Steps.Select(s => (n.Host.Name, s)))
            .Where(x => b.Nodes.Single(n => n.Host.Name == x.Name).Steps.SingleOrDefault(s => s.Id == x.s.Id)?.InputHash != x.s.InputHash)
            .Select(x => $"{x.Name}/{x.s.Id}").Order(StringComparer.Ordinal),
    ];

    private static ClusterSpec WithPool(ClusterSpec spec, Dictionary<string, string>? labels = null, IReadOnlyList<Taint>? taints = null) =>
        spec with { Workers = [spec.Workers[0] with { Labels = labels ?? spec.Workers[0].Labels, Taints = taints ?? spec.Workers[0].Taints }] };

    [Fact]
    [Trait("Item", "13.3")]
    public void Plan_PoolLabelChanged_OnlyTheRelabelStepAndTheWorkersKubeadmFilesChange()
    {
        var spec = Ha();
        var changed = Changed(Plan(spec), Plan(WithPool(spec, labels: new() { ["team"] = "b" })));

        Assert.Equal(["cp-1/workloads.node-labels", "w-1/prepare.kubeadm-config", "w-2/prepare.kubeadm-config"], changed);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Plan_PoolTaintChanged_OnlyTheRelabelStepAndTheWorkersKubeadmFilesChange()
    {
        var spec = Ha();
        var changed = Changed(Plan(spec), Plan(WithPool(spec, taints: [new Taint("dedicated", "db", "NoSchedule")])));

        Assert.Equal(["cp-1/workloads.node-labels", "w-1/prepare.kubeadm-config", "w-2/prepare.kubeadm-config"], changed);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Plan_EndpointNameChanged_ReconfigureOnEveryControlPlaneNeverInitOrJoin()
    {
        var spec = Ha();
        var renamed = spec with { ControlPlane = spec.ControlPlane with { Endpoint = new Endpoint("api.example.test", 6443) } };

        var changed = Changed(Plan(spec), Plan(renamed));

        Assert.Equal(["cp-1/control-plane.settings", "cp-1/prepare.kubeadm-config", "cp-2/control-plane.settings", "cp-2/prepare.kubeadm-config",
            "cp-3/control-plane.settings", "cp-3/prepare.kubeadm-config", "w-1/prepare.kubeadm-config", "w-2/prepare.kubeadm-config"], changed);
        var placed = Plan(renamed).Nodes[1].Steps.Single(s => s.Id == "prepare.kubeadm-config");
        var file = System.Text.Encoding.UTF8.GetString(placed.Files.Single(f => f.Path == HostPaths.ControlPlaneSettings).Content);
        Assert.Contains("controlPlaneEndpoint: api.example.test:6443\n", file, StringComparison.Ordinal);
        Assert.Contains("advertiseAddress: 10.0.0.12\n", file, StringComparison.Ordinal);
        Assert.DoesNotContain("bootstrapTokens", file, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Plan_ImageRepositoryChanged_ReconfigureOnEveryControlPlane()
    {
        var spec = Ha();
        var mirrored = spec with { Kubernetes = spec.Kubernetes with { ImageRepository = "registry.example.test/k8s" } };

        var changed = Changed(Plan(spec), Plan(mirrored)).Where(c => c.EndsWith("/control-plane.settings", StringComparison.Ordinal));

        Assert.Equal(["cp-1/control-plane.settings", "cp-2/control-plane.settings", "cp-3/control-plane.settings"], changed);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Plan_ControlPlanes_ReconfigureFollowsEachBootstrapInTheControlPlaneWaves()
    {
        var plan = Plan(Ha());

        foreach (var node in plan.Nodes.Where(n => n.Host.Has(Roles.ControlPlane)))
        {
            var ids = node.Steps.Select(s => s.Id).ToList();
            var bootstrap = ids.IndexOf(node.InitializesCluster ? NodeProgram.InitStepId : "control-plane.join");
            Assert.Equal(bootstrap + 1, ids.IndexOf(ReconfigureSteps.ControlPlaneStepId));
            Assert.Equal(Phase.ControlPlane, node.Steps[bootstrap + 1].Phase);
        }
        Assert.DoesNotContain(plan.Nodes.Where(n => !n.Host.Has(Roles.ControlPlane)).SelectMany(n => n.Steps), s => s.Id == ReconfigureSteps.ControlPlaneStepId);
        // The control-plane waves: the first alone, then the others one at a time.
        var waves = plan.Execution.Waves.Where(w => w.Phase == Phase.ControlPlane).ToList();
        Assert.Equal([["cp-1"], ["cp-2", "cp-3"]], waves.Select(w => w.Hosts.Select(h => h.Name).ToList()));
        Assert.Equal(WavePacing.OneAtATime, waves[1].Pacing);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Plan_VersionChanged_ReconfigureUnchanged()
    {
        var spec = Ha();
        var newer = spec with { Kubernetes = spec.Kubernetes with { Version = new KubernetesVersion(1, 36, 2) } };

        Assert.DoesNotContain(Changed(Plan(spec), Plan(newer)), c => c.EndsWith("/control-plane.settings", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void ChangedReason_ProcedureSteps_NameTheirProcedure()
    {
        Assert.Equal("its inputs changed: reconfigure procedure", DayTwoProcedures.ChangedReason(ReconfigureSteps.ControlPlaneStepId));
        Assert.Equal("its inputs changed: relabel procedure", DayTwoProcedures.ChangedReason(AfterJoinLabels.StepId));
        Assert.Equal("its inputs changed: kubelet configuration procedure", DayTwoProcedures.ChangedReason(ReconfigureSteps.KubeletStepId));
        Assert.Equal("its inputs changed", DayTwoProcedures.ChangedReason("prepare.containerd"));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Describe_HaPlan_NamesEachProcedureWithItsHostsAndTheRefusals()
    {
        var lines = DayTwoProcedures.Describe(Plan(Ha()));

        Assert.Equal(
        [
            "reconfigure (control-plane.settings): cp-1, cp-2, cp-3, one control plane at a time, when the API server, controller manager or scheduler settings or the certificate's names (controlPlane.endpoint) changed",
            "relabel (workloads.node-labels): from cp-1 to w-1, w-2, when a pool's labels or taints changed",
            "kubelet configuration (kubelet.settings): cp-1, cp-2, cp-3, w-1, w-2, one node at a time (control planes, then workers), when the kubelet "
                + "configuration changed: uploaded, written by kubeadm, the kubelet restarted and waited healthy and Ready",
            "refused on a live cluster: name, kubernetes.dnsDomain, network.podCidr, network.serviceCidr, the endpoint's port, etcd.topology, a host's roles",
        ], lines);
    }

    private static NodeState State(ClusterSpec spec) => NodeState.Of(spec, Plan(spec).Nodes[0]);

    [Fact]
    [Trait("Item", "13.3")]
    public void Compare_ClusterNameChanged_RefusedNamingWhy()
    {
        var spec = Ha();
        var d = NodeDiff.Compare(State(spec), State(spec with { Name = "other" }));

        var r = Assert.Single(d.Refusals);
        Assert.Equal("name", r.Key);
        Assert.Contains("cannot become other on a live cluster", r.Message, StringComparison.Ordinal);
        Assert.Contains("rebuild the cluster", r.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Compare_DnsDomainChanged_Refused()
    {
        var spec = Ha();
        var d = NodeDiff.Compare(State(spec), State(spec with { Kubernetes = spec.Kubernetes with { DnsDomain = "cluster.example" } }));

        Assert.Equal("kubernetes.dnsDomain", Assert.Single(d.Refusals).Key);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Compare_EndpointPortChanged_RefusedAndItsNameAllowed()
    {
        var spec = Ha();
        var port = NodeDiff.Compare(State(spec), State(spec with { ControlPlane = spec.ControlPlane with { Endpoint = new Endpoint("10.0.0.11", 7443) } }));
        var name = NodeDiff.Compare(State(spec), State(spec with { ControlPlane = spec.ControlPlane with { Endpoint = new Endpoint("api.example.test", 6443) } }));

        var r = Assert.Single(port.Refusals);
        Assert.Equal("controlPlane.endpoint", r.Key);
        Assert.Contains("the endpoint port 6443 cannot become 7443", r.Message, StringComparison.Ordinal);
        Assert.Empty(name.Refusals);
        Assert.Contains(ReconfigureSteps.ControlPlaneStepId, name.ChangedSteps);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Compare_RecordMadeBeforeTheSettingsWereKept_NoRefusal()
    {
        var spec = Ha();
        var old = State(spec) with { ClusterName = null, DnsDomain = null, Endpoint = null };

        var d = NodeDiff.Compare(old, State(spec with { Name = "other", Kubernetes = spec.Kubernetes with { DnsDomain = "x.example" } }));

        Assert.Empty(d.Refusals);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Deserialize_RecordWithoutTheNewSettings_Reads()
    {
        var json = """{"host":"cp-1","address":"10.0.0.11","roles":["control-plane"],"kubernetesVersion":"1.36.1","podCidr":"10.244.0.0/16","serviceCidr":"10.96.0.0/12","etcdTopology":"stacked","stepHashes":{}}""";

        var state = WireJson.Deserialize<NodeState>(json, "state");

        Assert.Null(state.ClusterName);
        Assert.Null(state.Endpoint);
    }
}
