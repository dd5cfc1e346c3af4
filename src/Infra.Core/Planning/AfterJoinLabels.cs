using System.Globalization;
using System.Text;
using Infra.Core.Model;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>The pool labels of one node that the kubelet may not set itself (<see cref="NodeLabelRules"/>).</summary>
public sealed record NodeLabels(string Node, IReadOnlyList<KeyValuePair<string, string>> Labels);

/// <summary>
/// Labels applied from the first control plane once every node has joined: <c>node-role.kubernetes.io/*</c> and any
/// other kubernetes.io / k8s.io label the kubelet refuses in <c>--node-labels</c>. <c>infra apply</c> runs
/// <see cref="Step"/> in the workloads phase; the Pulumi program maps <see cref="Of"/> to Node patches.
/// </summary>
public static class AfterJoinLabels
{
    public const string StepId = "workloads.node-labels";

    /// <summary>Annotation listing the keys this step set, so that a key taken out of the stack is taken off the node.</summary>
    public const string Annotation = "infra/after-join-labels";

    /// <summary>Seconds a node may take to appear after its join (the kubelet registers it right after TLS bootstrap).</summary>
    public const int RegisterTimeoutSeconds = 120;

    /// <summary>Every worker whose pool carries labels only the control plane may set, in host order.</summary>
    public static IReadOnlyList<NodeLabels> Of(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts) =>
    [
        .. hosts
            .Where(h => h.Has(Roles.Worker) && h.Pool is not null)
            .Select(h => (Host: h, Pool: spec.Workers.FirstOrDefault(p => p.Name == h.Pool)))
            .Where(x => x.Pool is not null)
            .Select(x => new NodeLabels(x.Host.Name, NodeLabelRules.SetBy(x.Pool!.Labels, NodeLabelSetter.AfterJoin)))
            .Where(n => n.Labels.Count > 0),
    ];

    /// <summary>The workloads-phase step for the first control plane; null when no node needs such labels.</summary>
    public static Step? Step(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, OsFamily os)
    {
        var nodes = Of(spec, hosts);
        if (nodes.Count == 0) return null;
        var args = new ShellArgs().Set("ADMIN_CONF", HostPaths.AdminConf)
            .Set("REGISTER_TIMEOUT", RegisterTimeoutSeconds.ToString(CultureInfo.InvariantCulture)).Set("ANNOTATION", Annotation);
        var calls = new StringBuilder();
        var names = new List<string>();
        for (var i = 0; i < nodes.Count; i++)
        {
            args.Set($"NODE_{i}", nodes[i].Node).List($"LABELS_{i}", nodes[i].Labels.Select(l => $"{l.Key}={l.Value}"));
            names.AddRange([$"NODE_{i}", $"LABELS_{i}[]"]);
            calls.Append($"label_node \"$NODE_{i}\" \"${{LABELS_{i}[@]}}\"\n");
        }
        return Model.Step.Create(
            StepId,
            Phase.Workloads,
            "label nodes with what the kubelet may not set itself (" + string.Join(", ", nodes.Select(n => n.Node)) + ")",
            ShellScript.Render(args, ShellScript.Load("labels/label-node.sh"), ShellScript.Generated(calls.ToString(), names)),
            check: null,
            new Dictionary<string, string>(StringComparer.Ordinal),
            [os]);
    }
}
