using System.Net.Sockets;
using Infra.Core.Spec;

namespace Infra.Core.Kubeadm;

/// <summary>
/// The kernel values kubeadm's preflight requires per address family (kubernetes/kubernetes v1.34,
/// <c>cmd/kubeadm/app/preflight/checks.go</c>: <c>InitNodeChecks</c> adds the IPv4 checks when the service or pod
/// subnet or the advertise address is IPv4 and the IPv6 checks when one is IPv6; <c>JoinNodeChecks</c> by the API
/// endpoint's family; <c>checks_linux.go</c>: <c>addIPv4Checks</c> = <c>/proc/sys/net/ipv4/ip_forward</c> is 1,
/// <c>addIPv6Checks</c> = <c>/proc/sys/net/ipv6/conf/default/forwarding</c> is 1). The bridge-nf-call checks are no
/// longer preflight checks; prepare still sets them because kube-proxy in iptables mode needs bridged traffic filtered.
/// </summary>
public static class KubeadmPreflight
{
    /// <summary>Sysctl name → value kubeadm's preflight requires for an address family.</summary>
    public static IReadOnlyDictionary<string, string> ForwardingSysctls(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => new Dictionary<string, string>(StringComparer.Ordinal) { ["net.ipv4.ip_forward"] = "1" },
        AddressFamily.InterNetworkV6 => new Dictionary<string, string>(StringComparer.Ordinal) { ["net.ipv6.conf.default.forwarding"] = "1" },
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "not an IP address family"),
    };

    /// <summary>The address families of the cluster's service and pod networks (what InitNodeChecks looks at first).</summary>
    public static IReadOnlyList<AddressFamily> Families(ClusterSpec spec) =>
        [.. new[] { spec.Network.ServiceCidr, spec.Network.PodCidr }.Select(c => c.Network.BaseAddress.AddressFamily).Distinct().Order()];

    /// <summary>Every sysctl kubeadm's preflight requires on this cluster's nodes.</summary>
    public static IReadOnlyDictionary<string, string> RequiredSysctls(ClusterSpec spec)
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var family in Families(spec))
        {
            foreach (var (k, v) in ForwardingSysctls(family)) all[k] = v;
        }
        return all;
    }
}
