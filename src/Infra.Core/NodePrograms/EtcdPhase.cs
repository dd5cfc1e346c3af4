using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Core.NodePrograms;

/// <summary>
/// The etcd phase. Stacked etcd is kubeadm's (a static pod on each control plane) and has no steps here.
/// External etcd (issue 5) is the extension point: its member steps (install, certificates from
/// KeptSecrets.Issued "etcd-server/HOST" and "etcd-peer/HOST", one member added at a time) belong in
/// <see cref="ExternalMemberSteps"/>, and <see cref="ExternalTopologyProblem"/> then returns null.
/// </summary>
internal static class EtcdPhase
{
    public static IReadOnlyList<Step> ExternalMemberSteps(BuildContext c, PlannedHost host) =>
        c.Spec.Etcd.Topology == EtcdTopology.External && host.Has(Roles.Etcd)
            ? throw new InvalidOperationException("external etcd steps are not implemented; Build rejects the topology first")
            : [];

    /// <summary>Why a cluster with external etcd cannot be built yet; null when the topology is supported.</summary>
    public static NodeProgramProblem? ExternalTopologyProblem(ClusterSpec spec) =>
        spec.Etcd.Topology == EtcdTopology.External
            ? new NodeProgramProblem(null, "etcd topology 'external' is not supported by the node programs yet (the etcd phase comes with issue 5); use 'stacked'")
            : null;
}
