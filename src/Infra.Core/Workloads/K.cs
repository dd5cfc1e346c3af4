using k8s.Models;

namespace Infra.Core.Workloads;

/// <summary>Small builders for the typed objects the baseline writes, so the components read as data.</summary>
internal static class K
{
    public const string PsaEnforce = "pod-security.kubernetes.io/enforce";

    public static Dictionary<string, string> Labels(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    public static V1ObjectMeta Meta(string name, string? ns = null, Dictionary<string, string>? labels = null,
        Dictionary<string, string>? annotations = null) =>
        new() { Name = name, NamespaceProperty = ns, Labels = labels, Annotations = annotations };

    /// <summary>A namespace with Pod Security Admission labels: enforce <paramref name="enforce"/>, warn and audit
    /// <paramref name="warn"/> (default: the same level), all pinned to the cluster's minor.</summary>
    public static V1Namespace Namespace(string name, string enforce, string psaVersion, string? warn = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Namespace",
        Metadata = Meta(name, labels: Labels(
            (PsaEnforce, enforce),
            ("pod-security.kubernetes.io/enforce-version", psaVersion),
            ("pod-security.kubernetes.io/warn", warn ?? enforce),
            ("pod-security.kubernetes.io/warn-version", psaVersion),
            ("pod-security.kubernetes.io/audit", warn ?? enforce),
            ("pod-security.kubernetes.io/audit-version", psaVersion))),
    };

    public static V1ResourceRequirements Resources(string cpuRequest, string memoryRequest, string cpuLimit, string memoryLimit) => new()
    {
        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuRequest), ["memory"] = new(memoryRequest) },
        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuLimit), ["memory"] = new(memoryLimit) },
    };

    /// <summary>The same requests and limits as chart values.</summary>
    public static ChartValues ResourceValues(string cpuRequest, string memoryRequest, string cpuLimit, string memoryLimit) =>
        ChartValues.Of(
            ("requests", ChartValues.Of(("cpu", cpuRequest), ("memory", memoryRequest))),
            ("limits", ChartValues.Of(("cpu", cpuLimit), ("memory", memoryLimit))));

    /// <summary>Pod-level non-root settings as chart values (set explicitly so a chart default cannot drift).</summary>
    public static ChartValues NonRootPodValues(long? user = null) => ChartValues.Of(
        ("runAsNonRoot", true),
        ("runAsUser", user),
        ("runAsGroup", user),
        ("seccompProfile", ChartValues.Of(("type", "RuntimeDefault"))));

    /// <summary>Container-level restricted settings as chart values.</summary>
    public static ChartValues RestrictedContainerValues(long? user = null) => ChartValues.Of(
        ("allowPrivilegeEscalation", false),
        ("capabilities", ChartValues.Of(("drop", ChartValues.List("ALL")))),
        ("readOnlyRootFilesystem", true),
        ("runAsNonRoot", true),
        ("runAsUser", user),
        ("seccompProfile", ChartValues.Of(("type", "RuntimeDefault"))));

    /// <summary>Container settings the restricted Pod Security level asks for.</summary>
    public static V1SecurityContext RestrictedContainer(long? user = null) => new()
    {
        AllowPrivilegeEscalation = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
        ReadOnlyRootFilesystem = true,
        RunAsNonRoot = true,
        RunAsUser = user,
        RunAsGroup = user,
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    public static V1PolicyRule Rule(string[] apiGroups, string[] resources, string[] verbs) =>
        new() { ApiGroups = apiGroups, Resources = resources, Verbs = verbs };

    public static V1ServiceAccount ServiceAccount(string name, string ns) =>
        new() { ApiVersion = "v1", Kind = "ServiceAccount", Metadata = Meta(name, ns) };

    public static V1ClusterRole ClusterRole(string name, params V1PolicyRule[] rules) =>
        new() { ApiVersion = "rbac.authorization.k8s.io/v1", Kind = "ClusterRole", Metadata = Meta(name), Rules = rules };

    public static V1Role Role(string name, string ns, params V1PolicyRule[] rules) =>
        new() { ApiVersion = "rbac.authorization.k8s.io/v1", Kind = "Role", Metadata = Meta(name, ns), Rules = rules };

    public static V1ClusterRoleBinding ClusterRoleBinding(string name, string role, string saName, string saNamespace) => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "ClusterRoleBinding",
        Metadata = Meta(name),
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = role },
        Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = saName, NamespaceProperty = saNamespace }],
    };

    public static V1RoleBinding RoleBinding(string name, string ns, string roleKind, string role, Rbacv1Subject subject) => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "RoleBinding",
        Metadata = Meta(name, ns),
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = roleKind, Name = role },
        Subjects = [subject],
    };

    public static Rbacv1Subject ServiceAccountSubject(string name, string ns) =>
        new() { Kind = "ServiceAccount", Name = name, NamespaceProperty = ns };

    public static V1StorageClass StorageClass(string name, string provisioner, Dictionary<string, string>? parameters,
        bool isDefault, bool expansion) => new()
        {
            ApiVersion = "storage.k8s.io/v1",
            Kind = "StorageClass",
            Metadata = Meta(name, annotations: isDefault
                ? new Dictionary<string, string> { ["storageclass.kubernetes.io/is-default-class"] = "true" }
                : null),
            Provisioner = provisioner,
            Parameters = parameters,
            ReclaimPolicy = "Delete",
            VolumeBindingMode = "WaitForFirstConsumer",
            AllowVolumeExpansion = expansion ? true : null,
        };

    /// <summary>At most one pod of a multi-replica component down at a time, so a drain waits instead of emptying it.</summary>
    public static V1PodDisruptionBudget DisruptionBudget(string name, string ns, Dictionary<string, string> selector) => new()
    {
        ApiVersion = "policy/v1",
        Kind = "PodDisruptionBudget",
        Metadata = Meta(name, ns),
        Spec = new V1PodDisruptionBudgetSpec
        {
            MaxUnavailable = 1,
            Selector = new V1LabelSelector { MatchLabels = selector },
        },
    };

    public static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };

    public static V1EnvVar EnvField(string name, string fieldPath) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = fieldPath } } };

    public static V1Volume HostPath(string name, string path, string? type = null) =>
        new() { Name = name, HostPath = new V1HostPathVolumeSource { Path = path, Type = type } };

    public static V1VolumeMount Mount(string name, string path, bool readOnly = false, string? propagation = null) =>
        new() { Name = name, MountPath = path, ReadOnlyProperty = readOnly ? true : null, MountPropagation = propagation };
}
