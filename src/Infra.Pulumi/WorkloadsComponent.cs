using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Core.Workloads;
using Pulumi;
using HelmV3 = Pulumi.Kubernetes.Helm.V3;
using HelmV3Inputs = Pulumi.Kubernetes.Types.Inputs.Helm.V3;
using HelmV4 = Pulumi.Kubernetes.Helm.V4;
using HelmV4Inputs = Pulumi.Kubernetes.Types.Inputs.Helm.V4;
using K8s = Pulumi.Kubernetes;
using K8sCore = Pulumi.Kubernetes.Core.V1;
using K8sCoreInputs = Pulumi.Kubernetes.Types.Inputs.Core.V1;
using K8sMetaInputs = Pulumi.Kubernetes.Types.Inputs.Meta.V1;
using Yaml = Pulumi.Kubernetes.Yaml.V2;
using YamlInputs = Pulumi.Kubernetes.Types.Inputs.Yaml.V2;

namespace Infra.Pulumi;

public sealed class WorkloadsComponentArgs
{
    public required ClusterSpec Spec { get; init; }
    /// <summary>Admin kubeconfig from the first control plane, secret.</summary>
    public required Output<string> Kubeconfig { get; init; }
    /// <summary>Objects the cloud layer made for the workloads (Azure: the CSI driver's cloud configuration), secret; applied first.</summary>
    public Output<string>? CloudObjects { get; init; }
    /// <summary>Labels the kubelet may not set itself (node-role.kubernetes.io/*, …), per node: Core's AfterJoinLabels.</summary>
    public IReadOnlyList<NodeLabels> NodeLabels { get; init; } = [];
    /// <summary>
    /// The secret parts of the alert receivers by their key in the Secret <see cref="AlertsSpec.SecretName"/> (from Pulumi
    /// secret config, <see cref="StackInput.AlertReceivers"/>); empty when the stack names no receiver that needs one.
    /// </summary>
    public IReadOnlyDictionary<string, Output<string>> AlertReceivers { get; init; } = new Dictionary<string, Output<string>>();
}

/// <summary>
/// <c>infra:index:Workloads</c>: Core's baseline applied in Core's order (each component's chart, then its objects)
/// through a Kubernetes provider made from the cluster's kubeconfig. Depends on the nodes, so it starts once the
/// API server answers.
/// </summary>
public sealed class WorkloadsComponent : ComponentResource
{
    public WorkloadsComponent(string name, WorkloadsComponentArgs args, ComponentResourceOptions? options = null)
        : base("infra:index:Workloads", name, options)
    {
        var provider = new K8s.Provider(name, new K8s.ProviderArgs
        {
            KubeConfig = args.Kubeconfig,
            // Objects an earlier `infra apply --phase workloads` made are adopted, not refused.
            UpsertExistingObjects = true,
        }, new CustomResourceOptions { Parent = this });

        Resource? previous = args.CloudObjects is { } cloudObjects
            ? new Yaml.ConfigGroup("cloud-objects", new YamlInputs.ConfigGroupArgs { Yaml = cloudObjects },
                new ComponentResourceOptions { Parent = this, Provider = provider })
            : null;
        InputList<Resource> After()
        {
            var list = new InputList<Resource>();
            if (previous is not null) list.Add(previous);
            return list;
        }
        // Server-side apply patches of the joined nodes' labels: a label taken out of the stack leaves the node with
        // the patch's field manager. First, as `infra apply` does: workloads may select nodes by them.
        // Kept although kubeadm:index:PoolLabels (the relabel step, before the workloads) now sets every pool label and
        // taint: deleting a Patch resource relinquishes its field manager (pulumi-kubernetes v4.32.0 await.Deletion calls
        // ssa.Relinquish, an apply of an empty object under that manager), and the API server then removes every field no
        // other manager owns. On a cluster these patches labelled first, the relabel step's kubectl label finds the values
        // already there and takes no ownership (server-side apply: ownership moves only when a value changes), so
        // dropping the patches would strip the node-role labels after the relabel step recorded them done. Both set the
        // same values from the stack, the relabel step first, so the patches never conflict with it.
        foreach (var node in args.NodeLabels)
        {
            var labels = new InputMap<string>();
            foreach (var (key, value) in node.Labels) labels.Add(key, value);
            previous = new K8sCore.NodePatch($"node-labels-{node.Node}", new K8sCoreInputs.NodePatchArgs
            {
                Metadata = new K8sMetaInputs.ObjectMetaPatchArgs { Name = node.Node, Labels = labels },
            }, new CustomResourceOptions { Parent = this, Provider = provider, DependsOn = After() });
        }
        foreach (var component in CoreCalls.Workloads(args.Spec))
        {
            // The Secret Alertmanager reads its receivers' secrets from, before the chart that mounts it (its namespace
            // comes with the namespaces component). Pulumi keeps stringData secret in the state.
            if (component.Name == "monitoring" && args.AlertReceivers.Count > 0)
            {
                var data = new InputMap<string>();
                foreach (var (key, value) in args.AlertReceivers) data.Add(key, value);
                previous = new K8sCore.Secret("alert-receivers", new K8sCoreInputs.SecretArgs
                {
                    Metadata = new K8sMetaInputs.ObjectMetaArgs
                    {
                        Name = AlertsSpec.SecretName,
                        Namespace = AlertsSpec.SecretNamespace,
                        Labels = { { "app.kubernetes.io/managed-by", "infra" } },
                    },
                    Type = "Opaque",
                    StringData = data,
                }, new CustomResourceOptions { Parent = this, Provider = provider, DependsOn = After() });
            }
            if (component.Chart is { } chart)
            {
                var values = new StringAsset(chart.Values.ToJson());
                previous = chart.Mode == ChartInstallMode.TemplateApply
                    // Rendered client-side and applied as objects, as `infra apply` does for this chart.
                    ? new HelmV4.Chart(chart.Name, new HelmV4Inputs.ChartArgs
                    {
                        Name = chart.Name,
                        Chart = chart.Chart,
                        Version = chart.Version,
                        Namespace = chart.Namespace,
                        RepositoryOpts = chart.Repository is null ? null : (Input<HelmV4Inputs.RepositoryOptsArgs>)new HelmV4Inputs.RepositoryOptsArgs { Repo = chart.Repository },
                        ValueYamlFiles = { values },
                    }, new ComponentResourceOptions { Parent = this, Provider = provider, DependsOn = After() })
                    : new HelmV3.Release(chart.Name, new HelmV3Inputs.ReleaseArgs
                    {
                        Name = chart.Name,
                        Chart = chart.Chart,
                        Version = chart.Version,
                        Namespace = chart.Namespace,
                        CreateNamespace = true,
                        RepositoryOpts = chart.Repository is null ? null : (Input<HelmV3Inputs.RepositoryOptsArgs>)new HelmV3Inputs.RepositoryOptsArgs { Repo = chart.Repository },
                        ValueYamlFiles = { values },
                        Atomic = true,
                        WaitForJobs = true,
                    }, new CustomResourceOptions { Parent = this, Provider = provider, DependsOn = After() });
            }
            if (component.Objects.Count > 0)
            {
                previous = new Yaml.ConfigGroup(component.Name, new YamlInputs.ConfigGroupArgs { Yaml = CoreCalls.Manifest(component) },
                    new ComponentResourceOptions { Parent = this, Provider = provider, DependsOn = After() });
            }
        }
        RegisterOutputs();
    }
}
