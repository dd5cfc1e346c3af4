using System.Collections.Immutable;
using Infra.Core.Infrastructure;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Pulumi;

namespace Infra.Pulumi;

/// <summary>
/// The program: the stack's cluster (validated by Core) → kept secrets → the cloud's infrastructure (or the
/// bare-metal hosts) → issued certificates → one node resource per host → the baseline workloads.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "A Pulumi Stack.")]
public sealed class ClusterStack : Stack
{
    /// <summary>host:port of the API server (the load balancer on clouds).</summary>
    [Output("apiEndpoint")]
    public Output<string> ApiEndpoint { get; set; }

    /// <summary>Admin kubeconfig (secret): <c>pulumi stack output kubeconfig --show-secrets</c>.</summary>
    [Output("kubeconfig")]
    public Output<string> Kubeconfig { get; set; }

    /// <summary>The hosts as <c>infra --inventory</c> reads them.</summary>
    [Output("inventory")]
    public Output<string> Inventory { get; set; }

    /// <summary>The kept cluster secrets (secret, Core's JSON form), for <c>infra secrets import</c>.</summary>
    [Output("clusterSecrets")]
    public Output<string> StackSecrets { get; set; }

    [Output("versions")]
    public Output<ImmutableDictionary<string, string>> Versions { get; set; }

    public ClusterStack()
    {
        var (spec, document) = StackInput.Read();
        var hosts = HostInventory.Plan(spec);
        var cloud = spec.Target != Target.Baremetal;

        // Made once, kept in the state; protected: losing it would mean new CAs under a live cluster.
        var generation = StackInput.EncryptionKeyGeneration();
        var secrets = new ClusterSecrets("cluster-secrets", new ClusterSecretsArgs { Stack = document, Inventory = "", EncryptionKeyGeneration = generation },
            new CustomResourceOptions { Protect = true });

        Output<IReadOnlyList<HostSpec>> inventory;
        Output<string> endpoint;
        Output<string> kept;
        Output<string>? cloudObjects = null;
        if (!cloud)
        {
            inventory = Output.Create(spec.Hosts);
            endpoint = Output.Create(spec.ControlPlane.Endpoint?.ToString()
                ?? throw new RunException("controlPlane.endpoint: a bare-metal cluster needs its API endpoint"));
            kept = secrets.Secrets;
        }
        else
        {
            var plan = CloudPlan(spec, hosts);
            var userData = plan.Vms.ToDictionary(v => v.Name, v =>
            {
                var host = hosts.Single(h => h.Name == v.Host);
                return Output.CreateSecret(secrets.Secrets.Apply(json => CoreCalls.CloudInit(spec, host, KeptSecretsSerializer.FromJson(json))));
            });
            // Azure puts the admin key on its VMs itself: the stack's, or the one the cluster secrets keep.
            var adminPublicKey = secrets.Secrets.Apply(json => CoreCalls.AdminPublicKey(spec, KeptSecretsSerializer.FromJson(json)));
            var (addresses, apiEndpoint, objects) = Clouds.Create(plan, userData, adminPublicKey, new ComponentResourceOptions { DependsOn = { secrets } });
            cloudObjects = objects;
            // The inventory holds the host keys' public halves only: it is not secret.
            inventory = Output.Unsecret(Output.Tuple(addresses, secrets.Secrets).Apply(t =>
                CloudInventory.Build(spec, plan, t.Item1, KeptSecretsSerializer.FromJson(t.Item2).HostKeys)));
            endpoint = apiEndpoint;
            // Host certificates need the VMs' addresses, which exist only now.
            var certificates = new ClusterSecrets("cluster-certificates", new ClusterSecretsArgs
            {
                Stack = document,
                Inventory = inventory.Apply(hosts => CloudInventory.ToJson(hosts)),
                Seed = secrets.Secrets,
            });
            kept = certificates.Secrets;
        }

        var connection = StackInput.Connection(spec, kept);
        // A raised infra:encryptionKeyGeneration: the new key reaches every control plane before any node updates.
        var rotation = new EncryptionKeyRotationResource("encryption-key-rotation", new EncryptionKeyRotationArgs
        {
            Secrets = Output.CreateSecret(kept),
            PreviousEncryptionKey = secrets.PreviousEncryptionKey,
            EncryptionKeyGeneration = generation,
            Stack = document,
            Inventory = inventory.Apply(inv => CloudInventory.ToJson(inv)),
            Endpoint = endpoint,
            Connection = Output.CreateSecret(connection),
        });
        var cluster = new ClusterComponent("cluster", new ClusterComponentArgs
        {
            Spec = spec,
            Hosts = hosts,
            Inventory = inventory.Apply(inv => HostInventory.WithInventory(spec, inv)),
            ApiEndpoint = endpoint,
            Secrets = Output.CreateSecret(kept),
            Connection = connection,
            NodesAfter = [rotation],
        });
        // The workloads wave runs after the nodes the execution plan runs before it (every worker joined).
        var workloadsOptions = new ComponentResourceOptions { DependsOn = { cluster } };
        foreach (var node in cluster.WorkloadsAfter) workloadsOptions.DependsOn.Add(node);
        // And after the relabel procedure, as infra apply runs it first: workloads may select nodes by their labels.
        if (cluster.Labels is not null) workloadsOptions.DependsOn.Add(cluster.Labels);
        _ = new WorkloadsComponent("workloads", new WorkloadsComponentArgs
        {
            Spec = spec,
            Kubeconfig = cluster.Kubeconfig,
            CloudObjects = cloudObjects,
            NodeLabels = CoreCalls.AfterJoinLabels(spec, hosts),
            AlertReceivers = StackInput.AlertReceivers(spec),
        },
            workloadsOptions);

        ApiEndpoint = endpoint;
        Kubeconfig = cluster.Kubeconfig;
        Inventory = Output.Tuple(inventory, endpoint).Apply(t => CloudInventory.ToJson(t.Item1, t.Item2));
        StackSecrets = Output.CreateSecret(kept);
        Versions = Output.Create(new Dictionary<string, string>
        {
            ["kubernetes"] = spec.Kubernetes.Version.ToString(),
            ["cni"] = spec.Network.Cni.Name(),
            ["os"] = spec.Os.Name(),
        }.ToImmutableDictionary());
    }

    private static InfrastructurePlan CloudPlan(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts)
    {
        try
        {
            return CloudPlanner.Plan(spec, hosts);
        }
        catch (InfrastructurePlanException e)
        {
            throw new RunException($"stack {Deployment.Instance.StackName}: {e.Message}");
        }
    }
}
