using System.Collections.Immutable;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Pulumi;

namespace Infra.Pulumi;

public sealed class ClusterComponentArgs
{
    public required ClusterSpec Spec { get; init; }
    /// <summary>Hosts in Core's bootstrap order (their count and order are known before any VM exists).</summary>
    public required IReadOnlyList<PlannedHost> Hosts { get; init; }
    /// <summary>The same hosts with the addresses and pinned keys they have now.</summary>
    public required Output<IReadOnlyList<PlannedHost>> Inventory { get; init; }
    public required Output<string> ApiEndpoint { get; init; }
    /// <summary>Kept secrets with the hosts' certificates (Core's JSON form), secret.</summary>
    public required Output<string> Secrets { get; init; }
    /// <summary>Node connection, wire JSON, secret.</summary>
    public required Output<string> Connection { get; init; }
    /// <summary>Resources every node waits for (the encryption key rotation).</summary>
    public IReadOnlyList<Resource> NodesAfter { get; init; } = [];
}

/// <summary>
/// <c>infra:index:Cluster</c>: one <c>kubeadm:index:Node</c> per host, ordered by Core's execution plan
/// (<see cref="Infra.Core.Model.ExecutionPlan.DependsOn"/>): external etcd members one at a time, the first control
/// plane, the other control planes one at a time, then the workers in parallel; the workloads wait for
/// <see cref="WorkloadsAfter"/>.
/// </summary>
public sealed class ClusterComponent : ComponentResource
{
    [Output("kubeconfig")]
    public Output<string> Kubeconfig { get; private set; }

    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>The nodes the execution plan runs right before the workloads wave (the workers, else the last control plane).</summary>
    public IReadOnlyList<Node> WorkloadsAfter { get; }

    /// <summary>The relabel procedure, after every node; the workloads come after it (they may select nodes by their labels). Null without a worker.</summary>
    public PoolLabels? Labels { get; }

