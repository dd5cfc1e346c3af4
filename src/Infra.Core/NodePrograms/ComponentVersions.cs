using Infra.Core.Catalog;
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

    public static IReadOnlyList<int> SupportedMinors { get; } = [.. VersionCatalog.SupportedMinors.Select(m => m.Minor)];

    /// <summary>The components of a Kubernetes release, or null for a minor the node programs do not support.</summary>
    public static ComponentVersions? For(KubernetesVersion version) =>
        VersionCatalog.ComponentsFor(version.Major, version.Minor) is { } c
            ? new() { Kubernetes = version, Pause = c.Pause, CniPlugins = c.CniPlugins, Containerd = c.Containerd, MinimumContainerd = c.MinimumContainerd }
            : null;

    /// <summary>kubelet refuses cgroup v1 hosts from 1.35 on (failCgroupV1 defaults to true).</summary>
    public bool RequiresCgroupV2 => Kubernetes.Minor >= 35;
}
