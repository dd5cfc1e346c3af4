namespace Infra.Core.Spec;

/// <summary>Who puts a pool label on its nodes.</summary>
public enum NodeLabelSetter
{
    /// <summary>The kubelet, through <c>--node-labels</c> at registration.</summary>
    Kubelet,
    /// <summary>The first control plane, with <c>kubectl label node --overwrite</c> after the node joined.</summary>
    AfterJoin,
    /// <summary>Nobody: the label belongs to the kubelet or to kubeadm, a value from the stack would fight theirs.</summary>
    Refused,
}

/// <summary>
/// The kubelet's rules for the labels a node may set on itself, and the tool's split of pool labels by them.
/// Source: kubernetes/kubernetes v1.34, <c>staging/src/k8s.io/kubelet/pkg/apis/well_known_labels.go</c>
/// (<c>KubeletLabels</c>, <c>KubeletLabelNamespaces</c>, <c>IsKubeletLabel</c>) and
/// <c>cmd/kubelet/app/options/options.go</c> (<c>ValidateKubeletFlags</c>: a <c>--node-labels</c> key in the
/// kubernetes.io or k8s.io namespace that is not a kubelet label stops the kubelet at start-up). The
/// NodeRestriction admission plugin, which kubeadm enables, applies the same rule to the node's own updates.
/// </summary>
public static class NodeLabelRules
{
    /// <summary>Namespaces the kubelet refuses in <c>--node-labels</c> unless the key is a kubelet label (<c>isKubernetesLabel</c>).</summary>
    public static readonly IReadOnlyList<string> KubernetesNamespaces = ["kubernetes.io", "k8s.io"];

    /// <summary>Label keys a kubelet may set on its own Node (<c>kubeletLabels</c>).</summary>
    public static readonly IReadOnlyList<string> KubeletLabels =
    [
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
        "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/instance-type",
        "kubernetes.io/os",
        "kubernetes.io/arch",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/arch",
    ];

    /// <summary>Namespaces (and their subdomains) a kubelet may set labels in (<c>kubeletLabelNamespaces</c>).</summary>
    public static readonly IReadOnlyList<string> KubeletLabelNamespaces = ["kubelet.kubernetes.io", "node.kubernetes.io"];

    /// <summary>
    /// Labels nothing in the stack may set, with why. The kubelet writes the first five itself from the machine on
    /// every start (a stack value would be replaced or would lie); kubeadm puts the control-plane role on control
    /// planes, and workload placement and kubeadm's own upgrade logic trust it to mean one.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Owned = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["kubernetes.io/hostname"] = "the kubelet sets it to the node's host name",
        ["kubernetes.io/os"] = "the kubelet sets it from the machine",
        ["kubernetes.io/arch"] = "the kubelet sets it from the machine",
        ["beta.kubernetes.io/os"] = "the kubelet set it from the machine (deprecated; use kubernetes.io/os in selectors)",
        ["beta.kubernetes.io/arch"] = "the kubelet set it from the machine (deprecated; use kubernetes.io/arch in selectors)",
        ["node-role.kubernetes.io/control-plane"] = "kubeadm puts it on control-plane nodes only",
        ["node-role.kubernetes.io/master"] = "kubeadm's former control-plane role, removed since Kubernetes 1.25",
    };

    /// <summary>The namespace (prefix) of a label key, empty when it has none (<c>getLabelNamespace</c>).</summary>
    public static string Namespace(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "" : key[..slash];
    }

    /// <summary>The namespace is <paramref name="domain"/> or a subdomain of it.</summary>
    private static bool InDomain(string ns, string domain) =>
        ns == domain || ns.EndsWith("." + domain, StringComparison.Ordinal);

    /// <summary>True when the key is in the kubernetes.io or k8s.io namespaces (the kubelet's <c>isKubernetesLabel</c>).</summary>
    public static bool IsKubernetesLabel(string key) => KubernetesNamespaces.Any(d => InDomain(Namespace(key), d));

    /// <summary>True when a kubelet may set the key on its own Node (the kubelet's <c>IsKubeletLabel</c>).</summary>
    public static bool IsKubeletLabel(string key) =>
        KubeletLabels.Contains(key, StringComparer.Ordinal) || KubeletLabelNamespaces.Any(d => InDomain(Namespace(key), d));

    /// <summary>True when the kubelet accepts the key in <c>--node-labels</c> (<c>ValidateKubeletFlags</c>).</summary>
    public static bool KubeletAccepts(string key) => !IsKubernetesLabel(key) || IsKubeletLabel(key);

    /// <summary>Who sets a pool label: refused when owned, the kubelet when it accepts it, else the first control plane after the join.</summary>
    public static NodeLabelSetter SetterOf(string key) =>
        Owned.ContainsKey(key) ? NodeLabelSetter.Refused
        : KubeletAccepts(key) ? NodeLabelSetter.Kubelet
        : NodeLabelSetter.AfterJoin;

    /// <summary>The labels of <paramref name="labels"/> that <paramref name="setter"/> sets, in key order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> SetBy(IReadOnlyDictionary<string, string> labels, NodeLabelSetter setter) =>
        [.. labels.Where(l => SetterOf(l.Key) == setter).OrderBy(l => l.Key, StringComparer.Ordinal)];
}
