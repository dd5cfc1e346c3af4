using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Spec;

namespace Infra.Core.Kubeadm;

/// <summary>How a node enters the cluster.</summary>
public enum NodeJoinKind { Init, JoinControlPlane, JoinWorker }

/// <summary>What the kubeadm configuration of a cluster depends on beyond the spec.</summary>
public sealed record KubeadmClusterInputs
{
    public required ClusterSpec Spec { get; init; }
    /// <summary>host:port every node and client uses for the API server.</summary>
    public required Endpoint Endpoint { get; init; }
    /// <summary>"sha256:&lt;hex&gt;" of the cluster CA's public key, pinned by every join.</summary>
    public required string CaCertHash { get; init; }
    /// <summary>Client URLs of the external etcd members; empty for stacked etcd.</summary>
    public required IReadOnlyList<string> ExternalEtcdEndpoints { get; init; }
}

/// <summary>
/// Renders the per-node kubeadm configuration (kubeadm.k8s.io/v1beta4) and the API server's configuration files
/// with CIS-benchmark defaults that kubeadm clusters can pass.
/// </summary>
public static class KubeadmConfigRenderer
{
    /// <summary>Placeholder for the apply-time bootstrap token; the join step substitutes INFRA_JOIN_TOKEN on the host.</summary>
    public const string JoinTokenPlaceholder = "@INFRA_JOIN_TOKEN@";

    /// <summary>kubeadm's key type for what it creates, the same as the tool's PKI.</summary>
    public const string EncryptionAlgorithm = Pki.ClusterPki.EncryptionAlgorithm;

    /// <summary>Token kubeadm init creates for itself; the engine makes its own short-lived tokens for joins.</summary>
    public static readonly string InitTokenTtl = JoinCredentials.TokenTtlText;

    /// <summary>Paths anonymous requests may reach: health checks, and the cluster-info ConfigMap token discovery reads.</summary>
    public static readonly IReadOnlyList<string> AnonymousPaths =
    [
        "/livez", "/readyz", "/healthz", "/api/v1/namespaces/kube-public/configmaps/cluster-info",
    ];

    /// <summary>Strong TLS 1.2 suites (TLS 1.3 suites are not configurable), as the CIS kubelet check expects.</summary>
    public static readonly IReadOnlyList<string> TlsCipherSuites =
    [
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    ];

    /// <summary>
    /// The node's kubeadm file: Init + Cluster + Kubelet + KubeProxy configuration on the first control plane;
    /// JoinConfiguration elsewhere (kubeadm join reads the cluster-wide documents from the cluster's ConfigMaps
    /// and ignores them in a join file).
    /// </summary>
    public static IReadOnlyList<object> Documents(KubeadmClusterInputs c, PlannedHost host, NodeJoinKind kind) => kind switch
    {
        NodeJoinKind.Init => [Init(c, host), Cluster(c), Kubelet(c.Spec), KubeProxy(c.Spec)],
        _ => [Join(c, host, kind == NodeJoinKind.JoinControlPlane)],
    };

    public static string Render(KubeadmClusterInputs c, PlannedHost host, NodeJoinKind kind) =>
        KubeYaml.SerializeAll(Documents(c, host, kind));

    public static InitConfiguration Init(KubeadmClusterInputs c, PlannedHost host) => new()
    {
        BootstrapTokens =
        [
            new BootstrapToken
            {
                Description = "kubeadm init's own token; joins use short-lived tokens made at apply time",
                Ttl = InitTokenTtl,
                Usages = ["signing", "authentication"],
                Groups = ["system:bootstrappers:kubeadm:default-node-token"],
            },
        ],
        NodeRegistration = Registration(c.Spec, host),
        LocalAPIEndpoint = NodeAddress(host) is { } a ? new ApiEndpoint { AdvertiseAddress = a, BindPort = Endpoint.ApiServerPort } : null,
        Patches = PatchesOf(c, host),
    };

