using Infra.Core.Tests.NodePrograms;
using Infra.Core.Workloads;
using Infra.TestKit;
using static Infra.Core.Tests.Workloads.WorkloadTestKit;

namespace Infra.Core.Tests.Workloads;

/// <summary>
/// Every value the tool sets on a pinned chart is a key that chart's values.yaml defines at that version, so a
/// misspelt or moved key (Traefik 41's <c>service.spec.type</c>) fails here instead of being ignored by Helm. The data
/// are the key paths of each chart@version's values.yaml (chart-values/, made by extract-value-paths.py); a version
/// bump without new data fails.
/// </summary>
public class ChartValuePathTests
{
    private static string DataDir => Path.Combine(TestPaths.ProjectDir, "Workloads", "chart-values");

    /// <summary>
    /// Maps whose content the chart hands to Kubernetes unchanged (toYaml into a container or pod field): Kubernetes
    /// defines their keys, not values.yaml. Keyed by chart; each entry read in the chart's templates at the pinned tag.
    /// </summary>
    private static readonly Dictionary<string, (string Path, string Why)[]> FreeFormMaps = new(StringComparer.Ordinal)
    {
        ["tigera-operator"] = [("resources", "templates/tigera-operator/02-tigera-operator.yaml: toYaml into the operator container's resources")],
        ["cilium"] =
        [
            ("resources", "templates/cilium-agent/daemonset.yaml: toYaml into the agent container's resources"),
            ("operator.resources", "templates/cilium-operator/deployment.yaml: toYaml into the operator container's resources"),
            ("envoy.resources", "templates/cilium-envoy/daemonset.yaml: toYaml into the envoy container's resources"),
        ],
        ["flannel"] = [("flannel.resources", "templates/daemonset.yaml: toYaml into the kube-flannel container's resources")],
        ["cert-manager"] =
        [
            ("resources", "templates/deployment.yaml: toYaml into the controller container's resources"),
            ("securityContext", "templates/deployment.yaml: toYaml into the controller pod's securityContext"),
            ("webhook.resources", "templates/webhook-deployment.yaml: toYaml into the container's resources"),
            ("webhook.securityContext", "templates/webhook-deployment.yaml: toYaml into the pod's securityContext"),
            ("cainjector.resources", "templates/cainjector-deployment.yaml: toYaml into the container's resources"),
            ("cainjector.securityContext", "templates/cainjector-deployment.yaml: toYaml into the pod's securityContext"),
        ],
        ["metrics-server"] =
        [
            ("resources", "templates/deployment.yaml: toYaml into the container's resources"),
            ("securityContext", "templates/deployment.yaml: toYaml into the container's securityContext"),
        ],
        ["traefik"] =
        [
            ("resources", "templates/_podtemplate.tpl: toYaml into the traefik container's resources"),
            ("podSecurityContext", "templates/_podtemplate.tpl: toYaml into the pod's securityContext"),
            ("securityContext", "templates/_podtemplate.tpl: toYaml into the traefik container's securityContext"),
            ("gateway.listeners.web.namespacePolicy", "templates/gateway.yaml: toYaml into the listener's allowedRoutes.namespaces"),
        ],
        ["gateway-helm"] =
        [
            ("deployment.envoyGateway.resources", "templates/envoy-gateway-deployment.yaml: toYaml into the container's resources"),
            ("deployment.envoyGateway.securityContext", "templates/envoy-gateway-deployment.yaml: toYaml into the container's securityContext"),
        ],
        ["aws-ebs-csi-driver"] =
        [
            ("controller.resources", "templates/controller.yaml: toYaml into the ebs-plugin container's resources"),
            ("node.resources", "templates/_node.tpl: toYaml into the ebs-plugin container's resources"),
            .. new[] { "attacher", "livenessProbe", "nodeDriverRegistrar", "provisioner", "resizer", "snapshotter", "volumemodifier" }
                .Select(s => ($"sidecars.{s}.resources", "templates/controller.yaml and _node.tpl: toYaml into the sidecar container's resources")),
        ],
        // prometheus-community/helm-charts kube-prometheus-stack-88.5.3 (and its subcharts at the tags named in the data file).
        ["kube-prometheus-stack"] =
        [
            ("prometheusOperator.resources", "templates/prometheus-operator/deployment.yaml: toYaml into the operator container's resources"),
            ("prometheusOperator.prometheusConfigReloader.resources", "templates/prometheus-operator/deployment.yaml: toYaml into the --config-reloader-cpu/memory flags"),
            ("prometheus.prometheusSpec.resources", "templates/prometheus/prometheus.yaml: toYaml into the Prometheus resource's spec.resources"),
            ("prometheus.prometheusSpec.storageSpec", "templates/prometheus/prometheus.yaml: toYaml into the Prometheus resource's spec.storage"),
            ("alertmanager.alertmanagerSpec.resources", "templates/alertmanager/alertmanager.yaml: toYaml into the Alertmanager resource's spec.resources"),
            ("kube-state-metrics.resources", "kube-state-metrics 8.4.0 templates/deployment.yaml: toYaml into the container's resources"),
            ("prometheus-node-exporter.resources", "prometheus-node-exporter 4.56.1 templates/daemonset.yaml: toYaml into the container's resources"),
            ("grafana.resources", "grafana 12.11.1 templates/_pod.tpl: toYaml into the grafana container's resources"),
            ("grafana.sidecar.resources", "grafana 12.11.1 templates/_pod.tpl: toYaml into the sidecar containers' resources"),
            ("prometheusOperator.securityContext", "templates/prometheus-operator/deployment.yaml: toYaml into the pod's securityContext"),
            ("prometheusOperator.containerSecurityContext", "templates/prometheus-operator/deployment.yaml: toYaml into the container's securityContext"),
            ("kube-state-metrics.containerSecurityContext", "kube-state-metrics 8.4.0 templates/deployment.yaml: toYaml into the container's securityContext"),
            ("grafana.securityContext", "grafana 12.11.1 templates/_pod.tpl: toYaml into the pod's securityContext"),
            ("grafana.containerSecurityContext", "grafana 12.11.1 templates/_pod.tpl: toYaml into the grafana container's securityContext"),
        ],
        ["azuredisk-csi-driver"] =
        [
            .. new[] { "azuredisk", "csiAttacher", "csiProvisioner", "csiResizer", "csiSnapshotter", "livenessProbe" }
                .Select(c => ($"controller.resources.{c}", "templates/csi-azuredisk-controller.yaml: toYaml into that container's resources")),
            .. new[] { "azuredisk", "livenessProbe", "nodeDriverRegistrar" }
                .Select(c => ($"linux.resources.{c}", "templates/csi-azuredisk-node.yaml: toYaml into that container's resources")),
        ],
    };

