using System.Text.Json;
using k8s;
using k8s.Models;

namespace Infra.Core.Workloads;

/// <summary>What the Azure layer knows only once its resources exist, and the Azure Disk CSI driver needs.</summary>
public sealed record AzureCloudFacts
{
    public required string TenantId { get; init; }
    public required string SubscriptionId { get; init; }
    public required string ResourceGroup { get; init; }
    public required string Location { get; init; }
    /// <summary>Client ID of the user-assigned identity the VMs carry (the CSI driver's own role on the group).</summary>
    public required string IdentityClientId { get; init; }
    public required string VnetName { get; init; }
    public required string SecurityGroupName { get; init; }
}

/// <summary>
/// The cloud configuration (azure.json) the Azure Disk CSI driver reads from the Secret
/// <c>kube-system/azure-cloud-provider</c>, key <c>cloud-config</c>: managed identity from the instance metadata
/// service, no client secret anywhere.
/// </summary>
public static class AzureCloudConfig
{
    public const string SecretName = "azure-cloud-provider";
    public const string SecretNamespace = "kube-system";
    public const string SecretKey = "cloud-config";

    public static string Json(AzureCloudFacts f) => JsonSerializer.Serialize(new SortedDictionary<string, object>(StringComparer.Ordinal)
    {
        ["cloud"] = "AzurePublicCloud",
        ["tenantId"] = f.TenantId,
        ["subscriptionId"] = f.SubscriptionId,
        ["resourceGroup"] = f.ResourceGroup,
        ["location"] = f.Location,
        ["useManagedIdentityExtension"] = true,
        ["userAssignedIdentityID"] = f.IdentityClientId,
        ["useInstanceMetadata"] = true,
        ["vmType"] = "standard",
        ["vnetName"] = f.VnetName,
        ["vnetResourceGroup"] = f.ResourceGroup,
        ["securityGroupName"] = f.SecurityGroupName,
    }, Indented);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static V1Secret Secret(AzureCloudFacts f) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta
        {
            Name = SecretName,
            NamespaceProperty = SecretNamespace,
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "infra" },
        },
        Type = "Opaque",
        StringData = new Dictionary<string, string> { [SecretKey] = Json(f) },
    };

    /// <summary>The Secret as a YAML manifest, for a layer that applies manifests.</summary>
    public static string Manifest(AzureCloudFacts f) => KubernetesYaml.Serialize(Secret(f));

    /// <summary>The subscription of an Azure resource ID (<c>/subscriptions/ID/resourceGroups/…</c>).</summary>
    public static string SubscriptionOf(string resourceId)
    {
        var parts = resourceId.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && string.Equals(parts[0], "subscriptions", StringComparison.OrdinalIgnoreCase) && Guid.TryParse(parts[1], out _)
            ? parts[1]
            : throw new FormatException($"'{resourceId}' is not an Azure resource ID (/subscriptions/<id>/…)");
    }
}
