namespace Infra.Core.Model;

/// <summary>One planned etcd member as the members know each other: its name and the address its URLs use.</summary>
public sealed record EtcdPeer(string Name, string Address);

/// <summary>
/// What an external etcd member's membership change is decided against, planned with the member's node program so
/// that an engine that has only that program (the Pulumi provider's, one host at a time) needs nothing else.
/// </summary>
public sealed record EtcdMembershipFacts
{
    /// <summary>Every planned member, in bootstrap order.</summary>
    public required IReadOnlyList<EtcdPeer> Members { get; init; }
    /// <summary>The <c>--initial-cluster-token</c> of a bootstrap.</summary>
    public required string Token { get; init; }
    /// <summary>The cluster's Kubernetes minor, as "1.33".</summary>
    public required string KubernetesMinor { get; init; }
    /// <summary>The etcd release the tool installs for that minor.</summary>
    public required string Release { get; init; }
    /// <summary>The oldest etcd kubeadm accepts for that minor.</summary>
    public required string MinimumForKubeadm { get; init; }
}
