using System.Net;
using System.Text.Json;
using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Core.Kubeadm;

/// <summary>A kubeadm patch file (kubeadm's "target[suffix][+patchtype].extension") placed in the node's patches directory.</summary>
public sealed record KubeadmPatch(string FileName, string Content);

/// <summary>
/// Where the control plane serves its metrics so a monitoring stack in the cluster can scrape them: kubeadm binds
/// kube-controller-manager, kube-scheduler and etcd's metrics to 127.0.0.1 by default, which no pod can reach.
/// ClusterConfiguration is cluster-wide (joins read it from the kubeadm-config ConfigMap), so the node's own address
/// goes into per-node JSON patches of its static pods.
/// </summary>
public static class ControlPlaneMetrics
{
    public const int ControllerManagerPort = 10257;
    public const int SchedulerPort = 10259;
    public const int EtcdMetricsPort = 2381;
    public const int KubeProxyMetricsPort = 10249;
    public const int NodeExporterPort = 9100;

    /// <summary>
    /// kube-proxy's configuration is one ConfigMap for every node, so it cannot name each node's address; its documented
    /// form for "every interface" is 0.0.0.0:port (KubeProxyConfiguration.metricsBindAddress). The cloud firewalls open
    /// the port to the cluster's nodes only.
    /// </summary>
    public static readonly string KubeProxyMetricsBindAddress = $"0.0.0.0:{KubeProxyMetricsPort}";

    /// <summary>etcd's metrics URLs: 127.0.0.1 first (kubeadm's probes read the first URL), then the node's address.</summary>
    public static string EtcdMetricsUrls(string nodeAddress) =>
        $"http://127.0.0.1:{EtcdMetricsPort},http://{PlannedMember.UrlHost(nodeAddress)}:{EtcdMetricsPort}";

    /// <summary>
    /// The JSON patches for a control plane with a known address: bind-address for the controller manager and the
    /// scheduler (the flag given last wins) with their probes moved to that address, and, for stacked etcd, a
    /// metrics-only listener on it. Empty when the address is not an IP (kubeadm then detects it; nothing to patch).
    /// </summary>
    public static IReadOnlyList<KubeadmPatch> Patches(PlannedHost host, bool stackedEtcd)
    {
        if (!host.Has(Roles.ControlPlane) || KubeadmConfigRenderer.NodeAddress(host) is not { } address || !IPAddress.TryParse(address, out _))
        {
            return [];
        }
        var patches = new List<KubeadmPatch>
        {
            new("kube-controller-manager+json.json", Json(BindAndProbe(address))),
            new("kube-scheduler+json.json", Json(BindAndProbe(address))),
        };
        if (stackedEtcd)
        {
            patches.Add(new("etcd+json.json", Json([Add("/spec/containers/0/command/-", "--listen-metrics-urls=" + EtcdMetricsUrls(address))])));
        }
        return patches;
    }

    private static List<Dictionary<string, string>> BindAndProbe(string address) =>
    [
        Add("/spec/containers/0/command/-", "--bind-address=" + address),
        // kubeadm probes 127.0.0.1 unless bind-address is in ClusterConfiguration's extraArgs (cluster-wide).
        Add("/spec/containers/0/livenessProbe/httpGet/host", address),
        Add("/spec/containers/0/startupProbe/httpGet/host", address),
    ];

    private static Dictionary<string, string> Add(string path, string value) => new(StringComparer.Ordinal) { ["op"] = "add", ["path"] = path, ["value"] = value };

    private static string Json(List<Dictionary<string, string>> ops) => JsonSerializer.Serialize(ops) + "\n";
}
