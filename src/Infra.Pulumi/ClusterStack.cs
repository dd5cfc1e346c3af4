using System.Collections.Immutable;
using Infra.Core.Infrastructure;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Pulumi;

namespace Infra.Pulumi;

/// <summary>
/// The program: the stack's cluster (validated by Core) → kept secrets → the cloud's infrastructure (or the
/// bare-metal hosts) → issued certificates → one node resource per host → the baseline workloads.
/// </summary>
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

    /// <summary>The kept cluster secrets (secret), for <c>infra secrets import</c>.</summary>
    [Output("clusterSecrets")]
    public Output<string> StackSecrets { get; set; }

    [Output("versions")]
    public Output<ImmutableDictionary<string, string>> Versions { get; set; }

    public ClusterStack()
    {
        var spec = StackInput.Read();
        var hosts = HostInventory.Plan(spec);
        var cloud = spec.Target != Target.Baremetal;

        var secrets = new ClusterSecrets("cluster-secrets", new ClusterSecretsArgs
        {
            Cluster = spec.Name,
            HostKeyHosts = cloud ? [.. hosts.Select(h => h.Name)] : [],
        }, new CustomResourceOptions { Protect = true });

        Output<IReadOnlyList<HostSpec>> inventory;
        Output<string> endpoint;
        if (!cloud)
        {
            inventory = Output.Create(spec.Hosts);
            endpoint = Output.Create(spec.ControlPlane.Endpoint?.ToString()
                ?? throw new RunException("controlPlane.endpoint: a bare-metal cluster needs its API endpoint"));
        }
        else
        {
            var plan = CloudPlan(spec, hosts);
            var userData = plan.Vms.ToDictionary(v => v.Name, v =>
            {
                var host = hosts.Single(h => h.Name == v.Host);
                return Output.CreateSecret(secrets.Secrets.Apply(json => CoreCalls.CloudInit(spec, host, WireJson.KeptSecrets(json))));
            });
            var (addresses, apiEndpoint) = Clouds.Create(plan, userData, new ComponentResourceOptions { DependsOn = { secrets } });
            // Host keys' public halves only: the inventory is not secret.
            inventory = Output.Unsecret(Output.Tuple(addresses, secrets.Secrets).Apply(t =>
                CloudInventory.Build(spec, plan, t.Item1, WireJson.KeptSecrets(t.Item2).HostKeys)));
            endpoint = apiEndpoint;
        }

        var planned = inventory.Apply(inv => HostInventory.WithInventory(spec, inv));
        var certificates = new Certificates("certificates", new CertificatesArgs
        {
            Authority = secrets.Secrets,
            Requests = planned.Apply(p => CoreCalls.CertificateRequests(spec, p).ToImmutableDictionary(StringComparer.Ordinal)),
        });
        var kept = Output.Tuple(secrets.Secrets, certificates.Issued).Apply(t =>
        {
            var s = WireJson.KeptSecrets(t.Item1);
            var issued = new SortedDictionary<string, CertificateAndKey>(s.Issued.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);
            foreach (var (name, cert) in WireJson.Issued(t.Item2)) issued[name] = cert;
            return WireJson.KeptSecrets(s with { Issued = issued });
        });

        var cluster = new ClusterComponent("cluster", new ClusterComponentArgs
        {
            Spec = spec,
            Hosts = hosts,
            Inventory = planned,
            ApiEndpoint = endpoint,
            Secrets = Output.CreateSecret(kept),
            Connection = StackInput.Connection(spec),
        });
        _ = new WorkloadsComponent("workloads", new WorkloadsComponentArgs { Spec = spec, Kubeconfig = cluster.Kubeconfig },
            new ComponentResourceOptions { DependsOn = { cluster } });

        ApiEndpoint = endpoint;
        Kubeconfig = cluster.Kubeconfig;
        Inventory = inventory.Apply(CloudInventory.ToJson);
        StackSecrets = Output.CreateSecret(secrets.Secrets);
        Versions = Output.Create(new Dictionary<string, string>
        {
            ["kubernetes"] = spec.Kubernetes.Version.ToString(),
            ["cni"] = spec.Network.Cni.ToString().ToLowerInvariant(),
            ["os"] = spec.Os.ToString(),
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
