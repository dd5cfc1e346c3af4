using Infra.Core.Spec;
using Infra.Core.Workloads;
using Infra.TestKit;
using k8s.Models;
using static Infra.Core.Tests.Workloads.WorkloadTestKit;

namespace Infra.Core.Tests.Workloads;

/// <summary>Issue 15: every baseline component that runs more than one replica has a PodDisruptionBudget, so day-two drains keep it available.</summary>
public class DisruptionBudgetTests
{
    public static TheoryData<string> Variant() => [.. Variants().Select(v => v.Name)];

    /// <summary>
    /// Deployments the tool renders itself: any with replicas &gt; 1 needs a budget selecting its pods. Charts whose
    /// controllers run two replicas by default: the AWS EBS CSI chart (controller.replicaCount 2 in
    /// kubernetes-sigs/aws-ebs-csi-driver charts/aws-ebs-csi-driver/values.yaml; controller.podDisruptionBudget.enabled is a
    /// key at 2.64.0 and is set on), the Azure Disk CSI chart (controller.replicas: 2 in charts/v1.34.5/azuredisk-csi-driver/
    /// values.yaml, no budget in the chart; its controller Deployment selects app=csi-azuredisk-controller), and Cilium's
    /// operator (operator.replicas 2 in the chart's values reference, cilium Documentation helm-values; the budget keys are
    /// value paths of cilium 1.19.6 and 1.20.0).
    /// </summary>
    [Theory]
    [Trait("Item", "15.4")]
    [MemberData(nameof(Variant))]
    public void Plan_MultiReplicaComponents_HaveABudgetOfOneUnavailable(string variant)
    {
        var plan = BaselinePlanner.Plan(Variants().Single(v => v.Name == variant).Spec);
        var objects = plan.Components.SelectMany(c => c.Objects).Select(o => o.Object).ToList();
        var budgets = objects.OfType<V1PodDisruptionBudget>().ToList();

        foreach (var d in objects.OfType<V1Deployment>().Where(d => d.Spec.Replicas > 1))
        {
            Assert.Contains(budgets, b => b.Metadata.NamespaceProperty == d.Metadata.NamespaceProperty
                && b.Spec.Selector.MatchLabels.All(l => d.Spec.Template.Metadata.Labels.TryGetValue(l.Key, out var v) && v == l.Value));
        }
        Assert.All(budgets, b => Assert.Equal("1", b.Spec.MaxUnavailable?.Value));
        var cni = plan.Components.Single(c => c.Name == "cni");
        if (cni.Chart!.Name == "cilium")
        {
            Assert.Equal(true, cni.Chart.Values.Get("operator.podDisruptionBudget.enabled"));
            Assert.Equal("1", Convert.ToString(cni.Chart.Values.Get("operator.podDisruptionBudget.maxUnavailable"), System.Globalization.CultureInfo.InvariantCulture));
        }
        var storage = plan.Components.SingleOrDefault(c => c.Name == "storage");
        switch (storage?.Chart?.Name)
        {
            case "aws-ebs-csi-driver":
                Assert.Equal(true, storage.Chart.Values.Get("controller.podDisruptionBudget.enabled"));
                break;
            case "azuredisk-csi-driver":
                var budget = Assert.Single(budgets, b => b.Metadata.Name == "csi-azuredisk-controller");
                Assert.Equal(("kube-system", "csi-azuredisk-controller"), (budget.Metadata.NamespaceProperty, budget.Spec.Selector.MatchLabels["app"]));
                break;
        }
    }
    /// <summary>
    /// kubeadm's CoreDNS runs two replicas with pods labelled k8s-app: kube-dns and gets no budget from kubeadm
    /// (kubernetes/kubernetes cmd/kubeadm/app/phases/addons/dns/dns.go coreDNSReplicas = 2, manifests.go CoreDNSDeployment;
    /// stored trees of the CoreDNS-only era, not the v1.34 tag): the baseline adds one on every target.
    /// </summary>
    [Theory]
    [Trait("Item", "15.4")]
    [MemberData(nameof(TargetNames))]
    public void Plan_KubeadmCoreDns_HasABudgetOfOneUnavailable(string target)
    {
        var plan = BaselinePlanner.Plan(SpecFor(target));

        var budget = plan.Components.SelectMany(c => c.Objects).Select(o => o.Object).OfType<V1PodDisruptionBudget>()
            .Single(b => b.Metadata.Name == "coredns");
        Assert.Equal(("kube-system", "kube-dns", "1"), (budget.Metadata.NamespaceProperty, budget.Spec.Selector.MatchLabels["k8s-app"], budget.Spec.MaxUnavailable.Value));
        Assert.Single(budget.Spec.Selector.MatchLabels);
    }

    /// <summary>On a one-node cluster the evicted replica has nowhere to go: a budget would block every drain (an upgrade's too).</summary>
    [Fact]
    [Trait("Item", "15.4")]
    public void Plan_OneNodeCluster_NoCoreDnsOrProxyBudgetThatWouldBlockItsDrain()
    {
        var one = SampleSpecs.BareMetal(controlPlanes: 1, workers: 0);
        var plan = BaselinePlanner.Plan(With(one, Cni.Calico, IngressKind.EnvoyGateway));

        Assert.DoesNotContain(plan.Components.SelectMany(c => c.Objects).Select(o => o.Object).OfType<V1PodDisruptionBudget>(), b => b.Metadata.Name == "coredns");
        Assert.Null(plan.Components.SelectMany(c => c.Objects).Select(o => o.Object).OfType<EnvoyProxy>().Single().Spec.Provider.Kubernetes.EnvoyPdb);
    }

    public static TheoryData<string> TargetNames() => [.. Targets];

    /// <summary>
    /// The ingress proxies Envoy Gateway creates run two replicas (EnvoyProxy envoyDeployment.replicas): their budget is
    /// EnvoyProxy spec.provider.kubernetes.envoyPDB, minAvailable or maxUnavailable (envoyproxy/gateway
    /// api/v1alpha1/envoyproxy_types.go EnvoyPDB and shared_types.go KubernetesPodDisruptionBudgetSpec at v1.9.0).
    /// </summary>
    [Fact]
    [Trait("Item", "15.4")]
    public void Plan_EnvoyGatewayProxies_BudgetOfOneUnavailable()
    {
        var plan = BaselinePlanner.Plan(With(SpecFor("aws"), Cni.Calico, IngressKind.EnvoyGateway));
        var ingress = plan.Components.Single(c => c.Name == "ingress");

        var proxy = ingress.Objects.Select(o => o.Object).OfType<EnvoyProxy>().Single();
        Assert.True(proxy.Spec.Provider.Kubernetes.EnvoyDeployment.Replicas > 1);
        Assert.Equal(1, proxy.Spec.Provider.Kubernetes.EnvoyPdb?.MaxUnavailable);
        Assert.Matches(@"envoyPDB:\s+maxUnavailable: 1\b", WorkloadRenderer.RenderManifest(ingress));
    }
}
