using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>A host the cluster had and the stack no longer has: drained and deleted through the first control plane, then reset.</summary>
public sealed record NodeRemoval
{
    public required RecordedHost Member { get; init; }
    /// <summary>Run on the first control plane, in order: the drain, then the node object's deletion.</summary>
    public required IReadOnlyList<Step> FromFirstControlPlane { get; init; }
    /// <summary>The member's own reset steps, run on it once its node is gone from the cluster.</summary>
    public required NodeProgram Reset { get; init; }
}

/// <summary>What taking hosts out of the stack asks for: the removals, or why they are refused by host (nothing runs then).</summary>
public sealed record NodeRemovalPlan(IReadOnlyList<NodeRemoval> Removals, IReadOnlyList<(string Host, NodeChangeRefusal Refusal)> Refusals)
{
    public static readonly NodeRemovalPlan None = new([], []);
}

/// <summary>Plans the removal of the hosts the cluster's member record has and the plan does not.</summary>
public static class NodeRemovals
{
    public static NodeRemovalPlan Plan(ClusterPlan plan, IReadOnlyList<RecordedHost> recorded)
    {
        var planned = plan.Hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        var first = plan.Hosts.FirstOrDefault(h => h.Has(Roles.ControlPlane));
        var removals = new List<NodeRemoval>();
        var refusals = new List<(string, NodeChangeRefusal)>();
        // The record keeps bootstrap order: its first control plane is the one that initialized the cluster.
        var initializer = recorded.FirstOrDefault(m => m.Roles.Contains(Roles.ControlPlane))?.Name;
        foreach (var member in recorded.Where(m => !planned.Contains(m.Name)))
        {
            if (Refusal(plan, member, initializer) is { } why)
            {
                refusals.Add((member.Name, new NodeChangeRefusal("hosts", $"host {member.Name} is no longer in the stack: {why}")));
                continue;
            }
            if (first is null)
            {
                refusals.Add((member.Name, new NodeChangeRefusal("hosts", $"host {member.Name} is no longer in the stack, and no control plane is left to remove its node through")));
                continue;
            }
            var host = ClusterMembers.ToPlannedHost(member);
            removals.Add(new NodeRemoval
            {
                Member = member,
                FromFirstControlPlane = FromFirstControlPlane(member.Name, plan.Spec.Kubernetes.Upgrade, first.Os),
                Reset = NodeProgramBuilder.ResetProgram(plan.Spec, plan.Hosts, host, plan.SecretMaterial, plan.Bundle),
            });
        }
        return new NodeRemovalPlan(removals, refusals);
    }

    /// <summary>Why a recorded host cannot be removed by an apply, or null.</summary>
    private static string? Refusal(ClusterPlan plan, RecordedHost member, string? initializer)
    {
        if (member.Roles.Contains(Roles.Etcd))
        {
            return "removing an external etcd member is not built yet (the member list must change first); put the host back in the stack, " +
                "or run 'infra reset --hosts " + member.Name + "' while it is still in the stack (it leaves the member list first)";
        }
        if (member.Roles.Contains(Roles.ControlPlane) && member.Name == initializer)
        {
            return "it is the control plane that initialized the cluster (the tool keeps the cluster's record and runs the workloads there); " +
                "moving that role is not built yet: put the host back first in the stack's control planes";
        }
        if (member.Roles.Contains(Roles.ControlPlane) && plan.Spec.Etcd.Topology == EtcdTopology.Stacked)
        {
            return "a control plane with stacked etcd holds an etcd member, and removing it (the member list first, counting quorum) is not built yet; " +
                "put the host back in the stack, or take it out by hand (README, \"Removing a node\")";
        }
        return null;
    }

    /// <summary>What removes <paramref name="node"/> from the cluster, run on the first control plane (of <paramref name="os"/>): drain, then delete.</summary>
    public static IReadOnlyList<Step> FromFirstControlPlane(string node, UpgradeSpec drain, OsFamily os) =>
        [NodeDrain.For(RemovalPrefix + node + ".drain", Phase.Reset, node, drain, os, $"drain node {node} before its removal"), Delete(node, os)];

    private const string RemovalPrefix = "remove.";

    private static Step Delete(string node, OsFamily os) => Step.Create($"{RemovalPrefix}{node}.delete-node", Phase.Reset,
        $"delete node {node} from the cluster",
        ShellScript.Render(new ShellArgs().Set("ADMIN_CONF", HostPaths.AdminConf).Set("NODE", node), ShellScript.Load("nodes/delete.sh")),
        check: null, new Dictionary<string, string>(), [os]);
}
