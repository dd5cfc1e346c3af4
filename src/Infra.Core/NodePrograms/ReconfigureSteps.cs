using System.Globalization;
using System.Text;
using Infra.Core.Etcd;
using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.NodePrograms;

/// <summary>
/// The reconfigure procedure of a control plane: its step follows the node's init or join in the control-plane phase,
/// so the execution plan's control-plane waves run it one control plane at a time (the first control plane, then
/// the others in join order). Its inputs are the control-plane settings alone (ClusterConfiguration with this node's
/// endpoint and patches): a changed API server, controller manager, scheduler or stacked etcd setting, or certificate
/// SAN (a new controlPlane.endpoint name), changes this step and nothing else.
/// </summary>
public static class ReconfigureSteps
{
    public const string ControlPlaneStepId = "control-plane.settings";

    /// <summary>Seconds a control plane may take to run its new manifests and answer ready.</summary>
    public const int HealthTimeoutSeconds = 240;

    /// <summary>The kubeadm file the phases read: this node's InitConfiguration (no bootstrap token) and the cluster's ClusterConfiguration.</summary>
    internal static string Settings(BuildContext c, PlannedHost host, bool withVersion = true) => KubeYaml.SerializeAll(
        [
            KubeadmConfigRenderer.Init(c.Kubeadm, host) with { BootstrapTokens = null },
            withVersion ? KubeadmConfigRenderer.Cluster(c.Kubeadm) : KubeadmConfigRenderer.Cluster(c.Kubeadm) with { KubernetesVersion = null },
        ]);

    /// <summary>
    /// What the step makes true: the settings without the Kubernetes version (the upgrade procedure moves that, and
    /// kubeadm's upgrade regenerates the manifests itself) and the node's patches. With stacked etcd, also that etcd's
    /// manifest is made from them: a control plane that recorded the same settings before this step made etcd's manifest
    /// (an earlier release) had them in effect on its other components only, so it runs the step once more.
    /// </summary>
    internal static string Digest(string settings, IReadOnlyList<KubeadmPatch> patches, bool stackedEtcd)
    {
        var all = new StringBuilder(settings);
        foreach (var p in patches.OrderBy(p => p.FileName, StringComparer.Ordinal)) all.Append("\n--- patch ").Append(p.FileName).Append('\n').Append(p.Content);
        if (stackedEtcd) all.Append("\n--- in effect on stacked etcd\n");
        return Steps.Sha256Hex(all.ToString());
    }

    internal static Step ControlPlane(BuildContext c, PlannedHost host)
    {
        // The settings file itself is placed by prepare.kubeadm-config, before init or join read the same settings.
        var stacked = c.Kubeadm.ExternalEtcdEndpoints.Count == 0;
        var digest = Digest(Settings(c, host, withVersion: false), KubeadmConfigRenderer.NodePatches(c.Kubeadm, host), stacked);
        var args = new ShellArgs()
            .Set("SETTINGS", HostPaths.ControlPlaneSettings).Set("APPLIED", HostPaths.AppliedControlPlane).Set("FRESH", HostPaths.BootstrappedFresh)
            .Set("DIGEST", digest).Set("PATCHES_DIR", HostPaths.KubeadmPatchesDir).Set("PKI_DIR", PkiFiles.KubernetesPkiDir)
            .Set("MANIFESTS_DIR", HostPaths.ManifestsDir).Set("ADMIN_CONF", HostPaths.AdminConf).Set("NODE", host.Name)
            .Set("NODE_API", RenewSteps.ApiServerOf(host) ?? RenewSteps.LocalApiServer)
            .Set("HEALTH_TIMEOUT", HealthTimeoutSeconds.ToString(CultureInfo.InvariantCulture));
        // Stacked etcd's manifest follows the same settings (ClusterConfiguration's etcd.local, the image repository, the
        // node's etcd patch): made again here, its member restarted under a health gate, one control plane at a time.
        var etcd = EtcdCommands.KubeadmHealthcheck;
        args.Set("STACKED_ETCD", stacked ? "yes" : "").Set("CRI_ENDPOINT", EtcdCommands.CriEndpoint)
            .Set("ETCD_LOCAL", $"https://127.0.0.1:{PlannedMember.ClientPort}").List("ETCD_CTL", etcd.ContainerCtlWords("5s"));
        var script = ShellScript.Render(args, ShellScript.Load("reconfigure/control-plane.sh"));
        var check = ShellScript.Render(new ShellArgs().Set("APPLIED", HostPaths.AppliedControlPlane).Set("DIGEST", digest),
            ShellScript.Load("reconfigure/control-plane-check.sh"));
        return Step.Create(ControlPlaneStepId, Phase.ControlPlane,
            "reconfigure: make the API server, controller manager, scheduler and stacked etcd run with the cluster's settings (certificate SANs, "
                + "flags, patches); when they changed on a live cluster, regenerate the certificate and manifests (etcd's only while every member is "
                + "healthy, then wait until this member and every member are healthy again) and wait until the API server is ready",
            script, check, Steps.In(("settings", digest)), OsRelease.All);
    }

