using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>
/// The provider's one-worker-at-a-time kubelet configuration procedure: <c>infra apply</c> runs <c>kubelet.settings</c>
/// on the workers in a wave of their own, one at a time (<see cref="ExecutionPlan"/>), but the Pulumi engine updates the
/// workers' <c>kubeadm:index:Node</c> resources side by side. So a worker whose kubelet may restart holds the one slot of
/// the change (keyed by the step's input, the configuration's digest, the same on every worker: a new change gets a
/// fresh slot) on the first control plane, from before the step until the step returns (its kubelet restarted and its
/// node Ready again), as the upgrade's worker batches do (<see cref="UpgradePlanner.WorkerSlotFor"/>, the same script,
/// in a folder of its own).
/// </summary>
public static class KubeletSettingsSlots
{
    /// <summary>Under the upgrade's slots folder on the first control plane, apart from them: an upgrade's batch and a kubelet change count apart.</summary>
    public const string SlotsDir = UpgradePlanner.SlotsDir + "/kubelet-settings";

    /// <summary>Seconds one worker's kubelet.settings may take: its restart and readiness bounded, plus a minute for kubeadm.</summary>
    public const int SecondsPerNode = ReconfigureSteps.HealthTimeoutSeconds + 60;

    /// <summary>
    /// The slot a worker holds around its <c>kubelet.settings</c>; null for a control plane (the component's dependsOn runs
    /// them one at a time), a host that is no worker, and a program without the step.
    /// </summary>
    /// <param name="cluster">The cluster's nodes (the provider's <c>upgrade</c> input): a worker waits at most for every other one.</param>
    public static WorkerSlot? For(NodeProgram program, PlannedHost first, NodeUpgradeSettings cluster)
    {
        if (!program.Host.Has(Roles.Worker) || program.Host.Has(Roles.ControlPlane)) return null;
        if (program.Steps.FirstOrDefault(s => s.Id == ReconfigureSteps.KubeletStepId) is not { } step) return null;
        var wait = TimeSpan.FromSeconds(Math.Max(1, cluster.Nodes.Count) * SecondsPerNode);
        // The step's whole input hash differs per node (its script names the node): the digest names the change.
        var key = step.Inputs[ReconfigureSteps.KubeletDigestInput];
        return UpgradePlanner.Slot(SlotsDir, 1, program.Host.Name, key, toVersion: "", what: "kubelet configuration change", wait) with
        {
            Stopped = "the kubelet configuration goes one worker at a time and stops at the first failure, as infra apply's does",
        };
    }

    /// <summary>
    /// Whether <paramref name="step"/> runs in the slot: the kubelet configuration procedure on a node that joined before
    /// this run (its kubelet may restart). A node that joins in this run starts with the planned configuration (its join
    /// leaves the digest for reconfigure/kubelet.sh, which then restarts nothing), so new workers join side by side.
    /// </summary>
    /// <param name="journaled">The step ids the node's journal records, with any inputs.</param>
    public static bool Holds(NodeProgram program, Step step, IEnumerable<string> journaled)
    {
        if (step.Id != ReconfigureSteps.KubeletStepId) return false;
        var join = program.Steps.FirstOrDefault(s => s.RuntimeInputs.Contains(JoinCredentials.TokenInput));
        return join is not null && journaled.Contains(join.Id, StringComparer.Ordinal);
    }
}
