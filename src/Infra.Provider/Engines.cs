using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Provider;

/// <summary>What a node converge returned.</summary>
public sealed record NodeApplyResult
{
    public required IReadOnlyList<string> Ran { get; init; }
    public required IReadOnlyList<string> Skipped { get; init; }
    /// <summary>Admin kubeconfig, when the program ran (or had run) <c>kubeadm init</c> on this host; else null.</summary>
    public string? AdminKubeconfig { get; init; }
}

/// <summary>
/// The part of Infra.Ssh (converge issue) the provider needs, per host: the engine takes the host's own lock,
/// keeps the journal, verifies the pinned host key, and never logs secrets. Ordering across hosts is the Pulumi
/// engine's (resource dependencies), not this interface's.
/// </summary>
public interface INodeEngine
{
    /// <summary>Makes the program true on its host: runs each step whose journal entry is missing or differs, or whose check fails.</summary>
    /// <param name="joinVia">The first control plane, where a joining host's short-lived join token is made; null for the first.</param>
    /// <param name="restarts">What restarts the users of the node's certificates after the program placed renewed ones (Core's
    /// <c>CertificateRenewalPlan.RestartsOf</c>); recorded done without running where they were placed for the first time.</param>
    /// <param name="kubeletSlot">A worker's slot (Core's <c>KubeletSettingsSlots.For</c>), held on <paramref name="joinVia"/> around its
    /// kubelet configuration change, so the workers the Pulumi engine updates side by side restart their kubelets one at a time; null: none.</param>
    Task<NodeApplyResult> ApplyAsync(NodeProgram program, PlannedHost? joinVia, IReadOnlyList<Step> restarts, WorkerSlot? kubeletSlot, NodeConnection connection,
        CancellationToken ct);

    /// <summary>Undoes the host (kubeadm reset, services stopped, what the tool installed removed, journal cleared).</summary>
    Task ResetAsync(NodeProgram program, NodeConnection connection, CancellationToken ct);

    /// <summary>
    /// A node that joined, taken out of the cluster: drained, with stacked <paramref name="etcd"/> a control plane's member
    /// removed, and deleted through <paramref name="firstControlPlane"/>, then reset.
    /// Returns a warning when the host could not be reached to reset (its node is gone from the cluster all the same).
    /// </summary>
    Task<string?> RemoveAsync(NodeProgram program, PlannedHost firstControlPlane, UpgradeSpec? settings, EtcdTopology etcd, NodeConnection connection, CancellationToken ct);

    /// <summary>
    /// The node's part of a Kubernetes upgrade (Core's <c>UpgradePlanner.ForNode</c>): each action on its host (the node,
    /// or the first control plane for the preflight, drain and uncordon), journaled there, so a failed Update run
    /// again resumes; a worker holds its <paramref name="slot"/> (Core's <c>UpgradePlanner.WorkerSlotFor</c>) from its first
    /// change to its uncordon, so workers go in batches. Returns the ids of the actions that ran.
    /// </summary>
    Task<IReadOnlyList<string>> UpgradeAsync(NodeProgram program, PlannedHost firstControlPlane, IReadOnlyList<UpgradeAction> actions,
        WorkerSlot? slot, NodeConnection connection, CancellationToken ct);

    /// <summary>
    /// An encryption key rotation (Core's <c>EncryptionKeyRotation.Plans</c>): each stage in order, each control plane in turn
    /// under its own lock, a host whose journal has a stage skipped. Returns what ran (<c>host: step</c>); throws at the first
    /// host that failed, and the stages after it do not run.
    /// </summary>
    Task<IReadOnlyList<string>> RotateEncryptionKeyAsync(IReadOnlyList<ClusterPlan> stages, NodeConnection connection, CancellationToken ct);

    /// <summary>Step id → input hash of the steps the host's journal records as done; throws when the host cannot be reached.</summary>
    Task<IReadOnlyDictionary<string, string>> JournalAsync(PlannedHost host, NodeConnection connection, CancellationToken ct);
}
