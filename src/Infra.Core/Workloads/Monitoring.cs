using Infra.Core.Kubeadm;
using Infra.Core.Spec;

namespace Infra.Core.Workloads;

/// <summary>
/// <c>workloads.monitoring</c>: kube-prometheus-stack (Prometheus through its operator, Alertmanager, node-exporter,
/// kube-state-metrics, the standard Kubernetes alerting and recording rules; Grafana with its dashboards when asked for),
/// scraping the control plane where this tool makes it listen: the controller manager and the scheduler over HTTPS on
/// the node's address, etcd's metrics-only listener over plain HTTP on 2381, kube-proxy on 10249
/// (<see cref="ControlPlaneMetrics"/>).
/// </summary>
internal static class Monitoring
{
    public const string Namespace = AlertsSpec.SecretNamespace;
    /// <summary>node-exporter reads the host (host network, host PID, the root filesystem): its own privileged namespace.</summary>
    public const string NodeExporterNamespace = "node-exporter";
    public const string ReleaseName = "kube-prometheus-stack";
    /// <summary>The Secret holding the receivers' secret parts, one file per <see cref="AlertsSpec.SecretKeys"/> entry.</summary>
    public const string ReceiversSecret = AlertsSpec.SecretName;
    public const int PrometheusPort = 9090;
    public const int AlertmanagerPort = 9093;

    /// <summary>Every port on the nodes Prometheus scrapes: kubelet, controller manager, scheduler, etcd metrics, kube-proxy, node-exporter.</summary>
    public static readonly IReadOnlyList<int> NodeMetricsPorts =
    [
        10250,
        ControlPlaneMetrics.ControllerManagerPort,
        ControlPlaneMetrics.SchedulerPort,
        ControlPlaneMetrics.EtcdMetricsPort,
        ControlPlaneMetrics.KubeProxyMetricsPort,
        ControlPlaneMetrics.NodeExporterPort,
    ];

    /// <summary>Where Alertmanager finds a receiver's secret: the operator mounts <c>alertmanagerSpec.secrets</c> there.</summary>
    public static string SecretFile(string key) => $"/etc/alertmanager/secrets/{ReceiversSecret}/{key}";

    /// <summary>Warnings the plan shows for the monitoring the spec asks for.</summary>
    public static IEnumerable<WorkloadDiagnostic> Warnings(ClusterSpec spec)
    {
        var m = spec.Workloads.Monitoring;
        if (!m.Enabled) yield break;
        if (spec.Workloads.Storage == StorageKind.None)
        {
            yield return new WorkloadDiagnostic(WorkloadSeverity.Warning, "monitoring", "workloads.monitoring.volumeSize",
                "workloads.storage is none, so the cluster has no default StorageClass: Prometheus keeps its data in an emptyDir and loses it when its pod moves.");
        }
        if (ExternalEtcdUnknown(spec))
        {
            yield return new WorkloadDiagnostic(WorkloadSeverity.Warning, "monitoring", "etcd.topology",
                "the external etcd members' addresses are known only once their VMs exist, so Prometheus does not scrape etcd on this cluster.");
        }
    }

    private static bool ExternalEtcdUnknown(ClusterSpec spec) => spec.Etcd.Topology == EtcdTopology.External && spec.Target != Target.Baremetal;

