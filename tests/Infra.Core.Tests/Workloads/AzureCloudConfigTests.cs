using System.Text.Json;
using Infra.Core.Workloads;
using k8s;
using k8s.Models;

namespace Infra.Core.Tests.Workloads;

public class AzureCloudConfigTests
{
    private static readonly AzureCloudFacts Facts = new()
    {
        TenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47",
        SubscriptionId = "0b1f6471-1bf0-4dda-aec3-cb9272f09590",
        ResourceGroup = "staging-rg",
        Location = "westeurope",
        IdentityClientId = "9c3f1a52-7f0e-4d3e-a0c1-2b7c5e8d9f10",
        VnetName = "staging-net",
        SecurityGroupName = "staging-nsg",
    };

    [Fact]
    public void Json_ManagedIdentityFromInstanceMetadata_NoClientSecret()
    {
        using var doc = JsonDocument.Parse(AzureCloudConfig.Json(Facts));
        var root = doc.RootElement;
        Assert.Equal("AzurePublicCloud", root.GetProperty("cloud").GetString());
        Assert.Equal(Facts.TenantId, root.GetProperty("tenantId").GetString());
        Assert.Equal(Facts.SubscriptionId, root.GetProperty("subscriptionId").GetString());
        Assert.Equal("staging-rg", root.GetProperty("resourceGroup").GetString());
        Assert.Equal("staging-rg", root.GetProperty("vnetResourceGroup").GetString());
        Assert.Equal("westeurope", root.GetProperty("location").GetString());
        Assert.True(root.GetProperty("useManagedIdentityExtension").GetBoolean());
        Assert.Equal(Facts.IdentityClientId, root.GetProperty("userAssignedIdentityID").GetString());
        Assert.True(root.GetProperty("useInstanceMetadata").GetBoolean());
        Assert.Equal("standard", root.GetProperty("vmType").GetString());
        Assert.Equal("staging-net", root.GetProperty("vnetName").GetString());
        Assert.Equal("staging-nsg", root.GetProperty("securityGroupName").GetString());
        Assert.False(root.TryGetProperty("aadClientSecret", out _));
    }

    [Fact]
    public void Manifest_TheSecretTheDriverReads_RoundTrips()
    {
        var secret = KubernetesYaml.Deserialize<V1Secret>(AzureCloudConfig.Manifest(Facts), strict: true);
        Assert.Equal(("v1", "Secret", "azure-cloud-provider", "kube-system"), (secret.ApiVersion, secret.Kind, secret.Metadata.Name, secret.Metadata.NamespaceProperty));
        Assert.Equal(AzureCloudConfig.Json(Facts), Assert.Single(secret.StringData, kv => kv.Key == "cloud-config").Value);
    }

    [Theory]
    [InlineData("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/staging-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/staging-csi", "0b1f6471-1bf0-4dda-aec3-cb9272f09590")]
    [InlineData("/SUBSCRIPTIONS/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/x", "0b1f6471-1bf0-4dda-aec3-cb9272f09590")]
    public void SubscriptionOf_ResourceId_TheSubscription(string id, string expected) => Assert.Equal(expected, AzureCloudConfig.SubscriptionOf(id));

    [Theory]
    [InlineData("")]
    [InlineData("/resourceGroups/x")]
    [InlineData("/subscriptions/not-a-guid/resourceGroups/x")]
    public void SubscriptionOf_NotAResourceId_Throws(string id) => Assert.Throws<FormatException>(() => AzureCloudConfig.SubscriptionOf(id));
}
