using Infra.Core.Catalog;
using Infra.Core.Spec;

namespace Infra.Core.Workloads;

/// <summary>
/// Every pinned version of the baseline and the Kubernetes minors each supports. Sources are named per entry:
/// the release notes, chart or support tables of the upstream project as stored on 2026-08 to 2026-11. Update a
/// version only together with its source.
/// </summary>
public static class WorkloadVersions
{
    /// <summary>Kubernetes minors the baseline is planned for.</summary>
    public static IReadOnlyList<string> SupportedMinors { get; } = [.. VersionCatalog.SupportedMinors.Select(m => $"{m.Major}.{m.Minor}")];

    // Every pin below names the upstream file it was read from (repository, path, tag); docs/upstream.md lists them
    // with their tests, and tests/Infra.Core.Tests/Workloads/chart-values/ holds each chart@version's value paths.

    // Calico: tigera-operator chart v3.32.1 and its CRD chart crd.projectcalico.org.v1 v3.32.1 (projectcalico/calico
    // tag v3.32.1; the Makefile packages both charts with the release tag as version). v3.32.4 could not be found in
    // any stored copy of the repository (newest tag there: v3.32.1), so the read release is pinned. The chart's
    // values.yaml names operator image quay.io/tigera/operator:v1.42.3. Kubernetes 1.34–1.36 for Calico 3.32 is
    // Tigera's requirements page as quoted by a third party; the vendor page itself was not readable from a stored copy.
    public static readonly Pinned Calico = new("tigera-operator", "v3.32.1", 34, 36,
        "Calico 3.32 (tigera-operator chart v3.32.1) is listed for Kubernetes 1.34–1.36");
    public const string CalicoCrdChart = "crd.projectcalico.org.v1";
    public const string TigeraOperatorImage = "v1.42.3";

    // Cilium: cilium/charts cilium-1.19.6.tgz and cilium-1.20.0.tgz (values.yaml: image tags and digests). 1.19 is
    // e2e-tested on 1.32–1.35 (Documentation/network/kubernetes/compatibility.rst of v1.19.3); 1.20.0 is the first line
    // released after Kubernetes 1.36 and is used for it (its own compatibility table was not available in a stored copy).
    public static readonly Pinned Cilium119 = new("cilium", "1.19.6", 34, 35, "Cilium 1.19 is e2e-tested on Kubernetes 1.32–1.35");
    public static readonly Pinned Cilium120 = new("cilium", "1.20.0", 36, 36, "Cilium 1.20 is the release line for Kubernetes 1.36");

    // Flannel: chart flannel v0.28.9 (flannel-io/flannel tag v0.28.9, chart/kube-flannel/Chart.yaml and values.yaml:
    // flannel v0.28.9, flannel-cni-plugin v1.9.1-flannel3). Flannel publishes no Kubernetes matrix; it uses only
    // stable core APIs.
    public static readonly Pinned Flannel = new("flannel", "v0.28.9", 34, 36, "Flannel v0.28.9 uses only stable core APIs");
    public const string FlannelCniPlugin = "v1.9.1-flannel3";

    // metrics-server: chart 3.13.1 (kubernetes-sigs/metrics-server tag metrics-server-helm-chart-3.13.1,
    // charts/metrics-server/Chart.yaml: appVersion 0.8.1); README compatibility matrix: 0.8.x supports Kubernetes 1.31+.
    public static readonly Pinned MetricsServer = new("metrics-server", "3.13.1", 31, 36, "metrics-server 0.8.x supports Kubernetes 1.31+");
    public const string MetricsServerImage = "v0.8.1";

    // cert-manager: v1.21.1 (cert-manager/cert-manager tag v1.21.1, deploy/charts/cert-manager); supported-releases
    // table: 1.21 supports Kubernetes 1.33 → 1.36.
    public static readonly Pinned CertManager = new("cert-manager", "v1.21.1", 33, 36,
        "cert-manager 1.21 supports Kubernetes 1.33 → 1.36 (cert-manager supported releases table)");

    // Traefik: chart 41.3.0 (traefik/traefik-helm-chart tag v41.3.0, traefik/Chart.yaml: appVersion v3.7.11,
    // kubeVersion >=1.25.0-0); its README installs Gateway API v1.5.1 (standard).
    public static readonly Pinned Traefik = new("traefik", "41.3.0", 25, 36, "Traefik chart 41.3.0 requires Kubernetes >= 1.25");
    public const string TraefikImage = "v3.7.11";

    // Envoy Gateway v1.9.0 (envoyproxy/gateway tag v1.9.0, site/content/en/news/releases/matrix.md): Kubernetes
    // v1.33–v1.36, Gateway API v1.6.1, Envoy Proxy distroless-v1.39.0, rate limit 17b1956c.
    public static readonly Pinned EnvoyGateway = new("gateway-helm", "v1.9.0", 33, 36, "Envoy Gateway v1.9 supports Kubernetes 1.33–1.36");

