using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Infra.Core.Catalog;
using Infra.Core.Model;
using Infra.Core.Spec;
using k8s;
using k8s.Models;

namespace Infra.Core.Kubeadm;

/// <summary>
/// kube-vip as a static pod holding the control-plane endpoint's address in ARP mode, as kube-vip's own
/// <c>kube-vip manifest pod --controlplane --arp --leaderElection</c> generates it (kube-vip v1.2.3), with the
/// interface left to kube-vip (the one with the default route).
/// </summary>
public static class KubeVip
{
    /// <summary>
    /// The manifest with its kubeconfig. From Kubernetes 1.29, admin.conf has no rights until kubeadm init has bound
    /// it, which needs the API reachable through this very address, so the first control plane runs kube-vip with
    /// super-admin.conf during init and switches to admin.conf right after (kube-vip issue #684).
    /// </summary>
    public static string Manifest(Endpoint endpoint, string kubeconfigPath) =>
        KubernetesYaml.Serialize(Pod(endpoint, kubeconfigPath)).TrimEnd('\n') + "\n";

    public static V1Pod Pod(Endpoint endpoint, string kubeconfigPath)
    {
        var ip = IPAddress.Parse(endpoint.Host);
        var env = new List<V1EnvVar>
        {
            new() { Name = "vip_arp", Value = "true" },
            new() { Name = "port", Value = endpoint.Port.ToString(CultureInfo.InvariantCulture) },
            new() { Name = "vip_nodename", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "spec.nodeName" } } },
            new() { Name = "vip_subnet", Value = ip.AddressFamily == AddressFamily.InterNetworkV6 ? "128" : "32" },
            new() { Name = "cp_enable", Value = "true" },
            new() { Name = "cp_namespace", Value = "kube-system" },
            new() { Name = "vip_leaderelection", Value = "true" },
            new() { Name = "vip_leasename", Value = "plndr-cp-lock" },
            new() { Name = "vip_leaseduration", Value = "15" },
            new() { Name = "vip_renewdeadline", Value = "10" },
            new() { Name = "vip_retryperiod", Value = "2" },
            new() { Name = "address", Value = endpoint.Host },
            new() { Name = "prometheus_server", Value = ":2112" },
        };
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = "kube-vip", NamespaceProperty = "kube-system" },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = "kube-vip",
                        Image = VersionCatalog.KubeVipImage,
                        ImagePullPolicy = "IfNotPresent",
                        Args = ["manager"],
                        Env = env,
                        SecurityContext = new V1SecurityContext
                        {
                            Capabilities = new V1Capabilities { Add = ["NET_ADMIN", "NET_RAW"], Drop = ["ALL"] },
                        },
                        VolumeMounts = [new V1VolumeMount { Name = "kubeconfig", MountPath = HostPaths.AdminConf, ReadOnlyProperty = true }],
                    },
                ],
                HostNetwork = true,
                HostAliases = [new V1HostAlias { Ip = "127.0.0.1", Hostnames = ["kubernetes"] }],
                // Type File: a missing kubeconfig fails the pod instead of the kubelet creating a directory there.
                Volumes = [new V1Volume { Name = "kubeconfig", HostPath = new V1HostPathVolumeSource { Path = kubeconfigPath, Type = "File" } }],
            },
        };
    }

    public static bool CanHold(Endpoint endpoint) => IPAddress.TryParse(endpoint.Host, out _);
}
