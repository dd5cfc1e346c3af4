using System.Globalization;
using System.Text;
using Infra.Core.Model;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>The pool labels of one node that the kubelet may not set itself (<see cref="NodeLabelRules"/>).</summary>
public sealed record NodeLabels(string Node, IReadOnlyList<KeyValuePair<string, string>> Labels);

/// <summary>A worker's pool labels and taints as the running node must carry them (all of them, whoever may set them).</summary>
public sealed record NodeLiveSettings(string Node, IReadOnlyList<KeyValuePair<string, string>> Labels, IReadOnlyList<Taint> Taints)
{
    /// <summary>kubectl's form: KEY=VALUE:EFFECT, or KEY:EFFECT without a value.</summary>
    public static string TaintArgument(Taint t) => t.Value is null ? $"{t.Key}:{t.Effect}" : $"{t.Key}={t.Value}:{t.Effect}";

    /// <summary>What names a taint on a node (kubectl removes KEY:EFFECT-).</summary>
    public static string TaintId(Taint t) => $"{t.Key}:{t.Effect}";
}

/// <summary>
/// Labels and taints applied from the first control plane to the running nodes (the relabel procedure), in the
/// workloads phase: the kubelet sets its pool labels only when a node registers and kubeadm its taints only at join,
/// so a pool label or taint changed on a live cluster reaches its nodes here (<c>kubectl label/taint --overwrite</c>),
/// and one taken out of the stack is removed when this step set it (<see cref="Annotation"/>, <see cref="TaintsAnnotation"/>).
/// <see cref="Of"/> is what the kubelet may not set itself (<c>node-role.kubernetes.io/*</c>, …), for the Pulumi program's Node patches.
/// </summary>
public static class AfterJoinLabels
{
    public const string StepId = "workloads.node-labels";

    /// <summary>Annotation listing the label keys this step set, so that a key taken out of the stack is taken off the node.</summary>
    public const string Annotation = "infra/after-join-labels";

    /// <summary>Annotation listing the taints (KEY:EFFECT) this step set, so that one taken out of the stack is taken off the node.</summary>
    public const string TaintsAnnotation = "infra/taints";

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

    /// <summary>
    /// Every worker with its pool's labels and taints, in host order; a worker without any is listed too, so that what
    /// an earlier run set is taken off. Taints as kubeadm's join sets them: on workers that are not control planes.
    /// </summary>
    public static IReadOnlyList<NodeLiveSettings> Live(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts) =>
    [
        .. hosts.Where(h => h.Has(Roles.Worker)).Select(h =>
        {
            var pool = h.Pool is null ? null : spec.Workers.FirstOrDefault(p => p.Name == h.Pool);
            return new NodeLiveSettings(h.Name,
                pool is null ? [] : [.. pool.Labels.OrderBy(l => l.Key, StringComparer.Ordinal)],
                pool is null || h.Has(Roles.ControlPlane) ? [] : pool.Taints);
        }),
    ];

    /// <summary>
    /// The relabel procedure as a program of its own for the first control plane: the Pulumi path's
    /// <c>kubeadm:index:PoolLabels</c>, run after every node. Its one step is <see cref="Step"/>, the same step id and
    /// input hash as in the first control plane's program on the infra path, so both paths share one journal entry.
    /// Null when the cluster has no worker (or no control plane).
    /// </summary>
    /// <param name="hosts">The hosts in bootstrap order (planned, or as the cloud made them).</param>
    public static NodeProgram? Program(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts)
    {
        var first = hosts.FirstOrDefault(h => h.Has(Roles.ControlPlane));
        if (first is null || Step(spec, hosts, first.Os) is not { } step) return null;
        return new NodeProgram { Host = first, Steps = [step] };
    }

    /// <summary>The workloads-phase step for the first control plane; null when the cluster has no worker.</summary>
    public static Step? Step(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, OsFamily os)
    {
        var nodes = Live(spec, hosts);
        if (nodes.Count == 0) return null;
        var args = new ShellArgs().Set("ADMIN_CONF", HostPaths.AdminConf)
            .Set("REGISTER_TIMEOUT", RegisterTimeoutSeconds.ToString(CultureInfo.InvariantCulture))
            .Set("LABELS_ANNOTATION", Annotation).Set("TAINTS_ANNOTATION", TaintsAnnotation);
        var calls = new StringBuilder();
        var names = new List<string>();
        for (var i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            args.Set($"NODE_{i}", n.Node).List($"LABELS_{i}", n.Labels.Select(l => $"{l.Key}={l.Value}"))
                .Set($"TAINT_IDS_{i}", string.Join(",", n.Taints.Select(NodeLiveSettings.TaintId)))
                .List($"TAINTS_{i}", n.Taints.Select(NodeLiveSettings.TaintArgument));
            names.AddRange([$"NODE_{i}", $"LABELS_{i}[]", $"TAINT_IDS_{i}", $"TAINTS_{i}[]"]);
            calls.Append($"label_node \"$NODE_{i}\" \"${{LABELS_{i}[@]}}\"\n");
            calls.Append($"taint_node \"$NODE_{i}\" \"$TAINT_IDS_{i}\" \"${{TAINTS_{i}[@]}}\"\n");
        }
        return Model.Step.Create(
            StepId,
            Phase.Workloads,
            "relabel: make the running workers carry their pools' labels and taints, removing those the tool set that the stack no longer has ("
                + string.Join(", ", nodes.Select(n => n.Node)) + ")",
            ShellScript.Render(args, ShellScript.Load("labels/label-node.sh"), ShellScript.Generated(calls.ToString(), names)),
            check: null,
            new Dictionary<string, string>(StringComparer.Ordinal),
            [os]);
    }
}
