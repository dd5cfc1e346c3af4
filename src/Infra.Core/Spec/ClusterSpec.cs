namespace Infra.Core.Spec;

/// <summary>Where the cluster's machines come from.</summary>
public enum Target { Baremetal, Aws, Azure, Gcp }

public enum EtcdTopology { Stacked, External }

public enum LoadBalancerKind { External, KubeVip }

public enum PackageSource { Repository, Bundle, Preinstalled }

public enum Cni { Calico, Cilium, Flannel }

public enum IngressKind { Traefik, EnvoyGateway, None }

public enum StorageKind { LocalPath, Csi, None }

/// <summary>Operating systems the node programs support.</summary>
public enum OsFamily { Debian12, Ubuntu2204, Ubuntu2404 }

public static class Roles
{
    public const string ControlPlane = "control-plane";
    public const string Worker = "worker";
    public const string Etcd = "etcd";
    public static readonly IReadOnlyList<string> All = [ControlPlane, Worker, Etcd];
}

/// <summary>The one typed description of a cluster: the value of <c>infra:cluster</c> in a stack file.</summary>
public sealed record ClusterSpec
{
    public required string Name { get; init; }
    public required Target Target { get; init; }
    public required KubernetesSpec Kubernetes { get; init; }
    public required ControlPlaneSpec ControlPlane { get; init; }
    public required IReadOnlyList<WorkerPoolSpec> Workers { get; init; }
    public required NetworkSpec Network { get; init; }
    public required EtcdSpec Etcd { get; init; }
    /// <summary>Bare metal: every machine. Clouds: empty (the inventory comes from the VMs).</summary>
    public required IReadOnlyList<HostSpec> Hosts { get; init; }
    public required SshSpec Ssh { get; init; }
    public required PackagesSpec Packages { get; init; }
    public required WorkloadsSpec Workloads { get; init; }
    public required OsFamily Os { get; init; }
    /// <summary>Clouds only.</summary>
    public CloudSpec? Cloud { get; init; }
    /// <summary><c>certificates</c>: when apply renews the leaves.</summary>
    public CertificatesSpec Certificates { get; init; } = CertificatesSpec.Default;
}

public sealed record KubernetesSpec
{
    public required KubernetesVersion Version { get; init; }
    /// <summary>Where control-plane images come from; a mirror for air-gapped sites.</summary>
    public required string ImageRepository { get; init; }
    public required string DnsDomain { get; init; }
    /// <summary><c>kubernetes.upgrade</c>: worker batches and the drain bound of an upgrade.</summary>
    public UpgradeSpec Upgrade { get; init; } = UpgradeSpec.Default;
}

public sealed record ControlPlaneSpec
{
    public required int Count { get; init; }
    /// <summary>host:port of the API endpoint (bare metal); null on clouds, where it is the load balancer.</summary>
    public Endpoint? Endpoint { get; init; }
    public required LoadBalancerKind LoadBalancer { get; init; }
    public string? Size { get; init; }
    public required int DiskGb { get; init; }
}

