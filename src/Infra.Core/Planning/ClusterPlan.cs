using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>Everything the tool will do to a cluster, decided before any host is touched.</summary>
public sealed record ClusterPlan
{
    /// <summary>
    /// Version of plan.json's layout; bump it when a field changes meaning. 2: <c>order</c> is the execution plan's
    /// waves (etcd members and joining control planes each one wave run one at a time, the workloads wave included,
    /// with <c>run</c> and <c>needs</c>); <c>resetOrder</c> added.
    /// </summary>
    public const int SchemaVersion = 2;

    public required ClusterSpec Spec { get; init; }
    /// <summary>Hosts in bootstrap order.</summary>
    public required IReadOnlyList<PlannedHost> Hosts { get; init; }
    /// <summary>Node programs per host (same order as <see cref="Hosts"/>); empty until they are built.</summary>
    public required IReadOnlyList<NodeProgram> Nodes { get; init; }
    /// <summary>True when the kept secrets were not given and the plan shows placeholders for secret material.</summary>
    public required bool SecretsArePlaceholders { get; init; }
    /// <summary>The kept secrets the plan was made with; null when they are placeholders.</summary>
    public Pki.KeptSecrets? Secrets { get; init; }
    /// <summary>The secrets the plan's files hold: <see cref="Secrets"/>, or the throwaway ones when those are placeholders.</summary>
    public required Pki.KeptSecrets SecretMaterial { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }
    /// <summary>The baseline workloads (manifests and pinned charts).</summary>
    public required Workloads.WorkloadPlan Workloads { get; init; }
    /// <summary>
    /// Cloud targets planned without an inventory: the networks, firewall rules, load balancer and VMs, the same
    /// records the Pulumi program maps to resources. Null on bare metal and once the VMs exist.
    /// </summary>
    public Infrastructure.InfrastructurePlan? Infrastructure { get; init; }

    /// <summary>The bundle folder's files the plan was made with (packages.source bundle), for what is planned later from it.</summary>
    public NodePrograms.BundleManifest? Bundle { get; init; }

    /// <summary>The order of work (apply and reset waves), made once from <see cref="Hosts"/>: the one source of it.</summary>
    public required Model.ExecutionPlan Execution { get; init; }

    public PlannedHost FirstControlPlane => Hosts.First(h => h.Has(Roles.ControlPlane));
}
