using System.Text.Json;
#if CLOUD_GCP
using Infra.Core.Infrastructure;
#endif
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Workloads;
using Pulumi;
using Pulumi.Testing;
using Pulumi.Utilities;

namespace Infra.Pulumi.Tests;

/// <summary>The whole program under Pulumi's mocks, configured as `pulumi up` would be (PULUMI_CONFIG).</summary>
[Collection("pulumi")]
public class ClusterStackTests
{
    private static readonly TestOptions Options = new() { ProjectName = "infra", StackName = "unit", IsPreview = false };

    // A bare-metal cluster as a stack file would hold it under infra:cluster.
    private const string BareMetal = """
        {"name":"unit","target":"baremetal","kubernetes":{"version":"1.36.1"},
         "controlPlane":{"count":3,"endpoint":"10.0.0.5:6443","loadBalancer":"kube-vip"},
         "workers":[{"name":"general","count":2}],
         "network":{"podCidr":"10.244.0.0/16","serviceCidr":"10.96.0.0/12","cni":"calico"},
         "etcd":{"topology":"stacked"},
         "hosts":[
          {"name":"cp-1","address":"10.0.0.11","hostKey":"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","roles":["control-plane"]},
          {"name":"cp-2","address":"10.0.0.12","hostKey":"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","roles":["control-plane"]},
          {"name":"cp-3","address":"10.0.0.13","hostKey":"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","roles":["control-plane"]},
          {"name":"w-1","address":"10.0.0.21","hostKey":"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","roles":["worker"]},
          {"name":"w-2","address":"10.0.0.22","hostKey":"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","roles":["worker"]}],
         "packages":{"source":"preinstalled"},
         "workloads":{"metricsServer":false,"ingress":"none","certManager":false,"storage":"none"}}
        """;

    // A GCP cluster like the prod stack, with stacked etcd (node programs for external etcd come with issue 5).
    private const string Gcp = """
        {"name":"unit","target":"gcp","kubernetes":{"version":"1.36.1"},
         "controlPlane":{"count":3,"size":"n2-standard-4","diskGb":100},
         "workers":[{"name":"general","count":2,"size":"n2-standard-8","diskGb":200}],
         "network":{"podCidr":"10.244.0.0/16","serviceCidr":"10.96.0.0/12","nodeCidr":"10.30.0.0/16","cni":"cilium",
          "adminCidrs":["203.0.113.0/24"],"apiCidrs":["203.0.113.0/24"]},
         "etcd":{"topology":"stacked"},
         "cloud":{"zones":["europe-west1-b","europe-west1-c","europe-west1-d"]},
         "ssh":{"adminUser":"infra","adminPublicKey":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGmUcqRYyHW4ks0YsKDt0kSRDNhXX9Pmd2OyPGPrfrdM platform-team"},
         "workloads":{"metricsServer":false,"ingress":"none","certManager":false,"storage":"none"}}
        """;

    private static readonly Dictionary<string, string> GcpSettings = new() { ["gcp:project"] = "example-project", ["gcp:region"] = "europe-west1" };

    private static void Configure(string cluster, IReadOnlyDictionary<string, string>? settings = null)
    {
        var config = new Dictionary<string, string>
        {
            ["infra:cluster"] = cluster,
            ["infra:sshPrivateKey"] = "-----BEGIN OPENSSH PRIVATE KEY-----\nUNIT\n-----END OPENSSH PRIVATE KEY-----\n",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) config[k] = v;
        Environment.SetEnvironmentVariable("PULUMI_CONFIG", JsonSerializer.Serialize(config));
        Environment.SetEnvironmentVariable("PULUMI_CONFIG_SECRET_KEYS", "[\"infra:sshPrivateKey\"]");
    }