    /// <summary>The kubelet configuration procedure's step on every node (ExecutionPlan gives workers a wave of their own for it).</summary>
    public const string KubeletStepId = ExecutionPlan.KubeletSettingsStepId;

    /// <summary>
    /// The kubelet's health endpoint port: the KubeletConfiguration sets none, so the kubelet's default
    /// (healthzPort 10248 on healthzBindAddress 127.0.0.1; kubernetes/kubernetes pkg/kubelet/apis/config/v1beta1/defaults.go).
    /// </summary>
    public const int KubeletHealthzPort = 10248;

    /// <summary>The kubelet step's input holding that digest: the same on every node, so it names one change cluster-wide.</summary>
    public const string KubeletDigestInput = "kubelet";

    /// <summary>On the cluster's kubelet-config ConfigMap: the digest of the kubelet configuration the first control plane uploaded.</summary>
    public const string KubeletConfigMapAnnotation = "infra/kubelet-settings";

    /// <summary>The cluster's KubeletConfiguration as the tool plans it: the same file on every node, its SHA-256 the step's digest.</summary>
    internal static string KubeletSettings(BuildContext c) => KubeYaml.SerializeAll([KubeadmConfigRenderer.Kubelet(c.Spec)]);

    /// <summary>
    /// The kubelet configuration procedure on one node, after its init or join (and after control-plane.settings on a
    /// control plane): its input is the digest of the KubeletConfiguration alone, so a new kubelet setting (a stack key
    /// feeding it, or a release of this tool that changes it) runs this step and nothing else.
    /// </summary>
    internal static Step Kubelet(BuildContext c, PlannedHost host)
    {
        var digest = Steps.Sha256Hex(KubeletSettings(c));
        var controlPlane = host.Has(Roles.ControlPlane);
        var args = new ShellArgs()
            .Set("SETTINGS", HostPaths.KubeletSettings).Set("APPLIED", HostPaths.AppliedKubelet).Set("FRESH", HostPaths.KubeletBootstrappedFresh)
            .Set("DIGEST", digest).Set("ANNOTATION", KubeletConfigMapAnnotation).Set("UPLOAD_WITH", host == c.FirstControlPlane ? HostPaths.ControlPlaneSettings : "")
            .Set("RUNTIME_DIR", HostPaths.RuntimeDir).Set("KUBECONFIG_FILE", controlPlane ? HostPaths.AdminConf : HostPaths.KubeletConf)
            .Set("PATCHES_DIR", KubeadmConfigRenderer.NodePatches(c.Kubeadm, host).Count > 0 ? HostPaths.KubeadmPatchesDir : "")
            .Set("KUBELET_CONFIG", HostPaths.KubeletConfig).Set("NODE", host.Name)
            .Set("HEALTHZ_PORT", KubeletHealthzPort.ToString(CultureInfo.InvariantCulture))
            .Set("HEALTH_TIMEOUT", HealthTimeoutSeconds.ToString(CultureInfo.InvariantCulture));
        var script = ShellScript.Render(args, ShellScript.Load("reconfigure/kubelet.sh"));
        var check = ShellScript.Render(new ShellArgs().Set("APPLIED", HostPaths.AppliedKubelet).Set("DIGEST", digest),
            ShellScript.Load("reconfigure/kubelet-check.sh"));
        return Step.Create(KubeletStepId, controlPlane ? Phase.ControlPlane : Phase.Workers,
            "kubelet configuration: make the kubelet run with the cluster's KubeletConfiguration; when it changed on a live cluster, "
                + "upload it (first control plane), write it with kubeadm, restart the kubelet and wait until it is healthy and its node Ready",
            script, check, Steps.In((KubeletDigestInput, digest)), OsRelease.All);
    }
}
