namespace Infra.Core.Kubeadm;

// The project's own models of kubeadm.k8s.io/v1beta4 (cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go), limited to
// the fields the tool sets or may read back. Property names are the camelCase of the JSON names, so the YAML
// serializer's naming convention gives the exact field names; a misspelt field fails the strict decoder.

/// <summary>A command-line flag without its leading dashes (v1beta4 uses name/value lists, not maps).</summary>
public sealed record Arg
{
    public string? Name { get; init; }
    public string? Value { get; init; }
}

public sealed record HostPathMount
{
    public string? Name { get; init; }
    public string? HostPath { get; init; }
    public string? MountPath { get; init; }
    public bool? ReadOnly { get; init; }
    /// <summary>corev1.HostPathType: "", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", …</summary>
    public string? PathType { get; init; }
}

public sealed record ControlPlaneComponent
{
    public IReadOnlyList<Arg>? ExtraArgs { get; init; }
    public IReadOnlyList<HostPathMount>? ExtraVolumes { get; init; }
}

public sealed record ApiServer
{
    public IReadOnlyList<Arg>? ExtraArgs { get; init; }
    public IReadOnlyList<HostPathMount>? ExtraVolumes { get; init; }
    public IReadOnlyList<string>? CertSANs { get; init; }
}

public sealed record ApiEndpoint
{
    public string? AdvertiseAddress { get; init; }
    public int? BindPort { get; init; }
}

/// <summary>corev1.Taint.</summary>
public sealed record Taint
{
    public string? Key { get; init; }
    public string? Value { get; init; }
    public string? Effect { get; init; }
}

public sealed record NodeRegistrationOptions
{
    public string? Name { get; init; }
    public string? CriSocket { get; init; }
    /// <summary>null: kubeadm's default (the control-plane taint on control planes, none on workers).</summary>
    public IReadOnlyList<Taint>? Taints { get; init; }
    public IReadOnlyList<Arg>? KubeletExtraArgs { get; init; }
    public IReadOnlyList<string>? IgnorePreflightErrors { get; init; }
    public string? ImagePullPolicy { get; init; }
    public bool? ImagePullSerial { get; init; }
}

/// <summary>bootstraptoken/v1 BootstrapToken; the token itself is left to kubeadm (random, short-lived).</summary>
public sealed record BootstrapToken
{
    public string? Token { get; init; }
    public string? Description { get; init; }
    public string? Ttl { get; init; }
    public string? Expires { get; init; }
    public IReadOnlyList<string>? Usages { get; init; }
    public IReadOnlyList<string>? Groups { get; init; }
}

public sealed record Networking
{
    public string? ServiceSubnet { get; init; }
    public string? PodSubnet { get; init; }
    public string? DnsDomain { get; init; }
}

public sealed record LocalEtcd
{
    public string? ImageRepository { get; init; }
    public string? ImageTag { get; init; }
    public string? DataDir { get; init; }
    public IReadOnlyList<Arg>? ExtraArgs { get; init; }
    public IReadOnlyList<string>? ServerCertSANs { get; init; }
    public IReadOnlyList<string>? PeerCertSANs { get; init; }
}

public sealed record ExternalEtcd
{
    public IReadOnlyList<string>? Endpoints { get; init; }
    public string? CaFile { get; init; }
    public string? CertFile { get; init; }
    public string? KeyFile { get; init; }
}

public sealed record Etcd
{
    public LocalEtcd? Local { get; init; }
    public ExternalEtcd? External { get; init; }
}

public sealed record Dns
{
    public string? ImageRepository { get; init; }
    public string? ImageTag { get; init; }
    public bool? Disabled { get; init; }
}

public sealed record Proxy
{
    public bool? Disabled { get; init; }
}

public sealed record Patches
{
    public string? Directory { get; init; }
}

