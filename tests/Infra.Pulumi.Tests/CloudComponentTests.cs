// Cloud components exist only in a build with clouds (-p:Clouds=none builds bare metal only, and these tests not at all).
#if CLOUD_AWS || CLOUD_AZURE || CLOUD_GCP
using System.Collections.Immutable;
using Infra.Core.Infrastructure;
using Infra.Core.Planning;
using Infra.Core.Spec;
#if CLOUD_AWS
using Infra.Pulumi.Aws;
#endif
#if CLOUD_AZURE
using Infra.Pulumi.Azure;
#endif
#if CLOUD_GCP
using Infra.Pulumi.Gcp;
#endif
using Infra.TestKit;
using Pulumi;
using Pulumi.Testing;
using Pulumi.Utilities;

namespace Infra.Pulumi.Tests;

/// <summary>Each cloud component maps Core's plan to the expected resources and arguments (Pulumi's mocks).</summary>
[Collection("pulumi")]
public class CloudComponentTests
{
    private static readonly TestOptions Options = new() { ProjectName = "infra", StackName = "unit", IsPreview = false };

    private static (InfrastructurePlan Plan, Dictionary<string, Output<string>> UserData) Plan(Target target)
    {
        var spec = SampleSpecs.Cloud(target);
        var plan = CloudPlanner.Plan(spec, HostInventory.Plan(spec));
        // Stand-in user data carrying a recognisable host key line, secret as the program makes it.
        var userData = plan.Vms.ToDictionary(v => v.Name, v => Output.CreateSecret($"#cloud-config\nssh_keys:\n  ed25519_public: ssh-ed25519 AAAAHOSTKEY {v.Host}\n"));
        return (plan, userData);
    }

    private static object? At(ImmutableDictionary<string, object> inputs, params string[] path)
    {
        object? o = inputs;
        foreach (var p in path)
        {
            o = o switch
            {
                IDictionary<string, object> d => d.TryGetValue(p, out var v) ? v : null,
                IReadOnlyDictionary<string, object> d => d.TryGetValue(p, out var v) ? v : null,
                System.Collections.IList l when int.TryParse(p, out var i) => l[i],
                ImmutableArray<object> a when int.TryParse(p, out var i) => a[i],
                _ => null,
            };
        }
        return o;
    }

    // The engine's property values carry numbers as doubles.
    private static double N(object? o) => Convert.ToDouble(o, System.Globalization.CultureInfo.InvariantCulture);