    public ClusterComponent(string name, ClusterComponentArgs args, ComponentResourceOptions? options = null)
        : base("infra:index:Cluster", name, options)
    {
        var spec = args.Spec;
        var programs = Output.Tuple(args.Inventory, args.ApiEndpoint, args.Secrets).Apply(t =>
        {
            var endpoint = Endpoint.TryParse(t.Item2, out var e) ? e! : throw new InvalidOperationException($"the API endpoint '{t.Item2}' is not host:port");
            var built = CoreCalls.NodePrograms(spec, t.Item1, KeptSecretsSerializer.FromJson(t.Item3), endpoint);
            return built.ToImmutableDictionary(p => p.Host.Name, p => (Program: p, Restarts: CoreCalls.RenewalRestarts(spec, t.Item1, p, endpoint)), StringComparer.Ordinal);
        });

        // Each node waits for the nodes the execution plan runs before it; those come earlier in Core's host order.
        var execution = CoreCalls.Execution(args.Hosts);
        var nodes = new Dictionary<string, Node>(StringComparer.Ordinal);
        Node NodeOf(string name) => nodes.TryGetValue(name, out var n) ? n : throw new InvalidOperationException($"host {name} is ordered after a host that waits for it");
        var firstControlPlane = args.Hosts.FirstOrDefault(h => h.Has(Roles.ControlPlane))?.Name;
        var upgrade = WireJson.Serialize(NodeUpgradeSettings.Of(spec, args.Hosts));
        foreach (var host in args.Hosts)
        {
            var planned = programs.Apply(p => p.TryGetValue(host.Name, out var x) ? x : throw new InvalidOperationException($"Core planned no program for host {host.Name}"));
            var program = planned.Apply(x => x.Program);
            var dependsOn = new InputList<Resource>();
            foreach (var before in execution.DependsOn(host.Name)) dependsOn.Add(NodeOf(before));
            foreach (var before in args.NodesAfter) dependsOn.Add(before);

            var node = new Node(host.Name, new NodeArgs
            {
                Host = host.Name,
                Address = Output.Unsecret(program.Apply(p => p.Host.Address ?? "")),
                Roles = [.. host.Roles],
                KubernetesVersion = spec.Kubernetes.Version.ToString(),
                PodCidr = spec.Network.PodCidr.ToString(),
                ServiceCidr = spec.Network.ServiceCidr.ToString(),
                EtcdTopology = spec.Etcd.Topology.Name(),
                ClusterName = spec.Name,
                DnsDomain = spec.Kubernetes.DnsDomain,
                Endpoint = args.ApiEndpoint,
                // Input hashes are not secret: preview shows which steps of which host would run.
                Steps = Output.Unsecret(program.Apply(p => p.Steps.ToImmutableDictionary(s => s.Id, s => s.InputHash, StringComparer.Ordinal))),
                Program = Output.CreateSecret(program.Apply(WireJson.NodeProgram)),
                Connection = Output.CreateSecret(args.Connection),
                FirstControlPlane = host.Name == firstControlPlane,
                // Where the join credentials of the host's joining wave are made (the first control plane); empty when it does not join.
                JoinVia = execution.JoinCredentialsFor(host.Name) is { } joinVia
                    ? Output.Unsecret(programs.Apply(p => WireJson.Serialize(p[joinVia].Program.Host)))
                    : (Input<string>)"",
                // A version move: each node's Update runs its part of the upgrade, in the order of dependsOn.
                Upgrade = upgrade,
                // After an Update placed renewed certificates: what uses them restarted (the renewal itself is ClusterSecrets').
                Restarts = Output.Unsecret(planned.Apply(x => WireJson.Serialize(x.Restarts))),
            }, new CustomResourceOptions { Parent = this, DependsOn = dependsOn });
            nodes.Add(host.Name, node);
        }
        Nodes = [.. args.Hosts.Select(h => nodes[h.Name])];
        var workloads = execution.Waves.FirstOrDefault(w => w.Phase == Phase.Workloads);
        WorkloadsAfter = workloads is null ? [] : [.. execution.Before(workloads).Select(NodeOf)];
        var first = firstControlPlane is null ? null : nodes[firstControlPlane];
        if (first is null) throw new InvalidOperationException("the cluster has no control plane");
        Labels = Relabel(spec, args, Nodes);
        Kubeconfig = Output.CreateSecret(first.Kubeconfig);
        RegisterOutputs(new Dictionary<string, object?> { ["kubeconfig"] = Kubeconfig });
    }

    /// <summary>
    /// <c>kubeadm:index:PoolLabels</c> with Core's relabel program for the first control plane (the step infra apply runs,
    /// one journal entry for both paths), depending on every node: their joins and kubelets are done, so a pool label or
    /// taint changed on a live cluster reaches the running workers, and new ones get theirs.
    /// </summary>
    private PoolLabels? Relabel(ClusterSpec spec, ClusterComponentArgs args, IReadOnlyList<Node> nodes)
    {
        if (CoreCalls.PoolLabelsProgram(spec, args.Hosts) is not { } planned) return null;
        var program = args.Inventory.Apply(hosts => CoreCalls.PoolLabelsProgram(spec, hosts)
            ?? throw new InvalidOperationException("Core planned no relabel program for the hosts as they exist"));
        var dependsOn = new InputList<Resource>();
        foreach (var node in nodes) dependsOn.Add(node);
        return new PoolLabels("pool-labels", new PoolLabelsArgs
        {
            Host = planned.Host.Name,
            // Input hashes are not secret: preview shows the relabel step changing.
            Steps = Output.Unsecret(program.Apply(p => p.Steps.ToImmutableDictionary(s => s.Id, s => s.InputHash, StringComparer.Ordinal))),
            Program = Output.CreateSecret(program.Apply(WireJson.NodeProgram)),
            Connection = Output.CreateSecret(args.Connection),
        }, new CustomResourceOptions { Parent = this, DependsOn = dependsOn });
    }
}