public sealed record Timeouts
{
    public string? ControlPlaneComponentHealthCheck { get; init; }
    public string? KubeletHealthCheck { get; init; }
    public string? KubernetesAPICall { get; init; }
    public string? EtcdAPICall { get; init; }
    public string? TlsBootstrap { get; init; }
    public string? Discovery { get; init; }
    public string? UpgradeManifests { get; init; }
}

public sealed record InitConfiguration
{
    public const string KindName = "InitConfiguration";
    public string? ApiVersion { get; init; } = KubeadmApiVersions.Kubeadm;
    public string? Kind { get; init; } = KindName;
    public IReadOnlyList<BootstrapToken>? BootstrapTokens { get; init; }
    public bool? DryRun { get; init; }
    public NodeRegistrationOptions? NodeRegistration { get; init; }
    public ApiEndpoint? LocalAPIEndpoint { get; init; }
    public string? CertificateKey { get; init; }
    public IReadOnlyList<string>? SkipPhases { get; init; }
    public Patches? Patches { get; init; }
    public Timeouts? Timeouts { get; init; }
}

public sealed record ClusterConfiguration
{
    public const string KindName = "ClusterConfiguration";
    public string? ApiVersion { get; init; } = KubeadmApiVersions.Kubeadm;
    public string? Kind { get; init; } = KindName;
    public Etcd? Etcd { get; init; }
    public Networking? Networking { get; init; }
    public string? KubernetesVersion { get; init; }
    public string? ControlPlaneEndpoint { get; init; }
    public ApiServer? ApiServer { get; init; }
    public ControlPlaneComponent? ControllerManager { get; init; }
    public ControlPlaneComponent? Scheduler { get; init; }
    public Dns? Dns { get; init; }
    public Proxy? Proxy { get; init; }
    public string? CertificatesDir { get; init; }
    public string? ImageRepository { get; init; }
    public IReadOnlyDictionary<string, bool>? FeatureGates { get; init; }
    public string? ClusterName { get; init; }
    /// <summary>"RSA-2048", "RSA-3072", "RSA-4096" or "ECDSA-P256".</summary>
    public string? EncryptionAlgorithm { get; init; }
    public string? CertificateValidityPeriod { get; init; }
    public string? CaCertificateValidityPeriod { get; init; }
}

public sealed record BootstrapTokenDiscovery
{
    public string? Token { get; init; }
    public string? ApiServerEndpoint { get; init; }
    public IReadOnlyList<string>? CaCertHashes { get; init; }
    public bool? UnsafeSkipCAVerification { get; init; }
}

public sealed record FileDiscovery
{
    public string? KubeConfigPath { get; init; }
}

public sealed record Discovery
{
    public BootstrapTokenDiscovery? BootstrapToken { get; init; }
    public FileDiscovery? File { get; init; }
    public string? TlsBootstrapToken { get; init; }
}

public sealed record JoinControlPlane
{
    public ApiEndpoint? LocalAPIEndpoint { get; init; }
    public string? CertificateKey { get; init; }
}

public sealed record JoinConfiguration
{
    public const string KindName = "JoinConfiguration";
    public string? ApiVersion { get; init; } = KubeadmApiVersions.Kubeadm;
    public string? Kind { get; init; } = KindName;
    public bool? DryRun { get; init; }
    public NodeRegistrationOptions? NodeRegistration { get; init; }
    public string? CaCertPath { get; init; }
    public Discovery? Discovery { get; init; }
    public JoinControlPlane? ControlPlane { get; init; }
    public IReadOnlyList<string>? SkipPhases { get; init; }
    public Patches? Patches { get; init; }
    public Timeouts? Timeouts { get; init; }
}

public static class KubeadmApiVersions
{
    public const string Kubeadm = "kubeadm.k8s.io/v1beta4";
    public const string Kubelet = "kubelet.config.k8s.io/v1beta1";
    public const string KubeProxy = "kubeproxy.config.k8s.io/v1alpha1";
    public const string ApiServerConfig = "apiserver.config.k8s.io/v1";
    public const string Audit = "audit.k8s.io/v1";
    public const string PodSecurity = "pod-security.admission.config.k8s.io/v1";
}