    /// <summary>
    /// Keys a chart's templates read that its values.yaml names only in a comment (so the extraction leaves them out).
    /// Keyed by chart@version: each was read in that version's templates and values.schema.json.
    /// </summary>
    private static readonly Dictionary<string, (string Path, string Source)[]> CommentedKeys = new(StringComparer.Ordinal)
    {
        // cert-manager/cert-manager v1.21.1 deploy/charts/cert-manager: values.yaml shows "# tag: vX.Y.Z" under each
        // image; templates/_helpers.tpl "cert-manager.image" appends $image.tag; values.schema.json defines each
        // helm-values.<component>.image.tag.
        ["cert-manager@v1.21.1"] = [.. new[] { "image.tag", "webhook.image.tag", "cainjector.image.tag", "acmesolver.image.tag" }
            .Select(p => (p, "templates/_helpers.tpl cert-manager.image; values.schema.json"))],
    };

    /// <summary>Chart name as Helm names it: the last segment of an oci:// reference.</summary>
    public static string ChartName(ChartRelease chart) => chart.Chart.Split('/')[^1];

    /// <summary>Every path the tool sets that the chart does not define, or a note that no data exist for the chart version.</summary>
    public static IReadOnlyList<string> Violations(ChartRelease chart)
    {
        var name = ChartName(chart);
        var key = $"{name}@{chart.Version}";
        var file = Path.Combine(DataDir, key + ".txt");
        if (!File.Exists(file))
        {
            return [$"{key}: no value-path data (chart-values/{key}.txt); extract it from that version's values.yaml with extract-value-paths.py"];
        }
        var defined = File.ReadLines(file).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal);
        foreach (var (path, _) in CommentedKeys.GetValueOrDefault(key, [])) defined.Add(path);
        var freeForm = FreeFormMaps.GetValueOrDefault(name, []).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        void Walk(ChartValues values, string prefix)
        {
            foreach (var (k, child) in values.Entries)
            {
                var path = prefix.Length == 0 ? k : $"{prefix}.{k}";
                if (!defined.Contains(path))
                {
                    problems.Add($"{key}: {path} is not a key of the chart's values.yaml");
                    continue;
                }
                if (child is ChartValues inner && !freeForm.Contains(path)) Walk(inner, path);
            }
        }
        Walk(chart.Values, "");
        return problems;
    }

    private static IEnumerable<ChartRelease> PlannedCharts()
    {
        foreach (var (_, spec) in Variants())
        {
            foreach (var c in BaselinePlanner.Plan(spec).Components)
            {
                if (c.Chart is { } chart) yield return chart;
            }
        }
        foreach (var c in BaselinePlanner.Plan(WithFullMonitoring(SpecFor("baremetal"))).Components)
        {
            if (c.Chart is { } chart) yield return chart;
        }
        var mirrored = SpecFor("azure") with { Packages = SpecFor("azure").Packages with { Mirrors = AllMirrors } };
        foreach (var c in BaselinePlanner.Plan(mirrored).Components)
        {
            if (c.Chart is { } chart) yield return chart;
        }
    }

    [Fact]
    [Trait("Item", "11.drift")]
    public void Plan_EveryVariant_ChartValuesAreKeysOfThePinnedChartsValuesYaml()
    {
        var problems = PlannedCharts().SelectMany(Violations).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [Trait("Item", "11.drift")]
    [InlineData("dev")]
    [InlineData("staging")]
    [InlineData("prod")]
    public void Plan_ShippedStack_ChartValuesAreKeysOfThePinnedChartsValuesYaml(string stack)
    {
        var file = Path.Combine(Repo.Root, "stacks", $"Pulumi.{stack}.yaml");
        var read = Infra.Core.Planning.StackFile.Read(file, File.ReadAllText(file));
        Assert.True(read.IsValid, string.Join('\n', read.Errors));

        var problems = BaselinePlanner.Plan(read.Spec!).Components.Select(c => c.Chart).OfType<ChartRelease>().SelectMany(Violations).ToList();

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    [Trait("Item", "11.drift")]
    public void Violations_ChartVersionWithoutData_Fails()
    {
        var traefik = BaselinePlanner.Plan(SpecFor("baremetal")).Components.Select(c => c.Chart).OfType<ChartRelease>().Single(c => c.Chart == "traefik");

        var problems = Violations(traefik with { Version = "99.0.0" });

        Assert.Equal(["traefik@99.0.0: no value-path data (chart-values/traefik@99.0.0.txt); extract it from that version's values.yaml with extract-value-paths.py"], problems);
    }

    [Fact]
    [Trait("Item", "11.7")]
    public void Violations_TraefikServiceType_IsNotAKeyOfChart41()
    {
        // traefik/traefik-helm-chart traefik/values.yaml at v41.3.0: the type lives at service.spec.type.
        var traefik = BaselinePlanner.Plan(SpecFor("baremetal")).Components.Select(c => c.Chart).OfType<ChartRelease>().Single(c => c.Chart == "traefik");
        var wrong = traefik with { Values = ChartValues.Of(("service", ChartValues.Of(("type", "NodePort")))) };

        Assert.Equal(["traefik@41.3.0: service.type is not a key of the chart's values.yaml"], Violations(wrong));
    }

    [Fact]
    [Trait("Item", "11.drift")]
    public void ChartValueData_EveryFile_HeaderNamesItsChartVersionAndSource()
    {
        var files = Directory.GetFiles(DataDir, "*.txt");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var header = File.ReadLines(file).TakeWhile(l => l.StartsWith('#')).ToList();
            var name = Path.GetFileNameWithoutExtension(file);
            Assert.True(header.Count >= 4, $"{name}: header missing");
            Assert.Equal($"# chart: {name.Split('@')[0]}", header[0]);
            Assert.Equal($"# version: {name.Split('@')[1]}", header[1]);
            Assert.StartsWith("# source: ", header[2], StringComparison.Ordinal);
            Assert.StartsWith("# extracted by: extract-value-paths.py", header[3], StringComparison.Ordinal);
        }
    }

    [Fact]
    [Trait("Item", "11.drift")]
    public void FreeFormMaps_EachNamedPath_IsAKeyOfEveryPinnedVersionOfItsChart()
    {
        foreach (var (chart, maps) in FreeFormMaps)
        {
            var files = Directory.GetFiles(DataDir, chart + "@*.txt");
            Assert.True(files.Length > 0, $"{chart}: no data");
            foreach (var file in files)
            {
                var defined = File.ReadLines(file).ToHashSet(StringComparer.Ordinal);
                foreach (var (path, _) in maps) Assert.True(defined.Contains(path), $"{Path.GetFileName(file)}: free-form map {path} is not a key");
            }
        }
    }
}
