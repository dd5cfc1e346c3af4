using Infra.Core.Pki;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>Turns a validated cluster into its plan. Pure and deterministic.</summary>
public static class ClusterPlanner
{
    /// <param name="spec">A spec that passed validation.</param>
    /// <param name="secrets">The kept secrets; null plans with placeholders for secret material.</param>
    /// <param name="inventory">Cloud VMs as created (the Pulumi program's inventory); null plans the VMs.</param>
    public static ClusterPlan Plan(ClusterSpec spec, KeptSecrets? secrets = null, IReadOnlyList<HostSpec>? inventory = null)
    {
        var hosts = inventory is null ? HostInventory.Plan(spec) : HostInventory.WithInventory(spec, inventory);
        var warnings = new List<string>();
        if (secrets is null)
        {
            warnings.Add("no kept secrets were given: certificates and keys in this plan are placeholders ('infra secrets init' creates them)");
        }
        var workloads = Workloads.BaselinePlanner.Plan(spec);
        warnings.AddRange(workloads.Warnings);
        return new ClusterPlan
        {
            Workloads = workloads,
            Spec = spec,
            Hosts = hosts,
            Nodes = [],
            SecretsArePlaceholders = secrets is null,
            Secrets = secrets,
            Warnings = warnings,
        };
    }
}
