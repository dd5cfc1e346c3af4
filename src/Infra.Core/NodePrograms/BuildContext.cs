using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Spec;

namespace Infra.Core.NodePrograms;

/// <summary>Everything the steps of one cluster are rendered from, checked before any step is made.</summary>
internal sealed record BuildContext
{
    public required ClusterSpec Spec { get; init; }
    public required IReadOnlyList<PlannedHost> Hosts { get; init; }
    public required KeptSecrets Secrets { get; init; }
    public required BundleManifest? Bundle { get; init; }
    public required ComponentVersions Versions { get; init; }
    public required KubeadmClusterInputs Kubeadm { get; init; }
    public required PlannedHost FirstControlPlane { get; init; }

    public PackageSource Source => Spec.Packages.Source;
    public bool KubeVip => Spec.ControlPlane.LoadBalancer == LoadBalancerKind.KubeVip;
    public string K8sVersion => "v" + Spec.Kubernetes.Version;

    public BundleUpload Upload(string name, string mode = "0644")
    {
        return BundleUpload.ToCache(name, Bundle!.Find(name)!.Sha256, mode);
    }
}