    /// <summary>The per-node patches kubeadm applies to this node's static pods (metrics on the node's address).</summary>
    public static IReadOnlyList<KubeadmPatch> NodePatches(KubeadmClusterInputs c, PlannedHost host) =>
        ControlPlaneMetrics.Patches(host, stackedEtcd: c.ExternalEtcdEndpoints.Count == 0);

    private static Patches? PatchesOf(KubeadmClusterInputs c, PlannedHost host) =>
        NodePatches(c, host).Count > 0 ? new Patches { Directory = HostPaths.KubeadmPatchesDir } : null;

    public static JoinConfiguration Join(KubeadmClusterInputs c, PlannedHost host, bool controlPlane) => new()
    {
        NodeRegistration = Registration(c.Spec, host),
        Discovery = new Discovery
        {
            BootstrapToken = new BootstrapTokenDiscovery
            {
                Token = JoinTokenPlaceholder,
                ApiServerEndpoint = c.Endpoint.ToString(),
                CaCertHashes = [c.CaCertHash],
            },
        },
        // The tool places the shared PKI on every control plane, so no certificate key (no kubeadm-certs Secret).
        ControlPlane = controlPlane
            ? new JoinControlPlane
            {
                LocalAPIEndpoint = NodeAddress(host) is { } a ? new ApiEndpoint { AdvertiseAddress = a, BindPort = Endpoint.ApiServerPort } : null,
            }
            : null,
        Patches = controlPlane ? PatchesOf(c, host) : null,
    };

    public static ClusterConfiguration Cluster(KubeadmClusterInputs c)
    {
        var spec = c.Spec;
        return new ClusterConfiguration
        {
            Etcd = c.ExternalEtcdEndpoints.Count == 0
                ? new Etcd { Local = new LocalEtcd { DataDir = HostPaths.EtcdDataDir } }
                : new Etcd
                {
                    External = new ExternalEtcd
                    {
                        Endpoints = c.ExternalEtcdEndpoints,
                        CaFile = Pki.PkiFiles.EtcdCaCert,
                        CertFile = Pki.PkiFiles.ApiServerEtcdClientCert,
                        KeyFile = Pki.PkiFiles.ApiServerEtcdClientKey,
                    },
                },
            Networking = new Networking
            {
                PodSubnet = spec.Network.PodCidr.ToString(),
                ServiceSubnet = spec.Network.ServiceCidr.ToString(),
                DnsDomain = spec.Kubernetes.DnsDomain,
            },
            KubernetesVersion = "v" + spec.Kubernetes.Version,
            ControlPlaneEndpoint = c.Endpoint.ToString(),
            ApiServer = new ApiServer
            {
                ExtraArgs = ApiServerArgs(),
                ExtraVolumes =
                [
                    new HostPathMount
                    {
                        Name = "infra-apiserver-config",
                        HostPath = HostPaths.ApiServerConfigDir,
                        MountPath = HostPaths.ApiServerConfigDir,
                        ReadOnly = true,
                        PathType = "Directory",
                    },
                    new HostPathMount
                    {
                        Name = "audit-log",
                        HostPath = HostPaths.AuditLogDir,
                        MountPath = HostPaths.AuditLogDir,
                        ReadOnly = false,
                        PathType = "DirectoryOrCreate",
                    },
                ],
            },
            ControllerManager = new ControlPlaneComponent { ExtraArgs = [A("profiling", "false")] },
            Scheduler = new ControlPlaneComponent { ExtraArgs = [A("profiling", "false")] },
            CertificatesDir = PkiFiles.KubernetesPkiDir,
            ImageRepository = spec.Kubernetes.ImageRepository,
            ClusterName = spec.Name,
            EncryptionAlgorithm = EncryptionAlgorithm,
        };
    }

