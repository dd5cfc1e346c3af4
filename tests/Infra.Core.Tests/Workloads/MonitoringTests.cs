using Infra.Core.Infrastructure;
using Infra.Core.Kubeadm;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Core.Workloads;
using Infra.TestKit;
using k8s.Models;
using static Infra.Core.Tests.Workloads.WorkloadTestKit;

namespace Infra.Core.Tests.Workloads;

/// <summary>
/// workloads.monitoring: kube-prometheus-stack 88.5.3 (prometheus-community/helm-charts tag kube-prometheus-stack-88.5.3)
/// scraping the control plane where this tool makes it listen, through the baseline's default-deny.
/// </summary>
public class MonitoringTests
{
    private static WorkloadComponent MonitoringOf(ClusterSpec spec) => BaselinePlanner.Plan(spec).Components.Single(c => c.Name == "monitoring");

    private static ChartValues ValuesOf(ClusterSpec spec) => MonitoringOf(spec).Chart!.Values;

    public static TheoryData<string> TargetNames() => [.. Targets];

    [Theory]
    [Trait("Item", "15.1")]
    [MemberData(nameof(TargetNames))]
    public void Plan_EveryTarget_MonitoringPinnedInItsOwnNamespaces(string target)
    {
        var plan = BaselinePlanner.Plan(SpecFor(target));
        var chart = plan.Components.Single(c => c.Name == "monitoring").Chart!;

        Assert.Equal(("kube-prometheus-stack", "88.5.3", "monitoring", "https://prometheus-community.github.io/helm-charts"),
            (chart.Chart, chart.Version, chart.Namespace, chart.Repository));
        var namespaces = plan.Components[0].Objects.Select(o => o.Object).OfType<V1Namespace>().ToDictionary(n => n.Metadata.Name);
        Assert.Equal(("baseline", "restricted"), (namespaces["monitoring"].Metadata.Labels[K.PsaEnforce], namespaces["monitoring"].Metadata.Labels["pod-security.kubernetes.io/warn"]));
        Assert.Equal("privileged", namespaces["node-exporter"].Metadata.Labels[K.PsaEnforce]);
        Assert.Equal("node-exporter", chart.Values.Get("prometheus-node-exporter.namespaceOverride"));
    }

    [Fact]
    [Trait("Item", "15.1")]
    public void Plan_MonitoringOff_NoChartNamespacesOrPolicies()
    {
        var s = SpecFor("aws");
        var plan = BaselinePlanner.Plan(s with { Workloads = s.Workloads with { Monitoring = MonitoringSpec.Off } });

        Assert.DoesNotContain(plan.Components, c => c.Name == "monitoring");
        var objects = plan.Components.SelectMany(c => c.Objects).ToList();
        Assert.DoesNotContain(objects, o => o.Namespace is "monitoring" or "node-exporter" || o.Name is "monitoring" or "node-exporter" or "allow-from-monitoring");
    }

    [Fact]
    [Trait("Item", "15.2")]
    public void Plan_ControlPlaneMonitors_PointAtTheListenersKubeadmIsPatchedFor()
    {
        // templates/exporters/*/service.yaml and servicemonitor.yaml at kube-prometheus-stack-88.5.3: service.port/targetPort
        // become the headless Service's port; serviceMonitor.https (and insecureSkipVerify) the scheme; kubeEtcd takes
        // serviceMonitor.scheme.
        var v = ValuesOf(SpecFor("baremetal"));

        Assert.Equal((10257L, 10257L, true, true), ((long)v.Get("kubeControllerManager.service.port")!, (long)v.Get("kubeControllerManager.service.targetPort")!,
            (bool)v.Get("kubeControllerManager.serviceMonitor.https")!, (bool)v.Get("kubeControllerManager.serviceMonitor.insecureSkipVerify")!));
        Assert.Equal((10259L, 10259L, true), ((long)v.Get("kubeScheduler.service.port")!, (long)v.Get("kubeScheduler.service.targetPort")!,
            (bool)v.Get("kubeScheduler.serviceMonitor.https")!));
        Assert.Equal((2381L, "http"), ((long)v.Get("kubeEtcd.service.targetPort")!, (string)v.Get("kubeEtcd.serviceMonitor.scheme")!));
        Assert.Equal((10249L, false), ((long)v.Get("kubeProxy.service.targetPort")!, (bool)v.Get("kubeProxy.serviceMonitor.https")!));

        // The same ports the rendered control plane listens on: etcd's metrics-only listener is plain http on 2381.
        Assert.StartsWith("http://", ControlPlaneMetrics.EtcdMetricsUrls("10.0.0.11"), StringComparison.Ordinal);
        Assert.EndsWith($":{v.Get("kubeEtcd.service.targetPort")}", ControlPlaneMetrics.EtcdMetricsUrls("10.0.0.11"), StringComparison.Ordinal);
        Assert.EndsWith($":{v.Get("kubeProxy.service.targetPort")}", ControlPlaneMetrics.KubeProxyMetricsBindAddress, StringComparison.Ordinal);
    }

