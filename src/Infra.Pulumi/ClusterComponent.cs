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
}

/// <summary>
/// <c>infra:index:Cluster</c>: one <c>kubeadm:index:Node</c> per host, in Core's order: external etcd members one
/// at a time, the first control plane, the other control planes one at a time, then the workers in parallel.
/// </summary>
public sealed class ClusterComponent : ComponentResource
{
    [Output("kubeconfig")]
    public Output<string> Kubeconfig { get; private set; }

    public IReadOnlyList<Node> Nodes { get; }

    public ClusterComponent(string name, ClusterComponentArgs args, ComponentResourceOptions? options = null)
        : base("infra:index:Cluster", name, options)
    {
        var spec = args.Spec;
        var programs = Output.Tuple(args.Inventory, args.ApiEndpoint, args.Secrets).Apply(t =>
        {
            var endpoint = Endpoint.TryParse(t.Item2, out var e) ? e! : throw new InvalidOperationException($"the API endpoint '{t.Item2}' is not host:port");
            var built = CoreCalls.NodePrograms(spec, t.Item1, KeptSecretsSerializer.FromJson(t.Item3), endpoint);
            return built.ToImmutableDictionary(p => p.Host.Name, p => p, StringComparer.Ordinal);
        });

        var nodes = new List<Node>();
        Node? previous = null;
        Node? lastControlPlane = null;
        Node? first = null;
        var firstControlPlane = args.Hosts.FirstOrDefault(h => h.Has(Roles.ControlPlane))?.Name;
        foreach (var host in args.Hosts)
        {
            var program = programs.Apply(p => p.TryGetValue(host.Name, out var x) ? x : throw new InvalidOperationException($"Core planned no program for host {host.Name}"));
            var isWorkerOnly = !host.Has(Roles.ControlPlane) && !host.Has(Roles.Etcd);
            var dependsOn = new InputList<Resource>();
            // etcd members and control planes change membership one at a time; workers join in parallel after them.
            if (isWorkerOnly) { if (lastControlPlane is not null) dependsOn.Add(lastControlPlane); }
            else if (previous is not null) dependsOn.Add(previous);

            var node = new Node(host.Name, new NodeArgs
            {
                Host = host.Name,
                Address = Output.Unsecret(program.Apply(p => p.Host.Address ?? "")),
                Roles = [.. host.Roles],
                KubernetesVersion = spec.Kubernetes.Version.ToString(),
                PodCidr = spec.Network.PodCidr.ToString(),
                ServiceCidr = spec.Network.ServiceCidr.ToString(),
                EtcdTopology = spec.Etcd.Topology.ToString().ToLowerInvariant(),
                // Input hashes are not secret: preview shows which steps of which host would run.
                Steps = Output.Unsecret(program.Apply(p => p.Steps.ToImmutableDictionary(s => s.Id, s => s.InputHash, StringComparer.Ordinal))),
                Program = Output.CreateSecret(program.Apply(WireJson.NodeProgram)),
                Connection = Output.CreateSecret(args.Connection),
                FirstControlPlane = host.Name == firstControlPlane,
                JoinVia = host.Name == firstControlPlane || firstControlPlane is null
                    ? (Input<string>)""
                    : Output.Unsecret(programs.Apply(p => WireJson.Serialize(p[firstControlPlane!].Host))),
            }, new CustomResourceOptions { Parent = this, DependsOn = dependsOn });
            nodes.Add(node);
            if (host.Name == firstControlPlane) first = node;
            if (!isWorkerOnly) previous = node;
            if (host.Has(Roles.ControlPlane)) lastControlPlane = node;
        }
        Nodes = nodes;
        if (first is null) throw new InvalidOperationException("the cluster has no control plane");
        Kubeconfig = Output.CreateSecret(first.Kubeconfig);
        RegisterOutputs(new Dictionary<string, object?> { ["kubeconfig"] = Kubeconfig });
    }
}
