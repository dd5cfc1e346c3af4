using System.Text.Json;
using Infra.Core.Pki;
using Infra.Core.Planning;
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

    private static void Configure(string cluster)
    {
        Environment.SetEnvironmentVariable("PULUMI_CONFIG", JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["infra:cluster"] = cluster,
            ["infra:sshPrivateKey"] = "-----BEGIN OPENSSH PRIVATE KEY-----\nUNIT\n-----END OPENSSH PRIVATE KEY-----\n",
        }));
        Environment.SetEnvironmentVariable("PULUMI_CONFIG_SECRET_KEYS", "[\"infra:sshPrivateKey\"]");
    }

    private static Mocks WithProvider()
    {
        var mocks = new Mocks();
        // The provider's real work, made here: Core's PKI for the configured cluster.
        var spec = PulumiConfig.Read(BareMetal, new Dictionary<string, string>()).Spec!;
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
        Assert.Single(resources.OfType<ClusterSecrets>());
    }

    [Fact]
    public async Task ClusterStack_InvalidCluster_FailsWithCoresMessage()
    {
        Configure(BareMetal.Replace("\"podCidr\":\"10.244.0.0/16\"", "\"podCidr\":\"10.96.0.0/16\"", StringComparison.Ordinal));

        var e = await Assert.ThrowsAnyAsync<Exception>(() => Deployment.TestAsync<ClusterStack>(WithProvider(), Options));

        Assert.Contains("infra:cluster.network.serviceCidr", e.ToString(), StringComparison.Ordinal);
        Assert.Contains("stack unit", e.ToString(), StringComparison.Ordinal);
    }
}
