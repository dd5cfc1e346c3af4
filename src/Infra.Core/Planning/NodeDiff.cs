using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>
/// What a node's bootstrap depends on, as the <c>kubeadm:index:Node</c> resource keeps it in the stack's state:
/// the host, the cluster-wide settings a live node cannot change in place, and the input hash of every step.
/// </summary>
public sealed record NodeState
{
    public required string Host { get; init; }
    public required string Address { get; init; }
    public required IReadOnlyList<string> Roles { get; init; }
    public required string KubernetesVersion { get; init; }
    public required string PodCidr { get; init; }
    public required string ServiceCidr { get; init; }
    public required string EtcdTopology { get; init; }
    /// <summary>Step id → input hash, as the node program has them.</summary>
    public required IReadOnlyDictionary<string, string> StepHashes { get; init; }
    /// <summary>The cluster's name (kubeadm's clusterName); null in a record made before it was kept.</summary>
    public string? ClusterName { get; init; }
    /// <summary>The cluster's DNS domain; null in a record made before it was kept.</summary>
    public string? DnsDomain { get; init; }
    /// <summary>The control-plane endpoint (host:port); null in a record made before it was kept.</summary>
    public string? Endpoint { get; init; }

    public static NodeState Of(ClusterSpec spec, NodeProgram program) => new()
    {
        Host = program.Host.Name,
        Address = program.Host.Address ?? "",
        Roles = [.. program.Host.Roles.Order(StringComparer.Ordinal)],
        KubernetesVersion = spec.Kubernetes.Version.ToString(),
        PodCidr = spec.Network.PodCidr.ToString(),
        ServiceCidr = spec.Network.ServiceCidr.ToString(),
        EtcdTopology = spec.Etcd.Topology.Name(),
        ClusterName = spec.Name,
        DnsDomain = spec.Kubernetes.DnsDomain,
        Endpoint = spec.ControlPlane.Endpoint?.ToString(),
        StepHashes = new SortedDictionary<string, string>(
            program.Steps.ToDictionary(s => s.Id, s => s.InputHash, StringComparer.Ordinal), StringComparer.Ordinal),
    };
}

/// <summary>A change that needs a procedure (upgrade, migration, rebuild), refused rather than improvised.</summary>
public sealed record NodeChangeRefusal(string Key, string Message);

public sealed record NodeDiffResult
{
    public required IReadOnlyList<string> AddedSteps { get; init; }
    public required IReadOnlyList<string> ChangedSteps { get; init; }
    public required IReadOnlyList<string> RemovedSteps { get; init; }
    /// <summary>Properties whose change makes it another machine: reset the old one, bootstrap the new one.</summary>
    public required IReadOnlyList<string> ReplaceKeys { get; init; }
    public required IReadOnlyList<NodeChangeRefusal> Refusals { get; init; }
    /// <summary>The version move when the wanted version is an allowed upgrade (patch or next minor); null otherwise.</summary>
    public VersionMove? Upgrade { get; init; }

    public bool HasChanges => AddedSteps.Count + ChangedSteps.Count + RemovedSteps.Count + ReplaceKeys.Count + Refusals.Count > 0 || Upgrade is not null;
}

