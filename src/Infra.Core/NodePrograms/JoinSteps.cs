using Infra.Core.Catalog;
using Infra.Core.Kubeadm;
using Infra.Core.Model;

namespace Infra.Core.NodePrograms;

/// <summary>
/// The control-plane and workers phases: kubeadm init on the first control plane, kubeadm join elsewhere. The
/// engine runs control-plane joins one at a time and worker joins in parallel.
/// </summary>
internal static class JoinSteps
{
    /// <summary>Runtime input: a bootstrap token made at apply time on the first control plane (INFRA_JOIN_TOKEN).</summary>
    public const string JoinToken = JoinCredentials.TokenInput;

    private const string Joined = $"[ -f {HostPaths.KubeletConf} ]\n";
    private const string ControlPlaneUp = $"[ -f {HostPaths.KubeletConf} ]\n[ -f {HostPaths.ManifestsDir}/kube-apiserver.yaml ]\n";

    private static SortedDictionary<string, string> In(BuildContext c) => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["kubernetes"] = c.Spec.Kubernetes.Version.ToString(),
        ["endpoint"] = c.Kubeadm.Endpoint.ToString(),
        ["kube-vip"] = c.KubeVip ? VersionCatalog.KubeVipImage : "none",
    };

    private static List<HostFile> KubeVipFiles(BuildContext c, bool init)
    {
        if (!c.KubeVip) return [];
        var files = new List<HostFile> { Steps.File(HostPaths.KubeVipSource, KubeVip.Manifest(c.Kubeadm.Endpoint, HostPaths.AdminConf), "0600") };
        if (init) files.Add(Steps.File(KubeVipInitSource, KubeVip.Manifest(c.Kubeadm.Endpoint, HostPaths.SuperAdminConf), "0600"));
        return files;
    }

    public const string KubeVipInitSource = HostPaths.InfraDir + "/kube-vip-init.yaml";

    public static Step Init(BuildContext c)
    {
        var files = KubeVipFiles(c, init: true);
        var kubeVipBefore = c.KubeVip
            ? $"  # kube-vip needs super-admin.conf until kubeadm init has given admin.conf its rights.\n  install -m 0600 {KubeVipInitSource} {HostPaths.KubeVipManifest}\n"
            : "";
        var kubeVipAfter = c.KubeVip ? $"install -m 0600 {HostPaths.KubeVipSource} {HostPaths.KubeVipManifest}\n" : "";
        var script = Steps.FixModes(files) + $"""
            if [ -f {HostPaths.AdminConf} ] && [ -f {HostPaths.ManifestsDir}/kube-apiserver.yaml ]; then
              echo 'kubeadm init already ran on this host'
            else
            {kubeVipBefore}  kubeadm init --config {HostPaths.KubeadmConfig}
            fi

            """ + kubeVipAfter;
        var check = ControlPlaneUp + $"[ -f {HostPaths.AdminConf} ]\n"
            + (c.KubeVip ? $"cmp -s {HostPaths.KubeVipSource} {HostPaths.KubeVipManifest}\n" : "");
        return Steps.Create("control-plane.init", Phase.ControlPlane,
            "Initialise the cluster with kubeadm init on the first control plane" + (c.KubeVip ? " (kube-vip holds the endpoint address)" : ""),
            script, check, In(c), OsRelease.All, files);
    }

    /// <summary>
    /// Bash that writes the node's join configuration with the apply-time token to tmpfs (mode 0600, removed on
    /// exit); the token never appears on a command line.
    /// </summary>
    private const string JoinConfigWithToken = $$"""
        : "${INFRA_JOIN_TOKEN:?INFRA_JOIN_TOKEN (a bootstrap token made at apply time) is required}"
        if [[ ! "$INFRA_JOIN_TOKEN" =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]]; then
          echo 'INFRA_JOIN_TOKEN is not a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})' >&2
          exit 1
        fi
        install -d -m 0700 {{HostPaths.RuntimeDir}}
        umask 077
        join_config={{HostPaths.RuntimeDir}}/kubeadm-join.yaml
        trap 'rm -f "$join_config"' EXIT
        template=$(cat {{HostPaths.KubeadmConfig}})
        printf '%s\n' "${template//{{KubeadmConfigRenderer.JoinTokenPlaceholder}}/$INFRA_JOIN_TOKEN}" > "$join_config"

        """;

    public static Step JoinControlPlane(BuildContext c)
    {
        var files = KubeVipFiles(c, init: false);
        var script = Steps.FixModes(files) + $"""
            if [ -f {HostPaths.KubeletConf} ] && [ -f {HostPaths.ManifestsDir}/kube-apiserver.yaml ]; then
              echo 'this host already joined the cluster as a control plane'
              exit 0
            fi

            """ + JoinConfigWithToken
            + (c.KubeVip ? $"install -m 0600 {HostPaths.KubeVipSource} {HostPaths.KubeVipManifest}\n" : "")
            + "kubeadm join --config \"$join_config\"\n";
        var check = ControlPlaneUp + (c.KubeVip ? $"cmp -s {HostPaths.KubeVipSource} {HostPaths.KubeVipManifest}\n" : "");
        return Steps.Create("control-plane.join", Phase.ControlPlane,
            $"Join the cluster as a control plane through {c.Kubeadm.Endpoint} (discovery pinned to the cluster CA)",
            script, check, In(c), OsRelease.All, files, runtimeInputs: [JoinToken]);
    }

    public static Step JoinWorker(BuildContext c)
    {
        var script = $"""
            if [ -f {HostPaths.KubeletConf} ]; then
              echo 'this host already joined the cluster'
              exit 0
            fi

            """ + JoinConfigWithToken + "kubeadm join --config \"$join_config\"\n";
        return Steps.Create("workers.join", Phase.Workers,
            $"Join the cluster as a worker through {c.Kubeadm.Endpoint} (discovery pinned to the cluster CA)",
            script, Joined, In(c), OsRelease.All, runtimeInputs: [JoinToken]);
    }
}
