using YamlDotNet.Serialization;

namespace Infra.Core.Kubeadm;

// Models of the component configurations the tool renders, from the published API references:
// kubelet.config.k8s.io/v1beta1, kubeproxy.config.k8s.io/v1alpha1, apiserver.config.k8s.io/v1 (authentication,
// encryption, admission), audit.k8s.io/v1 and pod-security.admission.config.k8s.io/v1. Only fields the tool sets.

public sealed record KubeletX509Authentication
{
    public string? ClientCAFile { get; init; }
}

public sealed record KubeletWebhookAuthentication
{
    public bool? Enabled { get; init; }
    public string? CacheTTL { get; init; }
}

public sealed record KubeletAnonymousAuthentication
{
    public bool? Enabled { get; init; }
}

public sealed record KubeletAuthentication
{
    public KubeletX509Authentication? X509 { get; init; }
    public KubeletWebhookAuthentication? Webhook { get; init; }
    public KubeletAnonymousAuthentication? Anonymous { get; init; }
}

public sealed record KubeletWebhookAuthorization
{
    public string? CacheAuthorizedTTL { get; init; }
    public string? CacheUnauthorizedTTL { get; init; }
}

public sealed record KubeletAuthorization
{
    /// <summary>"AlwaysAllow" or "Webhook".</summary>
    public string? Mode { get; init; }
    public KubeletWebhookAuthorization? Webhook { get; init; }
}

public sealed record KubeletConfiguration
{
    public const string KindName = "KubeletConfiguration";
    public string? ApiVersion { get; init; } = KubeadmApiVersions.Kubelet;
    public string? Kind { get; init; } = KindName;
    public string? StaticPodPath { get; init; }
    public string? Address { get; init; }
    public int? Port { get; init; }
    public int? ReadOnlyPort { get; init; }
    public string? TlsCertFile { get; init; }
    public string? TlsPrivateKeyFile { get; init; }
    public IReadOnlyList<string>? TlsCipherSuites { get; init; }
    public string? TlsMinVersion { get; init; }
    public bool? RotateCertificates { get; init; }
    public bool? ServerTLSBootstrap { get; init; }
    public KubeletAuthentication? Authentication { get; init; }
    public KubeletAuthorization? Authorization { get; init; }
    public int? EventRecordQPS { get; init; }
    public string? HealthzBindAddress { get; init; }
    public string? ClusterDomain { get; init; }
    public IReadOnlyList<string>? ClusterDNS { get; init; }
    public string? CgroupDriver { get; init; }
    public bool? ProtectKernelDefaults { get; init; }
    public bool? MakeIPTablesUtilChains { get; init; }
    public IReadOnlyDictionary<string, bool>? FeatureGates { get; init; }
    public bool? FailSwapOn { get; init; }
    public bool? SeccompDefault { get; init; }
    public string? ContainerRuntimeEndpoint { get; init; }
    public bool? FailCgroupV1 { get; init; }
}

public sealed record KubeProxyConfiguration
{
    public const string KindName = "KubeProxyConfiguration";
    public string? ApiVersion { get; init; } = KubeadmApiVersions.KubeProxy;
    public string? Kind { get; init; } = KindName;
    public string? BindAddress { get; init; }
    public string? HealthzBindAddress { get; init; }
    public string? MetricsBindAddress { get; init; }
    public string? ClusterCIDR { get; init; }
    /// <summary>"iptables", "ipvs" or "nftables".</summary>
    public string? Mode { get; init; }
    public IReadOnlyDictionary<string, bool>? FeatureGates { get; init; }
}

public sealed record AnonymousAuthCondition
{
    public string? Path { get; init; }
}

public sealed record AnonymousAuthConfig
{
    public bool? Enabled { get; init; }
    public IReadOnlyList<AnonymousAuthCondition>? Conditions { get; init; }
}

/// <summary>apiserver.config.k8s.io/v1 AuthenticationConfiguration (stable since Kubernetes 1.34).</summary>
public sealed record AuthenticationConfiguration
{
    public const string KindName = "AuthenticationConfiguration";
    public string? ApiVersion { get; init; } = KubeadmApiVersions.ApiServerConfig;
    public string? Kind { get; init; } = KindName;
    public AnonymousAuthConfig? Anonymous { get; init; }
}

