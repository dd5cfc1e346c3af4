using System.Collections.Immutable;
using Infra.Core.Infrastructure;
using Pulumi;
#if CLOUD_AWS
using Infra.Pulumi.Aws;
#endif
#if CLOUD_AZURE
using Infra.Pulumi.Azure;
#endif
#if CLOUD_GCP
using Infra.Pulumi.Gcp;
#endif

namespace Infra.Pulumi;

/// <summary>The cloud component for a plan, among those compiled in (MSBuild property <c>Clouds</c>; with none, bare metal only).</summary>
internal static class Clouds
{
    /// <returns>The VMs' addresses, the API endpoint, and Kubernetes objects the cloud's storage driver needs (or null).</returns>
    public static (Output<ImmutableArray<VmAddress>> Addresses, Output<string> ApiEndpoint, Output<string>? CloudObjects) Create(
        InfrastructurePlan plan, IReadOnlyDictionary<string, Output<string>> userData, Output<string> adminPublicKey, ComponentResourceOptions options)
    {
#if !CLOUD_AZURE
        _ = adminPublicKey; // only Azure puts the admin key on its VMs itself; the others get it through cloud-init
#endif
        switch (plan.Target)
        {
#if CLOUD_AWS
            case Core.Spec.Target.Aws:
                {
                    var c = new AwsCluster(plan.Cluster, new AwsClusterArgs { Plan = plan, UserData = userData }, options);
                    return (c.Addresses, c.ApiEndpoint, null);
                }
#endif
#if CLOUD_AZURE
            case Core.Spec.Target.Azure:
                {
                    var c = new AzureCluster(plan.Cluster, new AzureClusterArgs { Plan = plan, UserData = userData, AdminPublicKey = adminPublicKey }, options);
                    return (c.Addresses, c.ApiEndpoint, c.CloudConfigManifest);
                }
#endif
#if CLOUD_GCP
            case Core.Spec.Target.Gcp:
                {
                    var c = new GcpCluster(plan.Cluster, new GcpClusterArgs { Plan = plan, UserData = userData }, options);
                    return (c.Addresses, c.ApiEndpoint, null);
                }
#endif
            default:
                var cloud = Infra.Core.Spec.SpecNames.Name(plan.Target);
                throw new RunException(
                    $"target {cloud} is not compiled into this program: build it with Clouds including {cloud} (INFRA_CLOUDS={cloud} pulumi up, or -p:Clouds={cloud})");
        }
    }
}
