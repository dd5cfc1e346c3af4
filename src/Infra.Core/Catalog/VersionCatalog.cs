namespace Infra.Core.Catalog;

/// <summary>
/// The one place the tool's version pins are written (a leaf: it uses no other namespace). Each entry names its
/// upstream source, and docs/upstream.md has its row ("Node packages and images" for the node's components,
/// "Charts and their values" for the baseline, whose chart pins stay in <c>WorkloadVersions</c> with their sources
/// and take their minors from here). Update a value only together with its source.
/// </summary>
public static class VersionCatalog
{
    /// <summary>
    /// The Kubernetes minors this release of the tool supports: the three newest it knows. Every table below
    /// (components, etcd, baseline charts) has an entry for each; tests hold them to it.
    /// </summary>
    public static readonly IReadOnlyList<(int Major, int Minor)> SupportedMinors = [(1, 34), (1, 35), (1, 36)];

    /// <summary>"1.34–1.36", as messages name the window.</summary>
    public static string Window => $"{SupportedMinors[0].Major}.{SupportedMinors[0].Minor}–{SupportedMinors[^1].Major}.{SupportedMinors[^1].Minor}";

    public static bool IsSupported(int major, int minor) => SupportedMinors.Contains((major, minor));

    /// <summary>What a node runs besides Kubernetes itself, per minor (see <see cref="NodeComponents"/>).</summary>
    public static NodeComponents? ComponentsFor(int major, int minor) => (major, minor) switch
    {
        // containerd 1.x (no RuntimeConfig CRI call: the kubelet falls back to its cgroupDriver setting, which the
        // tool sets to systemd) is supported through 1.36: kubernetes/kubernetes#136846 deferred the fallback's
        // removal from 1.36 to 1.37 (and KEP-4033, kubernetes/enhancements#6087, to 1.38); kubernetes/kubeadm#3229
        // names 1.36 the last minor for containerd 1.y. Debian 12 ships containerd 1.6.
        // Pause: kubeadm's PauseVersion (cmd/kubeadm/app/constants/constants.go) per release branch. containerd
        // 2.2.1: containerd/containerd releases/v2.2.1.toml. docs/upstream.md, "Pause image per minor" and "CNI plugins
        // per minor", says what was and was not verified.
        (1, 34) => new("3.10.1", "1.7.1", "2.2.1", "1.6.0"),
        (1, 35) => new("3.10.1", "1.8.0", "2.2.1", "1.6.0"),
        (1, 36) => new("3.10.2", "1.9.1", "2.2.1", "1.6.0"),
        _ => null,
    };

    /// <summary>
    /// kube-vip release rendered as a static pod for <c>controlPlane.loadBalancer: kube-vip</c>
    /// (docs/upstream.md, "kube-vip v1.2.3 … and Helm v3.19.0 … exist").
    /// </summary>
    public const string KubeVipImage = "ghcr.io/kube-vip/kube-vip:v1.2.3";

    /// <summary>The Helm release the workloads phase uses (Helm 3: the charts pinned here are tested with it); same row.</summary>
    public const string HelmVersion = "v3.19.0";

    /// <summary>
    /// The etcd external members run, per minor: kubeadm's SupportedEtcdVersion for the minor (cmd/kubeadm/app/constants;
    /// 3.6.9-0 for 34, 35 and 36 after etcd's 3.6.9 bump, docs/upstream.md "SupportedEtcdVersion per minor"), the SHA-256
    /// of etcd-vVERSION-linux-amd64.tar.gz as the release's SHA256SUMS lists it (docs/upstream.md, "etcd v3.6.9
    /// linux-amd64 archive SHA-256"), and kubeadm's MinExternalEtcdVersion. A minor whose etcd is newer than the
    /// previous minor's makes an upgrade to it upgrade the external members first (UpgradePlanner); null for a minor
    /// the tool does not support.
    /// </summary>
    public static (string Version, string Sha256, string MinimumForKubeadm)? EtcdFor(int major, int minor) => (major, minor) switch
    {
        (1, 34) or (1, 35) or (1, 36) => Etcd369,
        _ => null,
    };

    private static readonly (string Version, string Sha256, string MinimumForKubeadm) Etcd369 =
        ("3.6.9", "633136f13fcadac52e5c0ddcb97912643af6fcb9cb362e75774d0f96f7666396", "3.5.24");

    /// <summary>The newest supported minor's etcd: what kubeadm's stacked etcd image runs (the day-two etcd commands are written for it).</summary>
    public static (string Version, string Sha256, string MinimumForKubeadm) Etcd => EtcdFor(SupportedMinors[^1].Major, SupportedMinors[^1].Minor)!.Value;
}

/// <summary>Versions of what a node runs besides Kubernetes itself, for one minor.</summary>
/// <param name="Pause">The pause (sandbox) image tag kubeadm pins for the minor (cmd/kubeadm/app/constants PauseVersion).</param>
/// <param name="CniPlugins">containernetworking/plugins release upstream Kubernetes pins for the minor.</param>
/// <param name="Containerd">containerd installed by the tool (repository: Docker's containerd.io package; bundle: the release tarball).</param>
/// <param name="MinimumContainerd">Oldest containerd accepted on a host whose containerd is preinstalled.</param>
public sealed record NodeComponents(string Pause, string CniPlugins, string Containerd, string MinimumContainerd);
