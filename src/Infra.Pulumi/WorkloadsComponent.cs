using Infra.Core.Spec;
using Pulumi;
using Helm = Pulumi.Kubernetes.Helm.V3;
using HelmInputs = Pulumi.Kubernetes.Types.Inputs.Helm.V3;
using K8s = Pulumi.Kubernetes;
using Yaml = Pulumi.Kubernetes.Yaml.V2;
using YamlInputs = Pulumi.Kubernetes.Types.Inputs.Yaml.V2;

namespace Infra.Pulumi;

public sealed class WorkloadsComponentArgs
{
    public required ClusterSpec Spec { get; init; }
    /// <summary>Admin kubeconfig from the first control plane, secret.</summary>
    public required Output<string> Kubeconfig { get; init; }
}

/// <summary>
/// <c>infra:index:Workloads</c>: Core's baseline (manifests and pinned Helm charts) applied in Core's order through a
/// Kubernetes provider made from the cluster's kubeconfig. Depends on the nodes, so it starts once the API answers.
/// </summary>
public sealed class WorkloadsComponent : ComponentResource
{
    public WorkloadsComponent(string name, WorkloadsComponentArgs args, ComponentResourceOptions? options = null)
        : base("infra:index:Workloads", name, options)
    {
        var provider = new K8s.Provider(name, new K8s.ProviderArgs
        {
            KubeConfig = args.Kubeconfig,
            // Objects that already exist (from an earlier `infra apply --phase workloads`) are adopted, not refused.
            UpsertExistingObjects = true,
        }, new CustomResourceOptions { Parent = this });

        Resource? previous = null;
        foreach (var item in CoreCalls.Workloads(args.Spec))
        {
            var dependsOn = new InputList<Resource>();
            if (previous is not null) dependsOn.Add(previous);
            if (item.Chart is { } chart)
            {
                previous = new Helm.Release(item.Name, new HelmInputs.ReleaseArgs
                {
                    Name = item.Name,
                    Chart = chart.Chart,
                    Version = chart.Version,
                    Namespace = chart.Namespace,
                    CreateNamespace = true,
                    RepositoryOpts = new HelmInputs.RepositoryOptsArgs { Repo = chart.Repository },
                    ValueYamlFiles = { new StringAsset(chart.ValuesYaml) },
                    Atomic = true,
                    WaitForJobs = true,
                }, new CustomResourceOptions { Parent = this, Provider = provider, DependsOn = dependsOn });
            }
            else
            {
                previous = new Yaml.ConfigGroup(item.Name, new YamlInputs.ConfigGroupArgs { Yaml = item.ManifestYaml },
                    new ComponentResourceOptions { Parent = this, Provider = provider, DependsOn = dependsOn });
            }
        }
        RegisterOutputs();
    }
}