    public static WorkloadComponent? Component(PlanContext ctx)
    {
        var m = ctx.Spec.Workloads.Monitoring;
        if (!m.Enabled) return null;
        var version = WorkloadVersions.KubePrometheusStack.Version;
        var prometheus = ctx.Image($"quay.io/prometheus/prometheus:{WorkloadVersions.PrometheusImage}");
        var alertmanager = ctx.Image($"quay.io/prometheus/alertmanager:{WorkloadVersions.AlertmanagerImage}");
        var operatorImage = ctx.Image($"quay.io/prometheus-operator/prometheus-operator:{WorkloadVersions.PrometheusOperatorImage}");
        var reloader = ctx.Image($"quay.io/prometheus-operator/prometheus-config-reloader:{WorkloadVersions.PrometheusOperatorImage}");
        var kubeStateMetrics = ctx.Image($"registry.k8s.io/kube-state-metrics/kube-state-metrics:{WorkloadVersions.KubeStateMetricsImage}");
        var nodeExporter = ctx.Image($"quay.io/prometheus/node-exporter:{WorkloadVersions.NodeExporterImage}");
        var grafana = ctx.Image($"docker.io/grafana/grafana:{WorkloadVersions.GrafanaImage}");
        var sidecar = ctx.Image($"quay.io/kiwigrid/k8s-sidecar:{WorkloadVersions.GrafanaSidecarImage}");
        static ChartValues Image(ImageRef i) => ChartValues.Of(("registry", i.Registry), ("repository", i.Repository), ("tag", i.Tag));

        var values = ChartValues.Of(
            ("crds", ChartValues.Of(("enabled", true))),
            // The webhook only validates PrometheusRules on admission (the operator checks them anyway); without it no
            // certificate-patching job and its image are needed.
            ("prometheusOperator", ChartValues.Of(
                ("image", Image(operatorImage)),
                ("prometheusConfigReloader", ChartValues.Of(("image", Image(reloader)), ("resources", K.ResourceValues("10m", "32Mi", "100m", "64Mi")))),
                ("admissionWebhooks", ChartValues.Of(("enabled", false))),
                ("resources", K.ResourceValues("50m", "128Mi", "500m", "512Mi")),
                ("securityContext", PodSecurity(65534, 65534)),
                ("containerSecurityContext", K.RestrictedContainerValues()))),
            ("prometheus", ChartValues.Of(("prometheusSpec", ChartValues.Of(
                ("image", Image(prometheus)),
                ("retention", m.Retention),
                ("storageSpec", ctx.Spec.Workloads.Storage == StorageKind.None ? null : VolumeClaim(m.VolumeSize)),
                ("resources", K.ResourceValues("200m", "1Gi", "1", "2Gi")),
                ("securityContext", PodSecurity(1000, 2000)),
                // Pick up every ServiceMonitor, PodMonitor and rule of the cluster, not only this release's.
                ("serviceMonitorSelectorNilUsesHelmValues", false),
                ("podMonitorSelectorNilUsesHelmValues", false),
                ("ruleSelectorNilUsesHelmValues", false))))),
            ("alertmanager", ChartValues.Of(
                ("config", AlertmanagerConfig(m.Alerts)),
                ("alertmanagerSpec", ChartValues.Of(
                    ("image", Image(alertmanager)),
                    ("secrets", m.Alerts.Any ? ChartValues.List(ReceiversSecret) : null),
                    ("resources", K.ResourceValues("20m", "64Mi", "200m", "256Mi")),
                    ("securityContext", PodSecurity(1000, 2000)))))),
            // The control plane as this tool renders it (ControlPlaneMetrics): HTTPS on the node address for the
            // controller manager and the scheduler, which authenticate and authorize Prometheus's service-account token;
            // their serving certificates are self-signed by the components (kubeadm gives them none), hence no verify.
            ("kubeControllerManager", SecureComponent(ControlPlaneMetrics.ControllerManagerPort)),
            ("kubeScheduler", SecureComponent(ControlPlaneMetrics.SchedulerPort)),
            ("kubeEtcd", ExternalEtcdUnknown(ctx.Spec)
                ? ChartValues.Of(("enabled", false))
                : ChartValues.Of(
                    ("endpoints", EtcdEndpoints(ctx.Spec)),
                    ("service", Ports(ControlPlaneMetrics.EtcdMetricsPort)),
                    ("serviceMonitor", ChartValues.Of(("scheme", "http"))))),
            ("kubeProxy", ChartValues.Of(
                ("service", Ports(ControlPlaneMetrics.KubeProxyMetricsPort)),
                ("serviceMonitor", ChartValues.Of(("https", false))))),
            ("kube-state-metrics", ChartValues.Of(
                ("image", Image(kubeStateMetrics)),
                ("resources", K.ResourceValues("20m", "64Mi", "200m", "256Mi")),
                ("securityContext", PodSecurity(65534, 65534)),
                ("containerSecurityContext", K.RestrictedContainerValues()))),
            ("prometheus-node-exporter", ChartValues.Of(
                ("namespaceOverride", NodeExporterNamespace),
                ("image", Image(nodeExporter)),
                ("resources", K.ResourceValues("20m", "32Mi", "200m", "128Mi")))),
            ("grafana", m.Grafana
                ? ChartValues.Of(
                    ("enabled", true),
                    ("image", Image(grafana)),
                    ("sidecar", ChartValues.Of(("image", Image(sidecar)), ("resources", K.ResourceValues("10m", "64Mi", "100m", "128Mi")))),
                    ("testFramework", ChartValues.Of(("enabled", false))),
                    ("resources", K.ResourceValues("50m", "128Mi", "500m", "512Mi")),
                    ("securityContext", PodSecurity(472, 472)),
                    // Grafana writes below its home as well as its data volume: no read-only root filesystem.
                    ("containerSecurityContext", ChartValues.Of(
                        ("allowPrivilegeEscalation", false),
                        ("capabilities", ChartValues.Of(("drop", ChartValues.List("ALL")))),
                        ("runAsNonRoot", true),
                        ("seccompProfile", ChartValues.Of(("type", "RuntimeDefault"))))))
                : ChartValues.Of(("enabled", false))));

        var readiness = new List<ReadinessCheck>
        {
            ReadinessCheck.Deployment(Namespace, $"{ReleaseName}-operator"),
            ReadinessCheck.Deployment(Namespace, $"{ReleaseName}-kube-state-metrics"),
            ReadinessCheck.DaemonSet(NodeExporterNamespace, $"{ReleaseName}-prometheus-node-exporter"),
        };
        if (m.Grafana) readiness.Add(ReadinessCheck.Deployment(Namespace, $"{ReleaseName}-grafana"));
        return new WorkloadComponent
        {
            Name = "monitoring",
            Order = 0,
            Chart = new ChartRelease
            {
                Name = ReleaseName,
                Namespace = Namespace,
                Chart = "kube-prometheus-stack",
                Repository = "https://prometheus-community.github.io/helm-charts",
                Version = version,
                // Prometheus's volume needs the default StorageClass.
                DependsOn = ctx.Spec.Workloads.Storage == StorageKind.None ? ["cni"] : ["cni", "storage"],
                Values = values,
            },
            Objects = [],
            Readiness = readiness,
            Images = [operatorImage, reloader, prometheus, alertmanager, kubeStateMetrics, nodeExporter, .. m.Grafana ? new[] { grafana, sidecar } : []],
        };
    }

