using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>A host the cluster had and the stack no longer has: drained and deleted through the first control plane, then reset.</summary>
public sealed record NodeRemoval
{
    public required RecordedHost Member { get; init; }
    /// <summary>Run on the first control plane, in order: the drain, the stacked etcd member's removal (a control plane with stacked etcd), then the node object's deletion.</summary>
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
        var stacked = plan.Spec.Etcd.Topology == EtcdTopology.Stacked;
        // Stacked etcd: every control plane is a member. The planned ones (added ones join first) stay; the gone ones leave.
        var staying = plan.Hosts.Count(h => h.Has(Roles.ControlPlane));
        var leaving = stacked ? recorded.Count(m => m.Roles.Contains(Roles.ControlPlane) && !planned.Contains(m.Name)) : 0;
        foreach (var member in recorded.Where(m => !planned.Contains(m.Name)))
        {
            if ((Refusal(plan, member, initializer) ?? (stacked && member.Roles.Contains(Roles.ControlPlane) ? MemberRefusal(staying, leaving) : null)) is { } why)
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
                FromFirstControlPlane = FromFirstControlPlane(host, plan.Spec.Etcd.Topology, plan.Spec.Kubernetes.Upgrade, first.Os),
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
        return null;
    }

    /// <summary>
    /// Why the stacked etcd members of the control planes taken out cannot leave, or null: the <paramref name="staying"/>
    /// members must be a majority of the members before any leaves (staying + <paramref name="leaving"/>), so that the
    /// cluster keeps quorum even if every leaving member is down; and they must be an odd count (the stack's rule for
    /// control planes with stacked etcd, StackValidator).
    /// </summary>
    public static string? MemberRefusal(int staying, int leaving)
    {
        var before = staying + leaving;
        if (staying < EtcdQuorum.Of(before))
        {
            return $"with stacked etcd, removing {leaving} of {before} control planes would lose etcd quorum ({staying} left, a majority of {before} is {EtcdQuorum.Of(before)}); " +
                "remove fewer control planes per apply";
        }
        if (staying % 2 == 0)
        {
            return $"with stacked etcd, {staying} control planes would be left, an even etcd member count; " +
                "keep an odd count (replace the control plane: remove one, add one in the same apply)";
        }
        return null;
    }

    /// <summary>What removes <paramref name="node"/> from the cluster, run on the first control plane (of <paramref name="os"/>): drain, then delete.</summary>
    public static IReadOnlyList<Step> FromFirstControlPlane(string node, UpgradeSpec drain, OsFamily os) =>
        [NodeDrain.For(RemovalPrefix + node + ".drain", Phase.Reset, node, drain, os, $"drain node {node} before its removal"), Delete(node, os)];

    /// <summary>
    /// What removes <paramref name="node"/> from the cluster, run on the first control plane (of <paramref name="os"/>): a
    /// control plane with stacked etcd has its member leave between the drain and the deletion; any other node is
    /// drained and deleted.
    /// </summary>
    public static IReadOnlyList<Step> FromFirstControlPlane(PlannedHost node, EtcdTopology etcd, UpgradeSpec drain, OsFamily os) =>
        etcd == EtcdTopology.Stacked && node.Has(Roles.ControlPlane)
            ? FromFirstControlPlaneWithEtcdMember(node.Name, drain, os)
            : FromFirstControlPlane(node.Name, drain, os);

    /// <summary>A control plane with stacked etcd: drain, then its etcd member leaves the member list, then its node is deleted.</summary>
    public static IReadOnlyList<Step> FromFirstControlPlaneWithEtcdMember(string node, UpgradeSpec drain, OsFamily os)
    {
        var steps = FromFirstControlPlane(node, drain, os);
        return [steps[0], EtcdMemberRemove(node, os), steps[1]];
    }

    private const string RemovalPrefix = "remove.";

    /// <summary>
    /// The member named after <paramref name="node"/> leaves kubeadm's etcd, through the first control plane's own member
    /// (crictl exec into its etcd container, kubeadm's health-check client), only when every other member is healthy.
    /// A member already gone is nothing to do (a re-run resumes here); the node's own member may be down (unreachable host).
    /// </summary>
    private static Step EtcdMemberRemove(string node, OsFamily os)
    {
        var etcd = EtcdCommands.KubeadmHealthcheck;
        string[] local = ["https://127.0.0.1:" + PlannedMember.ClientPort];
        var text = etcd.Preamble + $$"""
            members=$({{etcd.MemberListSimple(local)}})
            # simple format: id, status, name, peer URLs, client URLs, is-learner
            id=$(printf '%s\n' "$members" | awk -F', ' -v name="$NODE" '$3 == name { print $1 }')
            if [ -z "$id" ]; then
              echo "etcd has no member named $NODE: nothing to remove"
              exit 0
            fi
            if printf '%s\n' "$members" | awk -F', ' -v name="$NODE" '$3 != name && $2 != "started" { found = 1 } END { exit !found }'; then
              echo "an etcd member other than $NODE has not started; removing $NODE's member now could lose quorum" >&2
              exit 1
            fi
            others=$(printf '%s\n' "$members" | awk -F', ' -v name="$NODE" '$3 != name { print $5 }' | paste -sd, -)
            if ! {{etcd.EndpointHealthIn("others")}}; then
              echo "not every etcd member other than $NODE is healthy; its member stays (removing it now could lose quorum): fix the unhealthy member, then run apply again" >&2
              exit 1
            fi
            {{etcd.MemberRemoveIn(local, "id")}}

            """;
        return Step.Create($"{RemovalPrefix}{node}.etcd-member", Phase.Reset,
            $"remove {node}'s stacked etcd member from the member list (every other member healthy)",
            ShellScript.Render(new ShellArgs().Set("NODE", node), ShellScript.Generated(text, ["NODE"])),
            check: null, Steps.In(("node", node)), [os]);
    }

    private static Step Delete(string node, OsFamily os) => Step.Create($"{RemovalPrefix}{node}.delete-node", Phase.Reset,
        $"delete node {node} from the cluster",
        ShellScript.Render(new ShellArgs().Set("ADMIN_CONF", HostPaths.AdminConf).Set("NODE", node), ShellScript.Load("nodes/delete.sh")),
        check: null, new Dictionary<string, string>(), [os]);
}