    /// <summary>
    /// API server flags. Anonymous access is limited by the AuthenticationConfiguration, so there is no
    /// --anonymous-auth flag (the API server refuses to start with both).
    /// </summary>
    public static IReadOnlyList<Arg> ApiServerArgs() =>
    [
        A("authentication-config", HostPaths.AuthenticationConfig),
        A("profiling", "false"),
        A("audit-policy-file", HostPaths.AuditPolicy),
        A("audit-log-path", HostPaths.AuditLog),
        A("audit-log-maxage", "30"),
        A("audit-log-maxbackup", "10"),
        A("audit-log-maxsize", "100"),
        A("encryption-provider-config", HostPaths.EncryptionConfig),
        A("service-account-extend-token-expiration", "false"),
        A("enable-admission-plugins", "NodeRestriction"),
        A("admission-control-config-file", HostPaths.AdmissionConfig),
        // Kubelet serving certificates are signed by the cluster CA with the node's addresses.
        A("kubelet-certificate-authority", PkiFiles.ClusterCaCert),
        A("tls-min-version", "VersionTLS12"),
        A("tls-cipher-suites", string.Join(",", TlsCipherSuites)),
    ];

    public static KubeletConfiguration Kubelet(ClusterSpec spec) => new()
    {
        StaticPodPath = HostPaths.ManifestsDir,
        ReadOnlyPort = 0,
        TlsCertFile = PkiFiles.KubeletServingCert,
        TlsPrivateKeyFile = PkiFiles.KubeletServingKey,
        TlsCipherSuites = TlsCipherSuites,
        TlsMinVersion = "VersionTLS12",
        RotateCertificates = true,
        // The tool issues the serving certificate from the cluster CA; no CSR waits for an approver.
        ServerTLSBootstrap = false,
        Authentication = new KubeletAuthentication
        {
            X509 = new KubeletX509Authentication { ClientCAFile = PkiFiles.ClusterCaCert },
            Webhook = new KubeletWebhookAuthentication { Enabled = true, CacheTTL = "2m0s" },
            Anonymous = new KubeletAnonymousAuthentication { Enabled = false },
        },
        Authorization = new KubeletAuthorization
        {
            Mode = "Webhook",
            Webhook = new KubeletWebhookAuthorization { CacheAuthorizedTTL = "5m0s", CacheUnauthorizedTTL = "30s" },
        },
        ClusterDomain = spec.Kubernetes.DnsDomain,
        ClusterDNS = [spec.Network.ServiceCidr.AddressAt(10).ToString()],
        CgroupDriver = "systemd",
        // prepare.sysctl sets the kernel values the kubelet checks.
        ProtectKernelDefaults = true,
        MakeIPTablesUtilChains = true,
        FailSwapOn = true,
        ContainerRuntimeEndpoint = HostPaths.CriSocket,
    };

    public static KubeProxyConfiguration KubeProxy(ClusterSpec spec) => new()
    {
        ClusterCIDR = spec.Network.PodCidr.ToString(),
        Mode = "iptables",
        MetricsBindAddress = ControlPlaneMetrics.KubeProxyMetricsBindAddress,
    };

    public static AuthenticationConfiguration Authentication() => new()
    {
        Anonymous = new AnonymousAuthConfig
        {
            Enabled = true,
            Conditions = [.. AnonymousPaths.Select(p => new AnonymousAuthCondition { Path = p })],
        },
    };

    /// <summary>
    /// secretbox (XSalsa20-Poly1305) first for Secrets, identity after it so unencrypted data stays readable. The
    /// provider's keys in order: the first encrypts, every one decrypts (a second one only while a rotation runs).
    /// </summary>
    public static EncryptionConfiguration Encryption(IReadOnlyList<Pki.NamedEncryptionKey> keys) => new()
    {
        Resources =
        [
            new EncryptionResource
            {
                Resources = ["secrets"],
                Providers =
                [
                    new EncryptionProvider { Secretbox = new KeyedProvider { Keys = [.. keys.Select(k => new EncryptionKey { Name = k.Name, Secret = k.Secret })] } },
                    new EncryptionProvider { Identity = new IdentityProvider() },
                ],
            },
        ],
    };

    /// <summary>Pod Security Admission: baseline enforced, restricted audited and warned, kube-system exempt.</summary>
    public static AdmissionConfiguration Admission() => new()
    {
        Plugins =
        [
            new AdmissionPluginConfiguration
            {
                Name = "PodSecurity",
                Configuration = new PodSecurityConfiguration
                {
                    Defaults = new PodSecurityDefaults
                    {
                        Enforce = "baseline",
                        EnforceVersion = "latest",
                        Audit = "restricted",
                        AuditVersion = "latest",
                        Warn = "restricted",
                        WarnVersion = "latest",
                    },
                    Exemptions = new PodSecurityExemptions { Usernames = [], RuntimeClasses = [], Namespaces = ["kube-system"] },
                },
            },
        ],
    };

