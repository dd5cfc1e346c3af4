namespace Infra.Core.Kubeadm;

/// <summary>
/// Every command-line flag the tool renders into kubeadm's <c>extraArgs</c> / <c>kubeletExtraArgs</c>, with the
/// upstream file that defines it (kubernetes/kubernetes v1.34), and the kubelet flags upstream deprecates in favour
/// of the configuration file, which the tool must never render. A flag the renderer starts to emit without a row here
/// fails <c>RenderedFlagsTests</c>: read its source at the pinned minors first.
/// </summary>
public static class RenderedFlags
{
    private const string ApiServerAuthn = "pkg/kubeapiserver/options/authentication.go";
    private const string GenericOptions = "staging/src/k8s.io/apiserver/pkg/server/options/";

    /// <summary>component → flag → the upstream file that defines it.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Sources =
        new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal)
        {
            ["apiServer"] = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["authentication-config"] = ApiServerAuthn,
                ["service-account-extend-token-expiration"] = ApiServerAuthn,
                ["profiling"] = GenericOptions + "feature.go",
                ["audit-policy-file"] = GenericOptions + "audit.go",
                ["audit-log-path"] = GenericOptions + "audit.go",
                ["audit-log-maxage"] = GenericOptions + "audit.go",
                ["audit-log-maxbackup"] = GenericOptions + "audit.go",
                ["audit-log-maxsize"] = GenericOptions + "audit.go",
                ["encryption-provider-config"] = GenericOptions + "etcd.go",
                ["enable-admission-plugins"] = GenericOptions + "admission.go",
                ["admission-control-config-file"] = GenericOptions + "admission.go",
                ["kubelet-certificate-authority"] = "pkg/kubeapiserver/options/kubelet.go (KubeletConfig flags of kube-apiserver)",
                ["tls-min-version"] = GenericOptions + "serving.go",
                ["tls-cipher-suites"] = GenericOptions + "serving.go",
            },
            ["controllerManager"] = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["profiling"] = "staging/src/k8s.io/controller-manager/options/debugging.go",
            },
            ["scheduler"] = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["profiling"] = "cmd/kube-scheduler/app/options/deprecated.go (DEPRECATED, ignored only with --config)",
            },
            ["kubelet"] = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                // Instance flags with no KubeletConfiguration field: not deprecated.
                ["node-ip"] = "cmd/kubelet/app/options/options.go (KubeletFlags.NodeIP)",
                ["node-labels"] = "cmd/kubelet/app/options/options.go (KubeletFlags.NodeLabels, ValidateKubeletFlags)",
            },
        };

    /// <summary>
    /// Rendered flags upstream marks deprecated, with why the tool still renders them. kube-scheduler's
    /// <c>--profiling</c> is "DEPRECATED … ignored if a config file is specified in --config"; kubeadm starts the
    /// scheduler without <c>--config</c>, so the flag still turns profiling off (CIS 1.4.1), and kubeadm has no
    /// scheduler component configuration to set <c>enableProfiling</c> instead.
    /// </summary>
    public static readonly IReadOnlyDictionary<(string Component, string Flag), string> DeprecatedButRendered =
        new Dictionary<(string, string), string>
        {
            [("scheduler", "profiling")] = "honoured without --config, which kubeadm never passes; no other way to turn profiling off",
        };

    /// <summary>
    /// Kubelet flags deprecated in favour of KubeletConfiguration fields (cmd/kubelet/app/options/options.go marks
    /// them deprecated): the tool sets these through the configuration file only.
    /// </summary>
    public static readonly IReadOnlyList<string> DeprecatedKubeletFlags =
    [
        "cgroup-driver", "container-runtime-endpoint", "pod-infra-container-image", "register-with-taints",
        "tls-cipher-suites", "tls-min-version", "anonymous-auth", "authorization-mode", "client-ca-file",
        "read-only-port", "protect-kernel-defaults", "rotate-certificates", "event-qps",
    ];
}
