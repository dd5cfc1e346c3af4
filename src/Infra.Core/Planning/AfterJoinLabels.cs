using System.Text;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
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

    private const string Function = """
        export KUBECONFIG=/etc/kubernetes/admin.conf
        # label_node NODE KEY=VALUE...: waits for the node, sets the labels, removes those an earlier run set that
        # the stack no longer has, and records the keys it set.
        label_node() {
          local node=$1 kv key previous keys="" i
          shift
          for kv in "$@"; do keys+="${kv%%=*},"; done
          keys=${keys%,}
          for ((i = 0; i < REGISTER_TIMEOUT / 2; i++)); do
            kubectl get node "$node" >/dev/null 2>&1 && break
            sleep 2
          done
          previous=$(kubectl get node "$node" -o "go-template={{with .metadata.annotations}}{{with index . \"$ANNOTATION\"}}{{.}}{{end}}{{end}}")
          local -a old=() stale=()
          IFS=, read -r -a old <<<"$previous"
          for key in "${old[@]}"; do
            case ",$keys," in
              *",$key,"*) ;;
              *) stale+=("$key-") ;;
            esac
          done
          kubectl label node "$node" --overwrite "$@" "${stale[@]}"
          kubectl annotate node "$node" --overwrite "$ANNOTATION=$keys"
        }

        """;

    /// <summary>The workloads-phase step for the first control plane; null when no node needs such labels.</summary>
    public static Step? Step(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, OsFamily os)
    {
        var nodes = Of(spec, hosts);
        if (nodes.Count == 0) return null;
        var sb = new StringBuilder();
        sb.Append("readonly REGISTER_TIMEOUT=").Append(RegisterTimeoutSeconds).Append('\n');
        sb.Append("readonly ANNOTATION=").Append(Bash.Quote(Annotation)).Append('\n');
        sb.Append(Function);
        for (var i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            sb.Append($"readonly NODE_{i}=").Append(Bash.Quote(n.Node)).Append('\n');
            sb.Append($"readonly -a LABELS_{i}=(");
            sb.Append(string.Join(' ', n.Labels.Select(l => Bash.Quote($"{l.Key}={l.Value}"))));
            sb.Append(")\n");
            sb.Append($"label_node \"$NODE_{i}\" \"${{LABELS_{i}[@]}}\"\n");
        }
        return Steps.Create(
            StepId,
            Phase.Workloads,
            "label nodes with what the kubelet may not set itself (" + string.Join(", ", nodes.Select(n => n.Node)) + ")",
            sb.ToString(),
            check: null,
            new Dictionary<string, string>(StringComparer.Ordinal),
            [os]);
    }
}
