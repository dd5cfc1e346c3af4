using Infra.Core.Catalog;
using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Core.Shell;

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

    /// <summary>
    /// What a bootstrap depends on beyond its script and files. Not the endpoint or other settings a live cluster can
    /// change: those reach it through their procedures (control-plane.settings, workloads.node-labels), and a change
    /// here would only make init or join say "already ran" and be journaled as done.
    /// </summary>
    private static SortedDictionary<string, string> In(BuildContext c) => Steps.In(
        ("kubernetes", c.Spec.Kubernetes.Version.ToString()),
        ("kube-vip", c.KubeVip ? VersionCatalog.KubeVipImage : "none"));

    private static List<HostFile> KubeVipFiles(BuildContext c, bool init)
    {
        if (!c.KubeVip) return [];
        var files = new List<HostFile> { Steps.File(HostPaths.KubeVipSource, KubeVip.Manifest(c.Kubeadm.Endpoint, HostPaths.AdminConf), "0600") };
        if (init) files.Add(Steps.File(KubeVipInitSource, KubeVip.Manifest(c.Kubeadm.Endpoint, HostPaths.SuperAdminConf), "0600"));
        return files;
    }

    public const string KubeVipInitSource = HostPaths.InfraDir + "/kube-vip-init.yaml";

    private static ShellSource Sh(string name) => ShellScript.Load(name);

    /// <summary>kube-vip's inputs: empty paths when the cluster has no kube-vip.</summary>
    private static ShellArgs KubeVipArgs(BuildContext c, ShellArgs args) =>
        args.Set("KUBE_VIP_SOURCE", c.KubeVip ? HostPaths.KubeVipSource : "").Set("KUBE_VIP_MANIFEST", HostPaths.KubeVipManifest);

    private static ShellArgs UpArgs(BuildContext c) =>
        KubeVipArgs(c, new ShellArgs().Set("KUBELET_CONF", HostPaths.KubeletConf).Set("MANIFESTS_DIR", HostPaths.ManifestsDir));

    public static Step Init(BuildContext c)
    {
        var files = KubeVipFiles(c, init: true);
        var script = Steps.FixModes(files) + ShellScript.Render(
            KubeVipArgs(c, new ShellArgs().Set("ADMIN_CONF", HostPaths.AdminConf).Set("MANIFESTS_DIR", HostPaths.ManifestsDir)
                .Set("KUBEADM_CONFIG", HostPaths.KubeadmConfig).Set("KUBE_VIP_INIT_SOURCE", c.KubeVip ? KubeVipInitSource : "")
                .Set("FRESH", HostPaths.BootstrappedFresh).Set("SETTINGS", HostPaths.ControlPlaneSettings).Set("KUBELET_FRESH", HostPaths.KubeletBootstrappedFresh)
                .Set("KUBELET_SETTINGS", HostPaths.KubeletSettings)),
            Sh("kubeadm/init.sh"));
        var check = ShellScript.Render(UpArgs(c).Set("ADMIN_CONF", HostPaths.AdminConf), Sh("kubeadm/up.sh"), Sh("kubeadm/initialised.sh"));
        return Step.Create(NodeProgram.InitStepId, Phase.ControlPlane,
            "Initialise the cluster with kubeadm init on the first control plane" + (c.KubeVip ? " (kube-vip holds the endpoint address)" : ""),
            script, check, In(c), OsRelease.All, files);
    }

    /// <summary>The inputs of kubeadm/join-config.sh, which writes the join configuration with the apply-time token to tmpfs.</summary>
    private static ShellArgs JoinConfigArgs(ShellArgs args) =>
        args.Set("RUNTIME_DIR", HostPaths.RuntimeDir).Set("KUBEADM_CONFIG", HostPaths.KubeadmConfig)
            .Set("TOKEN_PLACEHOLDER", KubeadmConfigRenderer.JoinTokenPlaceholder);

    public static Step JoinControlPlane(BuildContext c)
    {
        var files = KubeVipFiles(c, init: false);
        var script = Steps.FixModes(files) + ShellScript.Render(JoinConfigArgs(UpArgs(c)).Set("FRESH", HostPaths.BootstrappedFresh).Set("SETTINGS", HostPaths.ControlPlaneSettings)
                .Set("KUBELET_FRESH", HostPaths.KubeletBootstrappedFresh).Set("KUBELET_SETTINGS", HostPaths.KubeletSettings),
            Sh("kubeadm/joined-control-plane.sh"), Sh("kubeadm/join-config.sh"), Sh("kubeadm/join-control-plane.sh"));
        var check = ShellScript.Render(UpArgs(c), Sh("kubeadm/up.sh"));
        return Step.Create("control-plane.join", Phase.ControlPlane,
            $"Join the cluster as a control plane through {c.Kubeadm.Endpoint} (discovery pinned to the cluster CA)",
            script, check, In(c), OsRelease.All, files, runtimeInputs: [JoinToken]);
    }

    public static Step JoinWorker(BuildContext c)
    {
        var script = ShellScript.Render(JoinConfigArgs(new ShellArgs().Set("KUBELET_CONF", HostPaths.KubeletConf)
                .Set("KUBELET_FRESH", HostPaths.KubeletBootstrappedFresh).Set("KUBELET_SETTINGS", HostPaths.KubeletSettings)),
            Sh("kubeadm/joined-worker.sh"), Sh("kubeadm/join-config.sh"), Sh("kubeadm/join-worker.sh"));
        return Step.Create("workers.join", Phase.Workers,
            $"Join the cluster as a worker through {c.Kubeadm.Endpoint} (discovery pinned to the cluster CA)",
            script, Joined, In(c), OsRelease.All, runtimeInputs: [JoinToken]);
    }
}