    private static Mocks WithProvider(string cluster = BareMetal, IReadOnlyDictionary<string, string>? settings = null)
    {
        var mocks = new Mocks();
        // The provider's real work, made here: Core's PKI for the configured cluster.
        var spec = PulumiConfig.Read(cluster, settings ?? new Dictionary<string, string>()).Spec!;
        var secrets = ClusterPki.Ensure(spec, HostInventory.Plan(spec), null, new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
        mocks.Provider["kubeadm:index:ClusterSecrets"] = _ => new Dictionary<string, object> { ["secrets"] = KeptSecretsSerializer.ToJson(secrets) };
        mocks.Provider["kubeadm:index:Node"] = a => new Dictionary<string, object>
        {
            ["kubeconfig"] = a.Inputs.TryGetValue("firstControlPlane", out var f) && f is true ? "apiVersion: v1\nkind: Config\n" : "",
        };
        return mocks;
    }

    [Fact]
    public async Task ClusterStack_BareMetal_NodesInCoresOrderWithSecretKubeconfig()
    {
        Configure(BareMetal);
        var mocks = WithProvider();

        var resources = await Deployment.TestAsync<ClusterStack>(mocks, Options);

        var nodes = resources.OfType<Node>().ToList();
        Assert.Equal(["cp-1", "cp-2", "cp-3", "w-1", "w-2"], nodes.Select(n => n.GetResourceName()));
        var stack = resources.OfType<ClusterStack>().Single();
        Assert.True(await Output.IsSecretAsync(stack.Kubeconfig));
        Assert.True(await Output.IsSecretAsync(stack.StackSecrets));
        Assert.Contains("kind: Config", await OutputUtilities.GetValueAsync(stack.Kubeconfig), StringComparison.Ordinal);
        Assert.Equal("10.0.0.5:6443", await OutputUtilities.GetValueAsync(stack.ApiEndpoint));
        var inventory = JsonDocument.Parse(await OutputUtilities.GetValueAsync(stack.Inventory));
        Assert.Equal(5, inventory.RootElement.GetProperty("hosts").GetArrayLength());
        var first = mocks.OfType("kubeadm:index:Node").Single(n => n.Name == "cp-1").Inputs;
        Assert.Equal("1.36.1", first["kubernetesVersion"]);
        Assert.Equal(true, first["firstControlPlane"]);
        // What each node's Update needs for an upgrade: the cluster's nodes, control planes first (Core's NodeUpgradeSettings).
        var upgrade = WireJson.Deserialize<NodeUpgradeSettings>((string)first["upgrade"], "upgrade");
        Assert.Equal(["cp-1", "cp-2", "cp-3", "w-1", "w-2"], upgrade.Nodes);
        Assert.Single(resources.OfType<ClusterSecrets>());
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task ClusterStack_BareMetal_PoolLabelsRunInfraApplysRelabelStepOnTheFirstControlPlane()
    {
        Configure(BareMetal);
        var mocks = WithProvider();

        await Deployment.TestAsync<ClusterStack>(mocks, Options);

        var labels = Assert.Single(mocks.OfType("kubeadm:index:PoolLabels")).Inputs;
        Assert.Equal("cp-1", labels["host"]);
        // The same step id and input hash as infra apply's plan: one journal entry on the first control plane for both paths.
        var spec = PulumiConfig.Read(BareMetal, new Dictionary<string, string>()).Spec!;
        var planned = ClusterPlanner.Plan(spec).Nodes.SelectMany(n => n.Steps).Single(s => s.Id == AfterJoinLabels.StepId);
        var steps = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object>>(labels["steps"]);
        Assert.Equal(planned.InputHash, Assert.Single(steps, kv => kv.Key == AfterJoinLabels.StepId).Value);
    }

    [Fact]
    public async Task ClusterStack_InvalidCluster_FailsWithCoresMessage()
    {
        Configure(BareMetal.Replace("\"podCidr\":\"10.244.0.0/16\"", "\"podCidr\":\"10.96.0.0/16\"", StringComparison.Ordinal));

        var e = await Assert.ThrowsAnyAsync<Exception>(() => Deployment.TestAsync<ClusterStack>(WithProvider(), Options));

        Assert.Contains("infra:cluster.network.serviceCidr", e.ToString(), StringComparison.Ordinal);
        Assert.Contains("stack unit", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "14.3")]
    public async Task ClusterStack_EncryptionKeyGeneration_OnTheSecretsAndOnTheRotationResource()
    {
        Configure(BareMetal, new Dictionary<string, string> { ["infra:encryptionKeyGeneration"] = "2" });
        var mocks = WithProvider();

        var resources = await Deployment.TestAsync<ClusterStack>(mocks, Options);

        var secrets = Assert.Single(mocks.OfType("kubeadm:index:ClusterSecrets")).Inputs;
        Assert.Equal(2, Convert.ToInt32(secrets["encryptionKeyGeneration"], System.Globalization.CultureInfo.InvariantCulture));
        var rotation = Assert.Single(mocks.OfType("kubeadm:index:EncryptionKeyRotation")).Inputs;
        Assert.Equal(2, Convert.ToInt32(rotation["encryptionKeyGeneration"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("10.0.0.5:6443", (string)rotation["endpoint"]);
        Assert.Equal(5, Infra.Core.Infrastructure.CloudInventory.FromJson((string)rotation["inventory"]).Count);
        Assert.Single(resources.OfType<EncryptionKeyRotationResource>());
    }

    [Fact]
    [Trait("Item", "14.3")]
    public async Task ClusterStack_EncryptionKeyGenerationZero_FailsNamingTheKey()
    {
        Configure(BareMetal, new Dictionary<string, string> { ["infra:encryptionKeyGeneration"] = "0" });

        var e = await Assert.ThrowsAnyAsync<Exception>(() => Deployment.TestAsync<ClusterStack>(WithProvider(), Options));

        Assert.Contains("infra:encryptionKeyGeneration is 0", e.ToString(), StringComparison.Ordinal);
    }

#if CLOUD_GCP
    [Fact]
    public async Task ClusterStack_Gcp_VmsWithKeptHostKeysAndNodesInCoresOrder()
    {
        Configure(Gcp, GcpSettings);
        var mocks = WithProvider(Gcp, GcpSettings);

        var resources = await Deployment.TestAsync<ClusterStack>(mocks, Options);

        // Core's order: the first control plane, the others, then the workers.
        var nodes = resources.OfType<Node>().Select(n => n.GetResourceName()).ToList();
        Assert.Equal(["cp-1", "cp-2", "cp-3", "general-1", "general-2"], nodes);
        var secrets = KeptSecretsSerializer.FromJson(await OutputUtilities.GetValueAsync(
            resources.OfType<ClusterSecrets>().Single(r => r.GetResourceName() == "cluster-secrets").Secrets));
        var spec = PulumiConfig.Read(Gcp, GcpSettings).Spec!;
        var plan = CloudPlanner.Plan(spec, HostInventory.Plan(spec));
        var instances = mocks.OfType("gcp:compute/instance:Instance");
        Assert.Equal(plan.Vms.Count, instances.Count);
        foreach (var vm in plan.Vms)
        {
            // Each VM boots with the host key kept for its host, so SSH is pinned before the VM exists.
            var metadata = (IDictionary<string, object>)instances.Single(i => i.Name == vm.Name).Inputs["metadata"];
            Assert.Contains(secrets.HostKeys[vm.Host].PublicKeyLine.Split(' ')[1], (string)metadata["user-data"], StringComparison.Ordinal);
        }
        var stack = resources.OfType<ClusterStack>().Single();
        Assert.Equal("203.0.113.10:6443", await OutputUtilities.GetValueAsync(stack.ApiEndpoint));
        Assert.True(await Output.IsSecretAsync(stack.Kubeconfig));
        var inventory = JsonDocument.Parse(await OutputUtilities.GetValueAsync(stack.Inventory)).RootElement;
        Assert.Equal("203.0.113.10:6443", inventory.GetProperty("endpoint").GetString());
        Assert.All(inventory.GetProperty("hosts").EnumerateArray(), h => Assert.StartsWith("198.51.100.", h.GetProperty("address").GetString(), StringComparison.Ordinal));
        // The certificates are made once the VMs' addresses exist, from the first resource's CAs and host keys.
        var certificates = mocks.OfType("kubeadm:index:ClusterSecrets").Single(r => r.Name == "cluster-certificates").Inputs;
        Assert.Contains("198.51.100.", (string)certificates["inventory"], StringComparison.Ordinal);
        var node = mocks.OfType("kubeadm:index:Node").Single(n => n.Name == "cp-2").Inputs;
        Assert.StartsWith("198.51.100.", (string)node["address"], StringComparison.Ordinal);
        Assert.Contains("cp-1", (string)node["joinVia"], StringComparison.Ordinal);
    }
#endif

    [Fact]
    public async Task ClusterStack_Workloads_CoresChartsAndObjectsThroughTheClustersKubeconfig()
    {
        var cluster = BareMetal.Replace(
            "\"workloads\":{\"metricsServer\":false,\"ingress\":\"none\",\"certManager\":false,\"storage\":\"none\"}",
            "\"workloads\":{\"metricsServer\":true,\"ingress\":\"traefik\",\"certManager\":true}", StringComparison.Ordinal);
        Configure(cluster);
        var mocks = WithProvider(cluster);

        await Deployment.TestAsync<ClusterStack>(mocks, Options);

        var provider = Assert.Single(mocks.OfType("pulumi:providers:kubernetes")).Inputs;
        Assert.Equal("apiVersion: v1\nkind: Config\n", provider["kubeconfig"]);
        var components = CoreCalls.Workloads(PulumiConfig.Read(cluster, new Dictionary<string, string>()).Spec!);
        Assert.Contains(components, c => c.Chart is { Mode: ChartInstallMode.TemplateApply });
        foreach (var c in components)
        {
            if (c.Chart is { } chart)
            {
                var type = chart.Mode == ChartInstallMode.Release ? "kubernetes:helm.sh/v3:Release" : "kubernetes:helm.sh/v4:Chart";
                var r = mocks.OfType(type).Single(x => x.Name == chart.Name).Inputs;
                Assert.Equal(chart.Chart, r["chart"]);
                Assert.Equal(chart.Version, r["version"]);
                Assert.Equal(chart.Namespace, r["namespace"]);
            }
            if (c.Objects.Count > 0)
            {
                Assert.Equal(CoreCalls.Manifest(c), mocks.OfType("kubernetes:yaml/v2:ConfigGroup").Single(x => x.Name == c.Name).Inputs["yaml"]);
            }
        }
        Assert.Equal(components.Count(c => c.Chart is not null) + components.Count(c => c.Objects.Count > 0),
            mocks.Created.Count(r => r.Type!.StartsWith("kubernetes:", StringComparison.Ordinal)));
    }
    [Fact]
    public async Task Workloads_CloudObjects_AppliedAsTheirOwnGroup()
    {
        var spec = PulumiConfig.Read(BareMetal, new Dictionary<string, string>()).Spec!;
        const string secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: azure-cloud-provider\n  namespace: kube-system\n";
        var mocks = new Mocks();

        await Deployment.TestAsync(mocks, Options, () =>
        {
            _ = new WorkloadsComponent("workloads", new WorkloadsComponentArgs
            {
                Spec = spec,
                Kubeconfig = Output.CreateSecret("apiVersion: v1\nkind: Config\n"),
                CloudObjects = Output.CreateSecret(secret),
            });
        });

        var groups = mocks.OfType("kubernetes:yaml/v2:ConfigGroup");
        Assert.Equal(secret, groups.Single(g => g.Name == "cloud-objects").Inputs["yaml"]);
    }
}