    private static IEnumerable<string> Strings(object? o) => o switch
    {
        ImmutableArray<object> a => a.Select(x => (string)x),
        System.Collections.IEnumerable e and not string => e.Cast<object>().Select(x => (string)x),
        _ => [],
    };

#if CLOUD_GCP
    [Fact]
    public async Task Gcp_Plan_ResourcesWithPlannedArguments()
    {
        var (plan, userData) = Plan(Target.Gcp);
        var mocks = new Mocks();
        GcpCluster? cluster = null;

        await Deployment.TestAsync(mocks, Options, () => { cluster = new GcpCluster("c", new GcpClusterArgs { Plan = plan, UserData = userData }); });

        var instances = mocks.OfType("gcp:compute/instance:Instance");
        Assert.Equal(plan.Vms.Select(v => v.Name).Order(StringComparer.Ordinal), instances.Select(i => i.Name));
        foreach (var vm in plan.Vms)
        {
            var i = instances.Single(x => x.Name == vm.Name).Inputs;
            Assert.Equal(vm.Zone, i["zone"]);
            Assert.Equal(vm.Size, i["machineType"]);
            Assert.Contains($"ssh-ed25519 AAAAHOSTKEY {vm.Host}", (string)At(i, "metadata", "user-data")!, StringComparison.Ordinal);
            Assert.Equal("TRUE", At(i, "metadata", "block-project-ssh-keys"));
            Assert.Equal("TRUE", At(i, "metadata", "disable-legacy-endpoints"));
            Assert.Equal(vm.Image.Reference, At(i, "bootDisk", "initializeParams", "image"));
            Assert.Equal(true, At(i, "shieldedInstanceConfig", "enableSecureBoot"));
        }
        var firewalls = mocks.OfType("gcp:compute/firewall:Firewall");
        var ssh = firewalls.Single(f => f.Name == "sample-ssh").Inputs;
        Assert.Equal(["203.0.113.0/24"], Strings(ssh["sourceRanges"]));
        Assert.Equal(["22"], Strings(At(ssh, "allows", "0", "ports")));
        var etcd = firewalls.Single(f => f.Name == "sample-etcd").Inputs;
        Assert.Equal(["sample-control-planes"], Strings(etcd["sourceTags"]));
        Assert.Equal(["2379-2380"], Strings(At(etcd, "allows", "0", "ports")));
        Assert.DoesNotContain(firewalls, f => f.Inputs.ContainsKey("sourceRanges") && Strings(f.Inputs["sourceRanges"]).Contains("0.0.0.0/0")
            && !Strings(At(f.Inputs, "allows", "0", "ports")).SequenceEqual(["6443"]));
        var health = Assert.Single(mocks.OfType("gcp:compute/regionHealthCheck:RegionHealthCheck")).Inputs;
        Assert.Equal("/readyz", At(health, "httpsHealthCheck", "requestPath"));
        Assert.Equal(6443, N(At(health, "httpsHealthCheck", "port")));
        Assert.Equal("6443", Assert.Single(mocks.OfType("gcp:compute/forwardingRule:ForwardingRule")).Inputs["portRange"]);
        Assert.Equal(3, mocks.OfType("gcp:compute/instanceGroup:InstanceGroup").Count);
        Assert.Equal("203.0.113.10:6443", await OutputUtilities.GetValueAsync(cluster!.ApiEndpoint));
        var addresses = await OutputUtilities.GetValueAsync(cluster.Addresses);
        Assert.Equal(plan.Vms.Count, addresses.Length);
        Assert.All(addresses, a => Assert.StartsWith("198.51.100.", a.PublicAddress, StringComparison.Ordinal));
    }
#endif

#if CLOUD_AWS
    [Fact]
    public async Task Aws_Plan_ResourcesWithPlannedArguments()
    {
        var (plan, userData) = Plan(Target.Aws);
        var mocks = new Mocks();
        AwsCluster? cluster = null;

        await Deployment.TestAsync(mocks, Options, () => { cluster = new AwsCluster("c", new AwsClusterArgs { Plan = plan, UserData = userData }); });

        var instances = mocks.OfType("aws:ec2/instance:Instance");
        Assert.Equal(plan.Vms.Count, instances.Count);
        foreach (var vm in plan.Vms)
        {
            var i = instances.Single(x => x.Name == vm.Name).Inputs;
            Assert.Equal(vm.Size, i["instanceType"]);
            Assert.Equal("ami-0123456789abcdef0", i["ami"]);
            Assert.Equal("required", At(i, "metadataOptions", "httpTokens"));
            Assert.Equal(2, N(At(i, "metadataOptions", "httpPutResponseHopLimit")));
            Assert.Equal(true, At(i, "rootBlockDevice", "encrypted"));
            Assert.Contains($"ssh-ed25519 AAAAHOSTKEY {vm.Host}", (string)i["userData"], StringComparison.Ordinal);
        }
        var subnets = mocks.OfType("aws:ec2/subnet:Subnet");
        Assert.Equal(plan.Subnets.Select(s => (s.Zone, s.Cidr)).Order(), subnets.Select(s => ((string)s.Inputs["availabilityZone"], (string)s.Inputs["cidrBlock"])).Order());
        var ingress = mocks.OfType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        var ssh = Assert.Single(ingress, r => r.Inputs.TryGetValue("fromPort", out var p) && N(p) == 22).Inputs;
        Assert.Equal("203.0.113.0/24", ssh["cidrIpv4"]);
        Assert.All(ingress.Where(r => r.Inputs.TryGetValue("cidrIpv4", out var c) && (string)c == "0.0.0.0/0"), r => Assert.Equal(6443, N(r.Inputs["fromPort"])));
        var tg = Assert.Single(mocks.OfType("aws:lb/targetGroup:TargetGroup")).Inputs;
        Assert.Equal("false", tg["preserveClientIp"]);
        Assert.Equal("/readyz", At(tg, "healthCheck", "path"));
        Assert.Equal("HTTPS", At(tg, "healthCheck", "protocol"));
        Assert.Equal(3, mocks.OfType("aws:lb/targetGroupAttachment:TargetGroupAttachment").Count);
        var policy = Assert.Single(mocks.OfType("aws:iam/rolePolicy:RolePolicy")).Inputs;
        Assert.Contains("ec2:CreateVolume", (string)policy["policy"], StringComparison.Ordinal);
        Assert.Equal("api-0123.elb.eu-west-1.amazonaws.com:6443", await OutputUtilities.GetValueAsync(cluster!.ApiEndpoint));
    }
#endif

#if CLOUD_AZURE
    [Fact]
    public async Task Azure_Plan_ResourcesWithPlannedArguments()
    {
        var (plan, userData) = Plan(Target.Azure);
        var mocks = new Mocks();

        AzureCluster? cluster = null;
        await Deployment.TestAsync(mocks, Options, () => { cluster = new AzureCluster("c", new AzureClusterArgs { Plan = plan, UserData = userData }); });

        var vms = mocks.OfType("azure-native:compute:VirtualMachine");
        Assert.Equal(plan.Vms.Count, vms.Count);
        foreach (var vm in plan.Vms)
        {
            var i = vms.Single(x => x.Name == vm.Name).Inputs;
            Assert.Equal(vm.Size, At(i, "hardwareProfile", "vmSize"));
            Assert.Equal([vm.Zone], Strings(i["zones"]));
            Assert.Equal(true, At(i, "osProfile", "linuxConfiguration", "disablePasswordAuthentication"));
            var customData = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)At(i, "osProfile", "customData")!));
            Assert.Contains($"ssh-ed25519 AAAAHOSTKEY {vm.Host}", customData, StringComparison.Ordinal);
        }
        var nsg = Assert.Single(mocks.OfType("azure-native:network:NetworkSecurityGroup")).Inputs;
        var rules = ((System.Collections.IEnumerable)nsg["securityRules"]).Cast<IDictionary<string, object>>().ToList();
        var deny = Assert.Single(rules, r => (string)r["access"] == "Deny");
        Assert.Equal(4096, N(deny["priority"]));
        var ssh = Assert.Single(rules, r => r.TryGetValue("destinationPortRange", out var p) && (string)p == "22");
        Assert.Equal("203.0.113.0/24", ssh["sourceAddressPrefix"]);
        var lb = Assert.Single(mocks.OfType("azure-native:network:LoadBalancer")).Inputs;
        Assert.Equal("/readyz", At(lb, "probes", "0", "requestPath"));
        Assert.Equal(6443, N(At(lb, "loadBalancingRules", "0", "frontendPort")));

        // Role Assignments - Create takes /subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}.
        var assignment = Assert.Single(mocks.OfType("azure-native:authorization:RoleAssignment")).Inputs;
        Assert.Equal($"/subscriptions/{Mocks.AzureSubscriptionId}/providers/Microsoft.Authorization/roleDefinitions/{Mocks.AzureRoleDefinitionGuid}",
            assignment["roleDefinitionId"]);

        // The Azure Disk CSI driver's cloud configuration, from the identity the VMs carry.
        var manifest = await OutputUtilities.GetValueAsync(cluster!.CloudConfigManifest!);
        var secret = k8s.KubernetesYaml.Deserialize<k8s.Models.V1Secret>(manifest, strict: true);
        Assert.Equal(("azure-cloud-provider", "kube-system"), (secret.Metadata.Name, secret.Metadata.NamespaceProperty));
        using var config = System.Text.Json.JsonDocument.Parse(secret.StringData["cloud-config"]);
        Assert.Equal(Mocks.AzureSubscriptionId, config.RootElement.GetProperty("subscriptionId").GetString());
        Assert.Equal(Mocks.AzureTenantId, config.RootElement.GetProperty("tenantId").GetString());
        Assert.Equal(Mocks.AzureIdentityClientId, config.RootElement.GetProperty("userAssignedIdentityID").GetString());
        Assert.Equal(plan.Azure!.ResourceGroup, config.RootElement.GetProperty("resourceGroup").GetString());
        Assert.True(await Output.IsSecretAsync(cluster.CloudConfigManifest!));
    }
#endif
}
#endif
