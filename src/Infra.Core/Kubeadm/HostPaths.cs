namespace Infra.Core.Kubeadm;

/// <summary>Where the tool puts things on a node.</summary>
public static class HostPaths
{
    public const string KubernetesDir = "/etc/kubernetes";
    public const string PkiDir = Pki.PkiFiles.KubernetesPkiDir;
    public const string ManifestsDir = "/etc/kubernetes/manifests";
    /// <summary>The tool's own files under /etc/kubernetes (not touched by kubeadm reset, removed by the reset phase).</summary>
    public const string InfraDir = "/etc/kubernetes/infra";
    public const string KubeadmConfig = InfraDir + "/kubeadm.yaml";
    /// <summary>The node's kubeadm patches (ControlPlaneMetrics), named in its Init/JoinConfiguration.</summary>
    public const string KubeadmPatchesDir = InfraDir + "/patches";
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
    public const string ClusterCaCert = Pki.PkiFiles.ClusterCaCert;
    /// <summary>The kubelet serving pair the tool issues (PkiFiles places it).</summary>
    public const string KubeletServingCert = Pki.PkiFiles.KubeletServingCert;
    public const string KubeletServingKey = Pki.PkiFiles.KubeletServingKey;
    public const string CriSocket = "unix:///run/containerd/containerd.sock";
    public const string EtcdDataDir = "/var/lib/etcd";
    /// <summary>The engine's journal; the reset phase removes the directory.</summary>
    public const string JournalDir = "/var/lib/infra";
    /// <summary>Where bundle files land before their checksum is verified and they are installed.</summary>
    public const string BundleCacheDir = "/var/cache/infra/bundle";
    /// <summary>Runtime copies of configuration holding apply-time values (join token), on tmpfs.</summary>
    public const string RuntimeDir = "/run/infra";
}
