namespace Infra.Core.Model;

/// <summary>
/// Where the tool puts things on a node: the one table of host paths, for the planners and the engine
/// (certificate and key files are in <c>Pki.PkiFiles</c>, below this directory table).
/// </summary>
public static class HostPaths
{
    public const string KubernetesDir = "/etc/kubernetes";
    public const string ManifestsDir = KubernetesDir + "/manifests";
    /// <summary>The tool's own files under /etc/kubernetes (not touched by kubeadm reset, removed by the reset phase).</summary>
    public const string InfraDir = KubernetesDir + "/infra";
    public const string KubeadmConfig = InfraDir + "/kubeadm.yaml";
    /// <summary>The node's kubeadm patches (ControlPlaneMetrics), named in its Init/JoinConfiguration.</summary>
    public const string KubeadmPatchesDir = InfraDir + "/patches";
    /// <summary>A control plane's kubeadm configuration for the reconfigure procedure (Init with this node's endpoint, and Cluster).</summary>
    public const string ControlPlaneSettings = InfraDir + "/control-plane-settings.yaml";
    /// <summary>The cluster's KubeletConfiguration as planned (the same on every node), for the kubelet.settings procedure.</summary>
    public const string KubeletSettings = InfraDir + "/kubelet-settings.yaml";
    /// <summary>Where kubeadm writes the kubelet's configuration on each node (init, join, upgrade node phase kubelet-config).</summary>
    public const string KubeletConfig = "/var/lib/kubelet/config.yaml";
    /// <summary>Files the API server reads; mounted read-only into its static pod.</summary>
    public const string ApiServerConfigDir = InfraDir + "/apiserver";
    public const string AuthenticationConfig = ApiServerConfigDir + "/authentication-config.yaml";
    public const string AuditPolicy = ApiServerConfigDir + "/audit-policy.yaml";
    public const string EncryptionConfig = ApiServerConfigDir + "/encryption-config.yaml";
    public const string AdmissionConfig = ApiServerConfigDir + "/admission-config.yaml";
    public const string AuditLogDir = "/var/log/kubernetes/audit";
    public const string AuditLog = AuditLogDir + "/audit.log";
    public const string KubeVipSource = InfraDir + "/kube-vip.yaml";
    public const string KubeVipManifest = ManifestsDir + "/kube-vip.yaml";
    public const string AdminConf = KubernetesDir + "/admin.conf";
    public const string SuperAdminConf = KubernetesDir + "/super-admin.conf";
    public const string KubeletConf = KubernetesDir + "/kubelet.conf";
    public const string CriSocket = "unix:///run/containerd/containerd.sock";
    public const string EtcdDataDir = "/var/lib/etcd";

    /// <summary>The engine's own directory (mode 0700); the reset phase removes it.</summary>
    public const string JournalDir = "/var/lib/infra";
    /// <summary>One line per finished step: id, input hash, result, unix time. The last line of an id wins.</summary>
    public const string Journal = JournalDir + "/journal";
    /// <summary>The settings the node was bootstrapped with (NodeState JSON), to refuse changes that need a procedure.</summary>
    public const string State = JournalDir + "/state.json";
    /// <summary>On the first control plane: the cluster's members as last applied (ClusterMembers JSON), to reach removed hosts.</summary>
    public const string Members = JournalDir + "/members.json";
    /// <summary>What is in effect on this node, per procedure (the digest of the settings last made true).</summary>
    public const string AppliedDir = JournalDir + "/applied";
    /// <summary>The control-plane settings digest in effect on this control plane (control-plane.settings).</summary>
    public const string AppliedControlPlane = AppliedDir + "/control-plane";
    /// <summary>Left by kubeadm init or join when they ran: the node runs the settings it was bootstrapped with.</summary>
    public const string BootstrappedFresh = AppliedDir + "/bootstrapped";
    /// <summary>The kubelet configuration digest in effect on this node (kubelet.settings).</summary>
    public const string AppliedKubelet = AppliedDir + "/kubelet";
    /// <summary>Left by kubeadm init or join when they ran: the SHA-256 of the kubelet settings the node was bootstrapped with.</summary>
    public const string KubeletBootstrappedFresh = AppliedDir + "/kubelet-bootstrapped";
    /// <summary>Where the workloads phase keeps the manifests and values it applies, on the first control plane.</summary>
    public const string WorkloadsDir = JournalDir + "/workloads";
    /// <summary>Where the etcd backup timer writes its snapshots.</summary>
    public const string EtcdSnapshotsDir = JournalDir + "/etcd-snapshots";

    /// <summary>Where bundle files land before their checksum is verified and they are installed.</summary>
    public const string BundleCacheDir = CacheDir + "/bundle";
    public const string CacheDir = "/var/cache/infra";
    /// <summary>Runtime copies of configuration holding apply-time values (join token), on tmpfs.</summary>
    public const string RuntimeDir = "/run/infra";

    /// <summary>
    /// Locks live on tmpfs: a host that lost power and booted again has no run going on it (every run's connection
    /// to it broke), so its locks must not outlive the boot. A lock left by a killed run is taken over when its holder
    /// was a process of this machine that has ended, and needs --break-lock otherwise.
    /// </summary>
    public const string LockDir = "/run/lock/infra";
    /// <summary>A directory: mkdir is atomic, so the first of two runs wins.</summary>
    public const string HostLock = LockDir + "/host";
    /// <summary>On the first control plane: one apply per cluster.</summary>
    public const string ClusterLock = LockDir + "/cluster";
}