    /// <summary>Metadata for every request (no bodies: Secrets never reach the log), nothing for health checks.</summary>
    public static AuditPolicy Audit() => new()
    {
        OmitStages = ["RequestReceived"],
        Rules =
        [
            new AuditPolicyRule { Level = "None", NonResourceURLs = ["/healthz*", "/livez*", "/readyz*", "/version"] },
            new AuditPolicyRule { Level = "None", Users = ["system:kube-proxy"], Verbs = ["watch"] },
            new AuditPolicyRule { Level = "Metadata" },
        ],
    };

    private static NodeRegistrationOptions Registration(ClusterSpec spec, PlannedHost host)
    {
        var args = new List<Arg>();
        if (NodeAddress(host) is { } ip) args.Add(A("node-ip", ip));
        var pool = host.Pool is null ? null : spec.Workers.FirstOrDefault(p => p.Name == host.Pool);
        // Only what the kubelet accepts: any other kubernetes.io / k8s.io label stops it at start-up (NodeLabelRules).
        var kubeletLabels = host.Has(Roles.Worker) && pool is not null ? NodeLabelRules.SetBy(pool.Labels, NodeLabelSetter.Kubelet) : [];
        if (kubeletLabels.Count > 0)
        {
            var labels = kubeletLabels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{LabelPart(host, l.Key)}={LabelPart(host, l.Value)}");
            args.Add(A("node-labels", string.Join(",", labels)));
        }
        return new NodeRegistrationOptions
        {
            Name = host.Name,
            CriSocket = HostPaths.CriSocket,
            Taints = host.Has(Roles.Worker) && !host.Has(Roles.ControlPlane) && pool is { Taints.Count: > 0 }
                ? [.. pool.Taints.Select(t => new Taint { Key = t.Key, Value = t.Value, Effect = t.Effect })]
                : null,
            KubeletExtraArgs = args.Count == 0 ? null : [.. args.Select(a => KubeletFlag(host, a))],
            ImagePullPolicy = "IfNotPresent",
        };
    }

    /// <summary>
    /// kubeadm writes kubeletExtraArgs into kubeadm-flags.env as one quoted variable that systemd splits on whitespace
    /// into kubelet arguments: a value with whitespace, a quote, a backslash, '$' or a control character could add a
    /// flag. Refused here whatever validation let through.
    /// </summary>
    private static Arg KubeletFlag(PlannedHost host, Arg arg)
    {
        if (arg.Value is not { Length: > 0 } value || value.Any(ch => char.IsControl(ch) || char.IsWhiteSpace(ch) || ch is '"' or '\'' or '\\' or '$' or '`'))
        {
            throw new NodeProgramException([new NodeProgramProblem(host.Name,
                $"the kubelet flag --{arg.Name} would be '{Limits.Show(arg.Value ?? "")}', which holds whitespace, a quote, a backslash, '$' or a control character (or is empty)")]);
        }
        return arg;
    }

    /// <summary>A node label's key or value: one more ',' or '=' would add a label, so neither may hold them.</summary>
    private static string LabelPart(PlannedHost host, string part)
    {
        if (part.Contains(',', StringComparison.Ordinal) || part.Contains('=', StringComparison.Ordinal))
        {
            throw new NodeProgramException([new NodeProgramProblem(host.Name,
                $"the node label part '{Limits.Show(part)}' holds ',' or '=', which would add another label to --node-labels")]);
        }
        return part;
    }

    /// <summary>The address the node advertises; null for a cloud VM not created yet (kubeadm then detects it).</summary>
    public static string? NodeAddress(PlannedHost host) => host.InternalAddress ?? host.Address;

    private static Arg A(string name, string value) => new() { Name = name, Value = value };
}