/// <summary>Compares the state a node was bootstrapped with against the state the plan now wants.</summary>
public static class NodeDiff
{
    /// <summary>Step ids (step id → input hash) added, changed and removed between two programs, each in ordinal order.</summary>
    public static (IReadOnlyList<string> Added, IReadOnlyList<string> Changed, IReadOnlyList<string> Removed) Steps(
        IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
    (
        after.Keys.Where(k => !before.ContainsKey(k)).Order(StringComparer.Ordinal).ToList(),
        after.Where(kv => before.TryGetValue(kv.Key, out var h) && h != kv.Value).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList(),
        before.Keys.Where(k => !after.ContainsKey(k)).Order(StringComparer.Ordinal).ToList()
    );

    public static NodeDiffResult Compare(NodeState old, NodeState wanted)
    {
        var replace = new List<string>();
        if (old.Host != wanted.Host) replace.Add("host");
        if (old.Address != wanted.Address) replace.Add("address");

        var refusals = new List<NodeChangeRefusal>();
        // A replaced machine is bootstrapped from scratch, but the cluster it joins keeps its version and CIDRs.
        // A version move is an upgrade procedure (VersionMoves) or a refusal naming the allowed next steps.
        VersionMove? upgrade = null;
        if (old.KubernetesVersion != wanted.KubernetesVersion)
        {
            if (!KubernetesVersion.TryParse(old.KubernetesVersion, out var from) || !KubernetesVersion.TryParse(wanted.KubernetesVersion, out var to))
            {
                refusals.Add(new NodeChangeRefusal("kubernetes.version",
                    $"host {old.Host}: the recorded version {old.KubernetesVersion} or the wanted {wanted.KubernetesVersion} is not MAJOR.MINOR.PATCH"));
            }
            else if (VersionMoves.Decide(from!, to!) is { Kind: VersionMoveKind.Refused } refused)
            {
                refusals.Add(new NodeChangeRefusal("kubernetes.version", $"host {old.Host}: the cluster runs {from}; {refused.Refusal}"));
            }
            else
            {
                upgrade = VersionMoves.Decide(from!, to!);
            }
        }
        if (old.PodCidr != wanted.PodCidr)
        {
            refusals.Add(new NodeChangeRefusal("network.podCidr",
                $"host {old.Host}: the pod CIDR {old.PodCidr} cannot become {wanted.PodCidr} on a live cluster (the CNI and every pod use it); rebuild the cluster"));
        }
        if (old.ServiceCidr != wanted.ServiceCidr)
        {
            refusals.Add(new NodeChangeRefusal("network.serviceCidr",
                $"host {old.Host}: the service CIDR {old.ServiceCidr} cannot become {wanted.ServiceCidr} on a live cluster (the API server's certificate and every Service use it); rebuild the cluster"));
        }
        if (old.EtcdTopology != wanted.EtcdTopology)
        {
            refusals.Add(new NodeChangeRefusal("etcd.topology",
                $"host {old.Host}: moving etcd from {old.EtcdTopology} to {wanted.EtcdTopology} is a data migration, which this tool does not perform"));
        }
        refusals.AddRange(SettingRefusals(old, wanted));
        if (replace.Count == 0 && !old.Roles.Order(StringComparer.Ordinal).SequenceEqual(wanted.Roles.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            refusals.Add(new NodeChangeRefusal("hosts.roles",
                $"host {old.Host}: roles [{string.Join(", ", old.Roles)}] cannot become [{string.Join(", ", wanted.Roles)}] in place; " +
                "remove the host (its node is reset) and add it back with the new roles"));
        }

        var (added, changed, removed) = Steps(old.StepHashes, wanted.StepHashes);
        return new NodeDiffResult { AddedSteps = added, ChangedSteps = changed, RemovedSteps = removed, ReplaceKeys = replace, Refusals = refusals, Upgrade = upgrade };
    }

    /// <summary>
    /// Settings no procedure changes in place (a record made before one was kept does not compare it). The endpoint's
    /// host may change (control-plane.settings gives the API server certificate the new name); its port may not.
    /// </summary>
    private static IEnumerable<NodeChangeRefusal> SettingRefusals(NodeState old, NodeState wanted)
    {
        if (old.ClusterName is { } name && wanted.ClusterName is { } newName && name != newName)
        {
            yield return new NodeChangeRefusal("name",
                $"host {old.Host}: the cluster name {name} cannot become {newName} on a live cluster (kubeadm's clusterName is in every kubeconfig and in the kubeadm-config ConfigMap); rebuild the cluster");
        }
        if (old.DnsDomain is { } domain && wanted.DnsDomain is { } newDomain && domain != newDomain)
        {
            yield return new NodeChangeRefusal("kubernetes.dnsDomain",
                $"host {old.Host}: the DNS domain {domain} cannot become {newDomain} on a live cluster (every kubelet, CoreDNS and the API server certificate use it); rebuild the cluster");
        }
        if (old.Endpoint is { } endpoint && wanted.Endpoint is { } newEndpoint
            && Spec.Endpoint.TryParse(endpoint, out var from) && Spec.Endpoint.TryParse(newEndpoint, out var to) && from!.Port != to!.Port)
        {
            yield return new NodeChangeRefusal("controlPlane.endpoint",
                $"host {old.Host}: the endpoint port {from.Port} cannot become {to.Port} on a live cluster (every API server binds it and every kubeconfig names it); "
                + "only the endpoint's name or address may change, which the reconfigure procedure puts in the API server certificate");
        }
    }
}