    [Theory]
    [Trait("Item", "15.2")]
    [MemberData(nameof(TargetNames))]
    public void Plan_NetworkPolicies_LetMonitoringScrapeExactlyTheNodeMetricsPorts(string target)
    {
        var spec = SpecFor(target);
        var policies = BaselinePlanner.Plan(spec).Components.Single(c => c.Name == "policies").Objects.Select(o => o.Object).OfType<V1NetworkPolicy>().ToList();

        var toNodes = policies.Where(p => p.Spec.Egress?.Any(e => e.To?.Any(t => t.IpBlock?.Cidr == spec.Network.NodeCidr.ToString()) == true) == true
            && p.Spec.Egress.Any(e => e.Ports?.Any(port => port.Port.Value == "2381") == true)).ToList();
        var only = Assert.Single(toNodes);
        Assert.Equal(("monitoring", "allow-node-metrics"), (only.Metadata.NamespaceProperty, only.Metadata.Name));
        Assert.Equal(["10249", "10250", "10257", "10259", "2381", "9100"], only.Spec.Egress.Single().Ports.Select(p => p.Port.Value).Order(StringComparer.Ordinal));
        Assert.Contains(policies, p => p.Metadata is { NamespaceProperty: "monitoring", Name: "default-deny" });
        Assert.Contains(policies, p => p.Metadata is { NamespaceProperty: "workloads", Name: "allow-from-monitoring" }
            && p.Spec.Ingress.Single().FromProperty.Single().NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] == "monitoring");
    }

    [Theory]
    [Trait("Item", "15.2")]
    [InlineData("aws")]
    [InlineData("azure")]
    [InlineData("gcp")]
    public void Plan_CloudFirewall_OpensEveryScrapedControlPlanePortFromTheNodesOnly(string target)
    {
        var spec = SpecFor(target);
        var firewall = CloudPlanner.Plan(spec, HostInventory.Plan(spec)).Firewall;

        foreach (var port in Monitoring.NodeMetricsPorts.Where(p => p != 10250))
        {
            var rule = Assert.Single(firewall, r => r.Name.Contains("-metrics-", StringComparison.Ordinal) && r.Ports is { } p && p.From == port && p.To == port);
            Assert.Equal(Peer.Nodes, rule.SourceGroup);
        }
    }

    [Fact]
    [Trait("Item", "15.2")]
    public void Plan_ExternalEtcdOnBareMetal_ScrapesTheMembersByAddress()
    {
        var spec = SampleSpecs.BareMetal(etcd: EtcdTopology.External);
        var v = ValuesOf(spec);

        var members = spec.Hosts.Where(h => h.Has(Roles.Etcd)).Select(h => (object)h.NodeAddress).ToList();
        Assert.NotEmpty(members);
        Assert.Equal(members, (IReadOnlyList<object>)v.Get("kubeEtcd.endpoints")!);
        Assert.DoesNotContain(BaselinePlanner.Plan(spec).Warnings, w => w.Contains("etcd", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Item", "15.2")]
    public void Plan_ExternalEtcdOnCloud_EtcdNotScrapedAndSaid()
    {
        var s = SpecFor("gcp");
        var spec = s with { Etcd = s.Etcd with { Topology = EtcdTopology.External, Count = 3 } };

        Assert.Equal(false, ValuesOf(spec).Get("kubeEtcd.enabled"));
        Assert.Contains(BaselinePlanner.Plan(spec).Warnings, w => w.Contains("does not scrape etcd", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Item", "15.1")]
    public void Plan_RetentionAndVolume_OnTheDefaultStorageClass()
    {
        var v = ValuesOf(WithFullMonitoring(SpecFor("aws")));

        Assert.Equal("30d", v.Get("prometheus.prometheusSpec.retention"));
        Assert.Equal("50Gi", v.Get("prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage"));
        Assert.Null(v.Get("prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName"));
        Assert.Contains("storage", MonitoringOf(SpecFor("aws")).Chart!.DependsOn);
    }

    [Fact]
    [Trait("Item", "15.1")]
    public void Plan_NoStorage_NoVolumeClaimAndWarned()
    {
        var s = SpecFor("baremetal");
        var spec = s with { Workloads = s.Workloads with { Storage = StorageKind.None } };

        Assert.Null(ValuesOf(spec).Get("prometheus.prometheusSpec.storageSpec"));
        Assert.Contains(BaselinePlanner.Plan(spec).Warnings, w => w.Contains("emptyDir", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Item", "15.1")]
    public void Plan_Grafana_OnlyWhenAskedWithItsImagesMirrored()
    {
        Assert.Equal(false, ValuesOf(SpecFor("baremetal")).Get("grafana.enabled"));
        var spec = WithFullMonitoring(SpecFor("baremetal"));
        spec = spec with { Packages = spec.Packages with { Mirrors = AllMirrors } };

        var c = MonitoringOf(spec);
        Assert.Equal(true, c.Chart!.Values.Get("grafana.enabled"));
        Assert.Contains(c.Readiness, r => r.Name == "kube-prometheus-stack-grafana");
        Assert.Equal(8, c.Images.Count);
        Assert.All(c.Images, i => Assert.StartsWith("mirror.example.com/", i.Registry, StringComparison.Ordinal));
        Assert.All(c.Chart.Values.Leaves().Where(l => l.Path.EndsWith(".image.registry", StringComparison.Ordinal)),
            l => Assert.StartsWith("mirror.example.com/", (string)l.Value, StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Item", "15.1")]
    public void Plan_Monitoring_EveryChartImageIsPinnedByTheTool()
    {
        // An image the chart would pick from its own defaults (an empty tag means the chart's appVersion) is not mirrored
        // or pinned here: every image value the chart reads for the parts it runs is set.
        var v = ValuesOf(WithFullMonitoring(SpecFor("baremetal")));
        foreach (var image in new[]
        {
            "prometheusOperator.image", "prometheusOperator.prometheusConfigReloader.image", "prometheus.prometheusSpec.image",
            "alertmanager.alertmanagerSpec.image", "kube-state-metrics.image", "prometheus-node-exporter.image", "grafana.image", "grafana.sidecar.image",
        })
        {
            foreach (var part in new[] { "registry", "repository", "tag" }) Assert.True(v.Get($"{image}.{part}") is string { Length: > 0 }, $"{image}.{part}");
        }
        Assert.Equal(false, v.Get("prometheusOperator.admissionWebhooks.enabled"));
    }

    [Fact]
    [Trait("Item", "15.3")]
    public void Plan_AlertReceivers_SecretsReadFromFilesNeverInTheValues()
    {
        var v = ValuesOf(WithFullMonitoring(SpecFor("baremetal")));
        var json = v.ToJson();

        var receiver = (ChartValues)((IReadOnlyList<object>)v.Get("alertmanager.config.receivers")!)[0];
        Assert.Equal("infra", receiver.Get("name"));
        Assert.Equal("infra", v.Get("alertmanager.config.route.receiver"));
        Assert.Equal(["infra-alert-receivers"], ((IReadOnlyList<object>)v.Get("alertmanager.alertmanagerSpec.secrets")!).Cast<string>());
        Assert.Contains("\"url_file\": \"/etc/alertmanager/secrets/infra-alert-receivers/webhook-url\"", json, StringComparison.Ordinal);
        Assert.Contains("\"api_url_file\": \"/etc/alertmanager/secrets/infra-alert-receivers/slack-api-url\"", json, StringComparison.Ordinal);
        Assert.Contains("\"auth_password_file\": \"/etc/alertmanager/secrets/infra-alert-receivers/email-password\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"url\":", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"api_url\":", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"auth_password\":", json, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "15.3")]
    public void Plan_NoReceivers_AlertsKeptByAlertmanagerNoSecretMounted()
    {
        var v = ValuesOf(SpecFor("baremetal"));

        Assert.Equal("null", v.Get("alertmanager.config.route.receiver"));
        Assert.Null(v.Get("alertmanager.alertmanagerSpec.secrets"));
    }
}