    // Gateway API CRDs, standard channel, packaged by Envoy Gateway's gateway-crds-helm chart (envoyproxy/gateway
    // charts/gateway-crds-helm at tags v1.8.3 and v1.9.0; the same matrix.md: v1.8 bundles Gateway API v1.5.1, the
    // version Traefik's chart documents, and v1.9 bundles v1.6.1).
    public const string GatewayCrdsForTraefik = "v1.8.3";
    public const string GatewayApiForTraefik = "v1.5.1";
    public const string GatewayCrdsForEnvoy = "v1.9.0";
    public const string GatewayApiForEnvoy = "v1.6.1";

    // local-path-provisioner v0.0.37: rancher/local-path-provisioner deploy/local-path-storage.yaml of tag v0.0.37.
    public const string LocalPath = "v0.0.37";
    // The release manifest leaves the helper image untagged (docker.io/library/busybox); the project pins it.
    public const string Busybox = "1.37.0";

    // AWS EBS CSI driver chart 2.64.0 (kubernetes-sigs/aws-ebs-csi-driver tag helm-chart-aws-ebs-csi-driver-2.64.0,
    // charts/aws-ebs-csi-driver/Chart.yaml: appVersion 1.64.0, kubeVersion >=1.17.0-0); install docs: Kubernetes >= 1.20.
    public const string AwsEbsChart = "2.64.0";
    // Azure Disk CSI driver chart 1.34.5 (kubernetes-sigs/azuredisk-csi-driver tag v1.34.5,
    // charts/v1.34.5/azuredisk-csi-driver: appVersion 1.34.5); README: supported Kubernetes 1.21+.
    public const string AzureDiskChart = "1.34.5";
    // GCP PD CSI driver: deploy/kubernetes/overlays/stable-master of kubernetes-sigs/gcp-compute-persistent-disk-csi-driver
    // at master commit b560165 (2026-08-18): driver v1.26.0 and the sidecar tags of images/stable-master.
    public const string GcpPdDriver = "v1.26.0";

    // kube-prometheus-stack 88.5.3 (prometheus-community/helm-charts tag kube-prometheus-stack-88.5.3,
    // charts/kube-prometheus-stack/Chart.yaml: kubeVersion ">=1.25.0-0", appVersion v0.93.1 (the operator and config
    // reloader tags), dependencies kube-state-metrics 8.4.0, prometheus-node-exporter 4.56.1, grafana 12.11.1 from
    // grafana-community/helm-charts). Images as that values.yaml and the subcharts' Chart.yaml name them: Prometheus
    // v3.14.0-distroless, Alertmanager v0.34.0, kube-state-metrics v2.20.0 (chart 8.4.0 appVersion 2.20.0, tag "v" +
    // appVersion), node-exporter v1.12.1 (chart 4.56.1 appVersion 1.12.1), Grafana 13.2.0 (chart 12.11.1 appVersion)
    // and its k8s-sidecar 2.10.1 (grafana values.yaml sidecar.image.tag).
    public static readonly Pinned KubePrometheusStack = new("kube-prometheus-stack", "88.5.3", 25, 36,
        "kube-prometheus-stack 88.5.3 requires Kubernetes >= 1.25 (its Chart.yaml kubeVersion)");
    public const string PrometheusOperatorImage = "v0.93.1";
    public const string PrometheusImage = "v3.14.0-distroless";
    public const string AlertmanagerImage = "v0.34.0";
    public const string KubeStateMetricsImage = "v2.20.0";
    public const string NodeExporterImage = "v1.12.1";
    public const string GrafanaImage = "13.2.0";
    public const string GrafanaSidecarImage = "2.10.1";

    /// <summary>The Cilium release for a minor, or null when none is pinned for it.</summary>
    public static Pinned? CiliumFor(KubernetesVersion v) =>
        Cilium119.Supports(v) ? Cilium119 : Cilium120.Supports(v) ? Cilium120 : null;
}

/// <summary>A pinned release and the Kubernetes 1.x minors it supports, with the statement that says so.</summary>
public sealed record Pinned(string Chart, string Version, int MinMinor, int MaxMinor, string Support)
{
    public bool Supports(KubernetesVersion v) => v.Major == 1 && v.Minor >= MinMinor && v.Minor <= MaxMinor;
}

/// <summary>A problem with the workloads a spec asks for: the key to change, what is wrong, and why.</summary>
public sealed record WorkloadDiagnostic(WorkloadSeverity Severity, string Component, string Key, string Message)
{
    public override string ToString() => $"{Severity.ToString().ToLowerInvariant()}: {Key}: {Message}";
}

public enum WorkloadSeverity { Warning, Error }

/// <summary>The spec asks for workloads that cannot be planned (e.g. a component that does not support the minor).</summary>
public sealed class WorkloadPlanException : Exception
{
    public WorkloadPlanException(IReadOnlyList<WorkloadDiagnostic> errors)
        : base("cannot plan the baseline workloads:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
        => Errors = errors;

    public WorkloadPlanException() : this([]) { }
    public WorkloadPlanException(string message) : base(message) => Errors = [];
    public WorkloadPlanException(string message, Exception inner) : base(message, inner) => Errors = [];

    public IReadOnlyList<WorkloadDiagnostic> Errors { get; }
}