public sealed record WorkerPoolSpec
{
    public required string Name { get; init; }
    public required int Count { get; init; }
    public string? Size { get; init; }
    public required int DiskGb { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public required IReadOnlyList<Taint> Taints { get; init; }
}

/// <summary>A node taint in kubectl form: <c>key[=value]:Effect</c>.</summary>
public sealed record Taint(string Key, string? Value, string Effect)
{
    public override string ToString() => Value is null ? $"{Key}:{Effect}" : $"{Key}={Value}:{Effect}";
}

public sealed record NetworkSpec
{
    public required Cidr PodCidr { get; init; }
    public required Cidr ServiceCidr { get; init; }
    public required Cidr NodeCidr { get; init; }
    public required Cni Cni { get; init; }
    /// <summary>Who may reach SSH (clouds).</summary>
    public required IReadOnlyList<Cidr> AdminCidrs { get; init; }
    /// <summary>Who may reach the API server (clouds).</summary>
    public required IReadOnlyList<Cidr> ApiCidrs { get; init; }
    /// <summary>Who may reach the ingress controller's NodePorts on the nodes (clouds); empty: nobody.</summary>
    public IReadOnlyList<Cidr> IngressCidrs { get; init; } = [];
}

public sealed record EtcdSpec
{
    public required EtcdTopology Topology { get; init; }
    /// <summary>Clouds with external topology: how many dedicated etcd VMs (0: etcd runs on the control planes).</summary>
    public required int Count { get; init; }
    public string? Size { get; init; }
    /// <summary>Scheduled snapshots on every member (<c>etcd.backup</c>).</summary>
    public EtcdBackupSpec Backup { get; init; } = EtcdBackupSpec.Default;
}

public sealed record HostSpec
{
    public required string Name { get; init; }
    public required string Address { get; init; }
    public required int Port { get; init; }
    public required string User { get; init; }
    public required HostKeyPin HostKey { get; init; }
    public required IReadOnlyList<string> Roles { get; init; }
    /// <summary>Worker pool name; null for hosts without the worker role.</summary>
    public string? Pool { get; init; }
    /// <summary>Address the node advertises inside the cluster, when it differs from the SSH address.</summary>
    public string? InternalAddress { get; init; }
    public OsFamily? Os { get; init; }

    public bool Has(string role) => Roles.Contains(role);
    public string NodeAddress => InternalAddress ?? Address;
}

public sealed record SshSpec
{
    public string? IdentityFile { get; init; }
    public BastionSpec? Bastion { get; init; }
    /// <summary>Clouds: the admin user cloud-init creates and its public key line.</summary>
    public required string AdminUser { get; init; }
    public string? AdminPublicKey { get; init; }
    public required int ConnectTimeoutSeconds { get; init; }
    public required int CommandTimeoutSeconds { get; init; }
}

public sealed record BastionSpec
{
    public required string Address { get; init; }
    public required int Port { get; init; }
    public required string User { get; init; }
    public required HostKeyPin HostKey { get; init; }
}

public sealed record PackagesSpec
{
    public required PackageSource Source { get; init; }
    /// <summary>Folder of binaries for <see cref="PackageSource.Bundle"/>, relative to the stack file.</summary>
    public string? Bundle { get; init; }
    /// <summary>Image registry → mirror, e.g. <c>registry.k8s.io: mirror.example.com/k8s</c>.</summary>
    public required IReadOnlyDictionary<string, string> Mirrors { get; init; }
    /// <summary>
    /// Chart repository URL (or <c>oci://</c> prefix) → its mirror, e.g.
    /// <c>https://charts.jetstack.io: https://charts.example.com/jetstack</c> (see <c>Workloads.ChartMirrors</c>).
    /// </summary>
    public IReadOnlyDictionary<string, string> ChartMirrors { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
}

public sealed record WorkloadsSpec
{
    public required bool MetricsServer { get; init; }
    public required IngressKind Ingress { get; init; }
    public required bool CertManager { get; init; }
    public required StorageKind Storage { get; init; }
    public required bool Policies { get; init; }
    /// <summary><c>workloads.monitoring</c>: on by default.</summary>
    public MonitoringSpec Monitoring { get; init; } = MonitoringSpec.Default;
}

public sealed record CloudSpec
{
    /// <summary>aws:region, gcp:region or azure-native:location, read from the provider's own namespace.</summary>
    public required string Region { get; init; }
    public required IReadOnlyList<string> Zones { get; init; }
    /// <summary>Image override (AMI id, GCP image, Azure URN); null: the tool's default for <see cref="ClusterSpec.Os"/>.</summary>
    public string? Image { get; init; }
    /// <summary>GCP project (gcp:project) or Azure resource group prefix; null where not needed.</summary>
    public string? Project { get; init; }
}
