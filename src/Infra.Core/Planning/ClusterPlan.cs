using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>Everything the tool will do to a cluster, decided before any host is touched.</summary>
public sealed record ClusterPlan
{
    /// <summary>Version of plan.json's layout; bump it when a field changes meaning.</summary>
    public const int SchemaVersion = 1;

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

    public PlannedHost FirstControlPlane => Hosts.First(h => h.Has(Roles.ControlPlane));

    /// <summary>Bootstrap waves: each inner list may run in parallel, the waves run one after another.</summary>
    public IReadOnlyList<BootstrapWave> Waves()
    {
        var waves = new List<BootstrapWave> { new("prepare", Phase.Prepare, [.. Hosts]) };
        foreach (var etcd in Hosts.Where(h => h.Has(Roles.Etcd)))
        {
            waves.Add(new BootstrapWave($"etcd member {etcd.Name}", Phase.Etcd, [etcd]));
        }
        var cps = Hosts.Where(h => h.Has(Roles.ControlPlane)).ToList();
        for (var i = 0; i < cps.Count; i++)
        {
            waves.Add(new BootstrapWave(i == 0 ? $"init {cps[i].Name}" : $"join control plane {cps[i].Name}", Phase.ControlPlane, [cps[i]]));
        }
        var workers = Hosts.Where(h => h.Has(Roles.Worker) && !h.Has(Roles.ControlPlane)).ToList();
        if (workers.Count > 0) waves.Add(new BootstrapWave("join workers", Phase.Workers, workers));
        return waves;
    }
}

public sealed record BootstrapWave(string Title, Phase Phase, IReadOnlyList<PlannedHost> Hosts);
