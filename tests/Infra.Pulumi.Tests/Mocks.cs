using System.Collections.Concurrent;
using System.Collections.Immutable;
using Pulumi.Testing;

namespace Infra.Pulumi.Tests;

/// <summary>Pulumi's mocks: every resource echoes its inputs plus the outputs its cloud would give it.</summary>
internal sealed class Mocks : IMocks
{
    private int _next;

    public ConcurrentBag<MockResourceArgs> Created { get; } = [];

    /// <summary>Outputs of the kubeadm provider's resources, set by a test.</summary>
    public Dictionary<string, Func<MockResourceArgs, IDictionary<string, object>>> Provider { get; } = [];

    public Task<(string? id, object state)> NewResourceAsync(MockResourceArgs args)
    {
        Created.Add(args);
        var n = Interlocked.Increment(ref _next);
        var outputs = new Dictionary<string, object>(args.Inputs);
        switch (args.Type)
        {
            case "aws:ec2/instance:Instance":
                outputs["publicIp"] = $"198.51.100.{n % 250}";
                outputs["privateIp"] = $"10.0.0.{n % 250}";
                break;
            case "aws:lb/loadBalancer:LoadBalancer":
                outputs["dnsName"] = "api-0123.elb.eu-west-1.amazonaws.com";
                outputs["arn"] = $"arn:aws:elasticloadbalancing:::loadbalancer/{args.Name}";
                break;
            case "aws:lb/targetGroup:TargetGroup":
                outputs["arn"] = $"arn:aws:elasticloadbalancing:::targetgroup/{args.Name}";
                break;
            case "gcp:compute/instance:Instance":
                outputs["selfLink"] = $"https://compute/instances/{args.Name}";
                outputs["networkInterfaces"] = ImmutableArray.Create<object>(new Dictionary<string, object>
                {
                    ["networkIp"] = $"10.0.0.{n % 250}",
                    ["accessConfigs"] = ImmutableArray.Create<object>(new Dictionary<string, object> { ["natIp"] = $"198.51.100.{n % 250}" }),
                });
                break;
            case "gcp:compute/address:Address":
                outputs["address"] = "203.0.113.10";
                break;
            case "gcp:serviceaccount/account:Account":
                outputs["email"] = $"{args.Inputs["accountId"]}@example-project.iam.gserviceaccount.com";
                outputs["name"] = $"projects/example-project/serviceAccounts/{args.Inputs["accountId"]}";
                break;
            case "azure-native:resources:ResourceGroup":
                outputs["name"] = args.Inputs["resourceGroupName"];
                break;
            case "azure-native:network:PublicIPAddress":
                outputs["ipAddress"] = $"198.51.100.{n % 250}";
                break;
            case "azure-native:managedidentity:UserAssignedIdentity":
                outputs["clientId"] = AzureIdentityClientId;
                outputs["tenantId"] = AzureTenantId;
                outputs["principalId"] = "5d2c1f0e-8b7a-4c3d-9e1f-0a1b2c3d4e5f";
                break;
            case "azure-native:network:NetworkInterface":
                outputs["ipConfigurations"] = ImmutableArray.Create<object>(new Dictionary<string, object> { ["privateIPAddress"] = $"10.0.0.{n % 250}" });
                break;
            default:
                if (args.Type is not null && Provider.TryGetValue(args.Type, out var make))
                {
                    foreach (var (k, v) in make(args)) outputs[k] = v;
                }
                break;
        }
        // Azure IDs are resource paths under a subscription (the cloud configuration reads the subscription from one).
        // A custom role defined on a resource group has that group in its id, as Azure returns it.
        var id = args.Type == "azure-native:authorization:RoleDefinition"
            ? $"/subscriptions/{AzureSubscriptionId}/resourceGroups/mock/providers/Microsoft.Authorization/roleDefinitions/{AzureRoleDefinitionGuid}"
            : args.Type?.StartsWith("azure-native:", StringComparison.Ordinal) == true
            ? $"/subscriptions/{AzureSubscriptionId}/resourceGroups/mock/providers/{args.Type}/{args.Name}"
            : $"{args.Name}-id";
        return Task.FromResult<(string?, object)>((id, outputs));
    }

    public Task<object> CallAsync(MockCallArgs args) => Task.FromResult<object>(args.Token switch
    {
        "aws:ec2/getAmi:getAmi" => new Dictionary<string, object> { ["id"] = "ami-0123456789abcdef0" },
        _ => new Dictionary<string, object>(),
    });

    public const string AzureSubscriptionId = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
    public const string AzureRoleDefinitionGuid = "3e1c2f4a-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
    public const string AzureTenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    public const string AzureIdentityClientId = "9c3f1a52-7f0e-4d3e-a0c1-2b7c5e8d9f10";

    public IReadOnlyList<MockResourceArgs> OfType(string type) => [.. Created.Where(r => r.Type == type).OrderBy(r => r.Name, StringComparer.Ordinal)];
}

/// <summary>Deployments read process-wide state (PULUMI_CONFIG): these tests run one at a time.</summary>
[CollectionDefinition("pulumi", DisableParallelization = true)]
public sealed class PulumiDeployments;
