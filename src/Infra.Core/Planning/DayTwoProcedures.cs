using Infra.Core.NodePrograms;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>
/// The day-two procedures a configuration change on a live cluster runs as steps of the node programs, by step id:
/// what <c>apply --dry-run</c> names when such a step's inputs changed.
/// </summary>
public static class DayTwoProcedures
{
    public const string Reconfigure = "reconfigure";
    public const string Relabel = "relabel";
    public const string KubeletConfiguration = "kubelet configuration";

    /// <summary>The procedure a step belongs to; null for a step of no day-two procedure.</summary>
    public static string? Of(string stepId) => stepId switch
    {
        ReconfigureSteps.ControlPlaneStepId => Reconfigure,
        AfterJoinLabels.StepId => Relabel,
        ReconfigureSteps.KubeletStepId => KubeletConfiguration,
        _ => null,
    };

    /// <summary>Why a journaled step runs again: its inputs changed, and the procedure that carries the change when it has one.</summary>
    public static string ChangedReason(string stepId) =>
        Of(stepId) is { } procedure ? $"its inputs changed: {procedure} procedure" : "its inputs changed";

    /// <summary>
    /// What <c>infra plan</c> prints for the configuration procedures, offline: which hosts carry each and what
    /// change runs it (the journals on the hosts decide whether it does; <c>apply --dry-run</c> says so per step).
    /// </summary>
    public static IReadOnlyList<string> Describe(ClusterPlan plan)
    {
        var lines = new List<string>();
        var controlPlanes = plan.Nodes.Where(n => n.Steps.Any(s => s.Id == ReconfigureSteps.ControlPlaneStepId)).Select(n => n.Host.Name).ToList();
        if (controlPlanes.Count > 0)
        {
            lines.Add($"{Reconfigure} ({ReconfigureSteps.ControlPlaneStepId}): {string.Join(", ", controlPlanes)}, one control plane at a time, "
                + "when the API server, controller manager or scheduler settings or the certificate's names (controlPlane.endpoint) changed");
        }
        var first = plan.Nodes.FirstOrDefault(n => n.Steps.Any(s => s.Id == AfterJoinLabels.StepId));
        if (first is not null)
        {
            lines.Add($"{Relabel} ({AfterJoinLabels.StepId}): from {first.Host.Name} to "
                + string.Join(", ", plan.Hosts.Where(h => h.Has(Roles.Worker)).Select(h => h.Name)) + ", when a pool's labels or taints changed");
        }
        var kubelets = plan.Nodes.Where(n => n.Steps.Any(s => s.Id == ReconfigureSteps.KubeletStepId)).Select(n => n.Host.Name).ToList();
        if (kubelets.Count > 0)
        {
            lines.Add($"{KubeletConfiguration} ({ReconfigureSteps.KubeletStepId}): {string.Join(", ", kubelets)}, one node at a time "
                + "(control planes, then workers), when the kubelet configuration changed: uploaded, written by kubeadm, the kubelet restarted and waited healthy and Ready");
        }
        lines.Add("refused on a live cluster: name, kubernetes.dnsDomain, network.podCidr, network.serviceCidr, the endpoint's port, etcd.topology, a host's roles");
        return lines;
    }
}