public sealed record EncryptionKey
{
    public string? Name { get; init; }
    public string? Secret { get; init; }
}

public sealed record KeyedProvider
{
    public IReadOnlyList<EncryptionKey>? Keys { get; init; }
}

/// <summary>The identity provider has no fields; rendered as <c>identity: {}</c>.</summary>
public sealed record IdentityProvider;

public sealed record EncryptionProvider
{
    public KeyedProvider? Secretbox { get; init; }
    public KeyedProvider? Aescbc { get; init; }
    public IdentityProvider? Identity { get; init; }
}

public sealed record EncryptionResource
{
    public IReadOnlyList<string>? Resources { get; init; }
    public IReadOnlyList<EncryptionProvider>? Providers { get; init; }
}

public sealed record EncryptionConfiguration
{
    public const string KindName = "EncryptionConfiguration";
    public string? ApiVersion { get; init; } = KubeadmApiVersions.ApiServerConfig;
    public string? Kind { get; init; } = KindName;
    public IReadOnlyList<EncryptionResource>? Resources { get; init; }
}

public sealed record PodSecurityDefaults
{
    public string? Enforce { get; init; }
    [YamlMember(Alias = "enforce-version")]
    public string? EnforceVersion { get; init; }
    public string? Audit { get; init; }
    [YamlMember(Alias = "audit-version")]
    public string? AuditVersion { get; init; }
    public string? Warn { get; init; }
    [YamlMember(Alias = "warn-version")]
    public string? WarnVersion { get; init; }
}

public sealed record PodSecurityExemptions
{
    public IReadOnlyList<string>? Usernames { get; init; }
    public IReadOnlyList<string>? RuntimeClasses { get; init; }
    public IReadOnlyList<string>? Namespaces { get; init; }
}

public sealed record PodSecurityConfiguration
{
    public const string KindName = "PodSecurityConfiguration";
    public string? ApiVersion { get; init; } = KubeadmApiVersions.PodSecurity;
    public string? Kind { get; init; } = KindName;
    public PodSecurityDefaults? Defaults { get; init; }
    public PodSecurityExemptions? Exemptions { get; init; }
}

public sealed record AdmissionPluginConfiguration
{
    public string? Name { get; init; }
    public string? Path { get; init; }
    /// <summary>The only plugin the tool configures is PodSecurity.</summary>
    public PodSecurityConfiguration? Configuration { get; init; }
}

public sealed record AdmissionConfiguration
{
    public const string KindName = "AdmissionConfiguration";
    public string? ApiVersion { get; init; } = KubeadmApiVersions.ApiServerConfig;
    public string? Kind { get; init; } = KindName;
    public IReadOnlyList<AdmissionPluginConfiguration>? Plugins { get; init; }
}

public sealed record AuditGroupResources
{
    public string? Group { get; init; }
    public IReadOnlyList<string>? Resources { get; init; }
}

public sealed record AuditPolicyRule
{
    /// <summary>"None", "Metadata", "Request" or "RequestResponse".</summary>
    public string? Level { get; init; }
    public IReadOnlyList<string>? Users { get; init; }
    public IReadOnlyList<string>? UserGroups { get; init; }
    public IReadOnlyList<string>? Verbs { get; init; }
    public IReadOnlyList<AuditGroupResources>? Resources { get; init; }
    public IReadOnlyList<string>? Namespaces { get; init; }
    public IReadOnlyList<string>? NonResourceURLs { get; init; }
    public IReadOnlyList<string>? OmitStages { get; init; }
}

public sealed record AuditPolicy
{
    public const string KindName = "Policy";
    public string? ApiVersion { get; init; } = KubeadmApiVersions.Audit;
    public string? Kind { get; init; } = KindName;
    public IReadOnlyList<string>? OmitStages { get; init; }
    public IReadOnlyList<AuditPolicyRule>? Rules { get; init; }
}
