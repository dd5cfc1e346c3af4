using Infra.Core.Infrastructure;

namespace Infra.Core.Tests.Infrastructure;

/// <summary>
/// Azure REST API, Role Assignments - Create: <c>properties.roleDefinitionId</c> is
/// <c>/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionId}</c>;
/// a custom role defined on a resource group has the id <c>/subscriptions/{sub}/resourceGroups/{rg}/providers/…</c>.
/// </summary>
public class CloudIdentityTests
{
    private const string Sub = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
    private const string Role = "3e1c2f4a-5b6d-4e7f-8a9b-0c1d2e3f4a5b";

    [Theory]
    [Trait("Item", "11.6")]
    [InlineData($"/subscriptions/{Sub}/resourceGroups/rg-prod/providers/Microsoft.Authorization/roleDefinitions/{Role}")]
    [InlineData($"/subscriptions/{Sub}/providers/Microsoft.Authorization/roleDefinitions/{Role}")]
    [InlineData($"/subscriptions/{Sub}/resourcegroups/rg-prod/providers/microsoft.authorization/roledefinitions/{Role}")]
    public void AzureRoleAssignmentDefinitionId_RoleAtAnyScope_IsTheSubscriptionForm(string id) =>
        Assert.Equal($"/subscriptions/{Sub}/providers/Microsoft.Authorization/roleDefinitions/{Role}",
            CloudIdentities.AzureRoleAssignmentDefinitionId(id));

    [Theory]
    [Trait("Item", "11.6")]
    [InlineData(Role)]
    [InlineData($"/providers/Microsoft.Authorization/roleDefinitions/{Role}")]
    [InlineData($"/subscriptions/{Sub}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/{Role}")]
    [InlineData($"/subscriptions/{Sub}/providers/Microsoft.Authorization/roleDefinitions/not-a-guid")]
    public void AzureRoleAssignmentDefinitionId_NotARoleDefinitionId_Throws(string id) =>
        Assert.Throws<FormatException>(() => CloudIdentities.AzureRoleAssignmentDefinitionId(id));
}
