using k8s;
using k8s.Models;

namespace Infra.Core.Workloads;

/// <summary>The baseline workloads of a cluster, in apply order, and what the planner wants the user to know.</summary>
public sealed record WorkloadPlan
{
    public required IReadOnlyList<WorkloadComponent> Components { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }
}

/// <summary>
/// One unit of the baseline (e.g. "cni", "cert-manager"): an optional pinned Helm chart, then Kubernetes objects
/// applied after it (custom resources often need the chart's CRDs), then a readiness check.
/// </summary>
public sealed record WorkloadComponent
{
    /// <summary>DNS-label name, e.g. "cert-manager"; the manifest file is <c>NN-name.yaml</c>.</summary>
    public required string Name { get; init; }
    /// <summary>Apply order; unique within a plan, ascending.</summary>
    public required int Order { get; init; }
    public ChartRelease? Chart { get; init; }
    public required IReadOnlyList<KubeObject> Objects { get; init; }
    /// <summary>What must be true before the next component starts.</summary>
    public required IReadOnlyList<ReadinessCheck> Readiness { get; init; }
    /// <summary>Every image the component runs, after mirror rewriting (for the rules and for pre-pulling).</summary>
    public required IReadOnlyList<ImageRef> Images { get; init; }
}

/// <summary>A typed Kubernetes object and, optionally, a comment rendered above it (why a setting is what it is).</summary>
public sealed record KubeObject(IKubernetesObject<V1ObjectMeta> Object, string? Comment = null)
{
    public string Kind => Object.Kind;
    public string Name => Object.Metadata.Name;
    public string? Namespace => Object.Metadata.NamespaceProperty;
}

public enum ChartInstallMode
{
    /// <summary><c>helm upgrade --install</c>: a Helm release the cluster keeps.</summary>
    Release,
    /// <summary>
    /// <c>helm template | kubectl apply --server-side</c>: for charts of large CRDs that exceed what a Helm release
    /// secret can hold (as Envoy Gateway documents for its CRD chart).
    /// </summary>
    TemplateApply,
}

/// <summary>A Helm chart pinned by version, with the values the tool sets (sorted when rendered).</summary>
public sealed record ChartRelease
{
    /// <summary>Release name.</summary>
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    /// <summary>Chart name in <see cref="Repository"/>, or the full <c>oci://</c> reference when the repository is OCI.</summary>
    public required string Chart { get; init; }
    /// <summary>HTTP chart repository URL; null for an OCI chart (then <see cref="Chart"/> is the reference).</summary>
    public string? Repository { get; init; }
    public required string Version { get; init; }
    public required ChartValues Values { get; init; }
    /// <summary>Components (by name) that must be ready first.</summary>
    public required IReadOnlyList<string> DependsOn { get; init; }
    public ChartInstallMode Mode { get; init; } = ChartInstallMode.Release;
}

public enum ReadinessKind { DeploymentRollout, DaemonSetRollout, CrdEstablished, ConditionTrue }

/// <summary>
/// Something to wait for. For <see cref="ReadinessKind.ConditionTrue"/>, <see cref="Resource"/> is a kubectl resource
/// (e.g. "tigerastatus") and <see cref="Condition"/> the condition type.
/// </summary>
public sealed record ReadinessCheck
{
    public required ReadinessKind Kind { get; init; }
    public string? Namespace { get; init; }
    public required string Name { get; init; }
    public string? Resource { get; init; }
    public string? Condition { get; init; }

    public static ReadinessCheck Deployment(string ns, string name) => new() { Kind = ReadinessKind.DeploymentRollout, Namespace = ns, Name = name };
    public static ReadinessCheck DaemonSet(string ns, string name) => new() { Kind = ReadinessKind.DaemonSetRollout, Namespace = ns, Name = name };
    public static ReadinessCheck Crd(string name) => new() { Kind = ReadinessKind.CrdEstablished, Name = name };
    public static ReadinessCheck ConditionOf(string resource, string? ns, string name, string condition) =>
        new() { Kind = ReadinessKind.ConditionTrue, Resource = resource, Namespace = ns, Name = name, Condition = condition };

    /// <summary>"deployment/cert-manager/cert-manager", as reports name it.</summary>
    public string Describe() => Kind switch
    {
        ReadinessKind.DeploymentRollout => $"deployment {Namespace}/{Name} rolled out",
        ReadinessKind.DaemonSetRollout => $"daemonset {Namespace}/{Name} rolled out",
        ReadinessKind.CrdEstablished => $"CRD {Name} established",
        _ => $"{Resource} {(Namespace is null ? "" : Namespace + "/")}{Name} condition {Condition}=True",
    };
}
