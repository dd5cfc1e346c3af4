using Infra.Core.Spec;

namespace Infra.Core.NodePrograms;

/// <summary>Versions of what a node runs besides Kubernetes itself, fixed per Kubernetes minor.</summary>
public sealed record ComponentVersions
{
    public required KubernetesVersion Kubernetes { get; init; }
    /// <summary>The pause (sandbox) image tag kubeadm pins for this minor (cmd/kubeadm/app/constants PauseVersion).</summary>
    public required string Pause { get; init; }
    /// <summary>containernetworking/plugins release upstream Kubernetes pins for this minor.</summary>
    public required string CniPlugins { get; init; }
    /// <summary>containerd installed by the tool (repository: Docker's containerd.io package; bundle: the release tarball).</summary>
    public required string Containerd { get; init; }
    /// <summary>Oldest containerd accepted on a host whose containerd is preinstalled.</summary>
    public required string MinimumContainerd { get; init; }

    /// <summary>kube-vip release rendered as a static pod for <c>controlPlane.loadBalancer: kube-vip</c>.</summary>
    public const string KubeVipImage = "ghcr.io/kube-vip/kube-vip:v1.2.3";

    public static readonly IReadOnlyList<int> SupportedMinors = [34, 35, 36];

    /// <summary>The components of a Kubernetes release, or null for a minor the node programs do not support.</summary>
    public static ComponentVersions? For(KubernetesVersion version)
    {
        if (version.Major != 1) return null;
        return version.Minor switch
        {
            // containerd 1.x (no RuntimeConfig CRI call: the kubelet falls back to its cgroupDriver setting, which the
            // tool sets to systemd) is supported through 1.36: kubernetes/kubernetes#136846 deferred the fallback's
            // removal from 1.36 to 1.37 (and KEP-4033, kubernetes/enhancements#6087, to 1.38); kubernetes/kubeadm#3229
            // names 1.36 the last minor for containerd 1.y. Debian 12 ships containerd 1.6.
            // Pause: kubeadm's PauseVersion (cmd/kubeadm/app/constants/constants.go) per release branch. containerd
            // 2.2.1: containerd/containerd releases/v2.2.1.toml. See docs/upstream.md for what was and was not verified.
            34 => new() { Kubernetes = version, Pause = "3.10.1", CniPlugins = "1.7.1", Containerd = "2.2.1", MinimumContainerd = "1.6.0" },
            35 => new() { Kubernetes = version, Pause = "3.10.1", CniPlugins = "1.8.0", Containerd = "2.2.1", MinimumContainerd = "1.6.0" },
            36 => new() { Kubernetes = version, Pause = "3.10.2", CniPlugins = "1.9.1", Containerd = "2.2.1", MinimumContainerd = "1.6.0" },
            _ => null,
        };
    }

    /// <summary>kubelet refuses cgroup v1 hosts from 1.35 on (failCgroupV1 defaults to true).</summary>
    public bool RequiresCgroupV2 => Kubernetes.Minor >= 35;
}