    private static ChartValues Ports(int port) => ChartValues.Of(("port", port), ("targetPort", port));

    private static ChartValues SecureComponent(int port) => ChartValues.Of(
        ("service", Ports(port)),
        ("serviceMonitor", ChartValues.Of(("https", true), ("insecureSkipVerify", true))));

    /// <summary>External members on bare metal by address (they are no pods); stacked members are found by their pods.</summary>
    private static IReadOnlyList<object> EtcdEndpoints(ClusterSpec spec) => spec.Etcd.Topology == EtcdTopology.External
        ? ChartValues.List([.. spec.Hosts.Where(h => h.Has(Roles.Etcd)).Select(h => (object)h.NodeAddress)])
        : ChartValues.List();

    private static ChartValues PodSecurity(long user, long group) => ChartValues.Of(
        ("runAsNonRoot", true),
        ("runAsUser", user),
        ("runAsGroup", group),
        ("fsGroup", group),
        ("seccompProfile", ChartValues.Of(("type", "RuntimeDefault"))));

    /// <summary>Prometheus's volume on the default StorageClass (no storageClassName: the cluster's default is used).</summary>
    private static ChartValues VolumeClaim(string size) => ChartValues.Of(("volumeClaimTemplate", ChartValues.Of(("spec", ChartValues.Of(
        ("accessModes", ChartValues.List("ReadWriteOnce")),
        ("resources", ChartValues.Of(("requests", ChartValues.Of(("storage", size))))))))));

    /// <summary>
    /// Alertmanager's configuration: every alert to the receivers the stack names (Watchdog, the always-firing
    /// dead-man's switch, to none), their secrets read from files (url_file, api_url_file, auth_password_file:
    /// prometheus/alertmanager docs/configuration.md at v0.34.0), so the configuration itself holds no secret.
    /// </summary>
    internal static ChartValues AlertmanagerConfig(AlertsSpec alerts)
    {
        var receiver = new List<(string, object?)> { ("name", alerts.Any ? "infra" : "null") };
        if (alerts.Webhook)
        {
            receiver.Add(("webhook_configs", ChartValues.List(ChartValues.Of(("url_file", SecretFile(AlertsSpec.WebhookUrlKey)), ("send_resolved", true)))));
        }
        if (alerts.Slack is { } slack)
        {
            receiver.Add(("slack_configs", ChartValues.List(ChartValues.Of(
                ("api_url_file", SecretFile(AlertsSpec.SlackApiUrlKey)), ("channel", slack.Channel), ("send_resolved", true)))));
        }
        if (alerts.Email is { } email)
        {
            receiver.Add(("email_configs", ChartValues.List(ChartValues.Of(
                ("to", email.To),
                ("from", email.From),
                ("smarthost", email.Smarthost),
                ("auth_username", email.Username),
                ("auth_password_file", email.Username is null ? null : SecretFile(AlertsSpec.EmailPasswordKey)),
                ("send_resolved", true)))));
        }
        var receivers = alerts.Any ? ChartValues.List(ChartValues.Of([.. receiver]), ChartValues.Of(("name", "null"))) : ChartValues.List(ChartValues.Of(("name", "null")));
        return ChartValues.Of(
            ("route", ChartValues.Of(
                ("receiver", alerts.Any ? "infra" : "null"),
                ("group_by", ChartValues.List("namespace", "alertname")),
                ("group_wait", "30s"),
                ("group_interval", "5m"),
                ("repeat_interval", "12h"),
                ("routes", ChartValues.List(ChartValues.Of(("receiver", "null"), ("matchers", ChartValues.List("alertname = \"Watchdog\""))))))),
            ("receivers", receivers));
    }
}
