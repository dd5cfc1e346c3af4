namespace Infra.Core.NodePrograms;

/// <summary>One file of a <c>bundle</c> folder: its name in the folder and the SHA-256 the host must find.</summary>
public sealed record BundleFile
{
    public required string Name { get; init; }
    /// <summary>Lower-case hex.</summary>
    public required string Sha256 { get; init; }
    public required long Size { get; init; }
}

/// <summary>
/// The files of a local <c>bundle</c> folder (air-gapped sites), read by the CLI; the builder only needs names and
/// checksums. Names are those of the upstream release downloads, so a wrong version is a missing file.
/// </summary>
public sealed record BundleManifest
{
    public required IReadOnlyList<BundleFile> Files { get; init; }

    public BundleFile? Find(string name) => Files.FirstOrDefault(f => f.Name == name);

    /// <summary>The files a node needs from the bundle, by role, with what each one is.</summary>
    public static IReadOnlyList<(string Name, string What)> Required(ComponentVersions v) =>
    [
        ("kubeadm", $"kubeadm v{v.Kubernetes} (dl.k8s.io/v{v.Kubernetes}/bin/linux/amd64/kubeadm)"),
        ("kubelet", $"kubelet v{v.Kubernetes}"),
        ("kubectl", $"kubectl v{v.Kubernetes}"),
        (CniArchive(v), $"CNI plugins v{v.CniPlugins}"),
        (ContainerdArchive(v), $"containerd {v.Containerd}"),
        ("runc.amd64", "runc (opencontainers/runc release asset)"),
    ];

    public static string CniArchive(ComponentVersions v) => $"cni-plugins-linux-amd64-v{v.CniPlugins}.tgz";
    public static string ContainerdArchive(ComponentVersions v) => $"containerd-{v.Containerd}-linux-amd64.tar.gz";
}
