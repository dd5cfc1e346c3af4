using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.NodePrograms;

/// <summary>
/// The reset phase: kubeadm reset, services stopped, what the tool installed removed, the journal directory
/// cleared. OS packages the tool installed for kubeadm's preflight (curl, iptables, …) stay: other software may use them.
/// </summary>
internal static class ResetSteps
{
    private static readonly string[] KubernetesPackages = ["kubelet", "kubeadm", "kubectl", "kubernetes-cni"];

    /// <summary>Which of <see cref="CreatedDirectories"/> existed before the tool first touched the host (written by prepare.os).</summary>
    public const string PreexistingFile = HostPaths.JournalDir + "/preexisting";

    /// <summary>
    /// Directories that the tool, kubeadm, containerd or a CNI create on a node, deepest first. Reset removes each one
    /// that did not exist before (see <see cref="PreexistingFile"/>) and keeps the others (kubeadm reset empties its own).
    /// </summary>
    public static readonly IReadOnlyList<string> CreatedDirectories =
    [
        PkiFiles.KubernetesPkiDir + "/etcd", PkiFiles.KubernetesPkiDir, HostPaths.ManifestsDir, HostPaths.KubernetesDir,
        "/etc/cni/net.d", "/etc/cni", PrepareSteps.CniBinDir, "/opt/cni", "/opt/containerd",
        PrepareSteps.ContainerdCertsDir, "/etc/containerd", "/etc/systemd/system/kubelet.service.d",
        "/var/lib/kubelet", HostPaths.EtcdDataDir, HostPaths.AuditLogDir, "/var/log/kubernetes", HostPaths.BundleCacheDir, HostPaths.CacheDir,
    ];

    public static IEnumerable<Step> For(BuildContext c, PlannedHost host)
    {
        foreach (var backup in EtcdBackupStep.ResetForStackedControlPlane(c, host)) yield return backup;
        yield return Kubeadm();
        yield return Services(c);
        foreach (var etcd in EtcdPhase.ResetSteps(c, host)) yield return etcd;
        if (c.Source != PackageSource.Preinstalled) yield return Installed(c);
        yield return Files();
        yield return Journal();
    }

    private static SortedDictionary<string, string> In(BuildContext c) => Steps.In(("source", PrepareSteps.SourceName(c.Source)));

    private static ShellSource Sh(string name) => ShellScript.Load(name);

    private static Step Kubeadm()
    {
        var script = ShellScript.Render(new ShellArgs().Set("KUBE_VIP_MANIFEST", HostPaths.KubeVipManifest), Sh("kubeadm/reset.sh"));
        var check = ShellScript.Render(
            new ShellArgs().Set("KUBELET_CONF", HostPaths.KubeletConf).Set("ADMIN_CONF", HostPaths.AdminConf).Set("MANIFESTS_DIR", HostPaths.ManifestsDir),
            Sh("kubeadm/reset-check.sh"));
        return Step.Create("reset.kubeadm", Phase.Reset, "Undo kubeadm init/join (kubeadm reset: static pods, kubeconfigs, local etcd data, kubelet state)",
            script, check, new SortedDictionary<string, string>(), OsRelease.All);
    }

    private static Step Services(BuildContext c)
    {
        // A preinstalled containerd is not the tool's to stop.
        string[] units = c.Source == PackageSource.Preinstalled ? ["kubelet"] : ["kubelet", "containerd"];
        var args = new ShellArgs().List("UNITS", units);
        return Step.Create("reset.services", Phase.Reset, "Stop and disable " + string.Join(" and ", units),
            ShellScript.Render(args, Sh("services/stop.sh")), ShellScript.Render(args, Sh("services/stopped.sh")), In(c), OsRelease.All);
    }

    private static Step Installed(BuildContext c)
    {
        string script;
        string check;
        string description;
        if (c.Source == PackageSource.Repository)
        {
            string[] packages = [.. KubernetesPackages, "containerd.io"];
            script = ShellScript.Render(new ShellArgs().List("PACKAGES", packages).List("REMOVE",
                [
                    PrepareSteps.KubernetesSources, PrepareSteps.KubernetesPin, PrepareSteps.KubernetesKeyring,
                    PrepareSteps.DockerSources, PrepareSteps.DockerPin, PrepareSteps.DockerKeyring,
                    // Helm, installed for the workloads phase on the first control plane.
                    HelmBinary,
                ]), Sh("packages/purge.sh"));
            check = ShellScript.Render(new ShellArgs().List("PACKAGES", packages)
                .List("GONE", [PrepareSteps.KubernetesSources, PrepareSteps.DockerSources, HelmBinary]), Sh("packages/purged.sh"));
            description = "Purge the Kubernetes packages and containerd.io, remove the tool's apt sources, pins and keys and Helm";
        }
        else
        {
            string[] binaries =
            [
                "/usr/local/bin/kubeadm", "/usr/local/bin/kubelet", "/usr/local/bin/kubectl", "/usr/local/bin/containerd",
                "/usr/local/bin/containerd-shim-runc-v2", "/usr/local/bin/containerd-stress", "/usr/local/bin/ctr", "/usr/local/sbin/runc", HelmBinary,
            ];
            script = ShellScript.Render(new ShellArgs().List("REMOVE", [.. binaries, PrepareSteps.ContainerdUnit, PrepareSteps.CniBinDir, HostPaths.BundleCacheDir]),
                Sh("bundle/remove.sh"));
            check = ShellScript.Render(new ShellArgs().List("GONE", [.. binaries, PrepareSteps.ContainerdUnit, PrepareSteps.CniBinDir]), Sh("bundle/removed.sh"));
            description = "Remove the binaries (Helm too), CNI plugins and containerd unit installed from the bundle";
        }
        return Step.Create("reset.installed", Phase.Reset, description, script, check, In(c), OsRelease.All);
    }

    private const string HelmBinary = "/usr/local/bin/helm";

    private static Step Files()
    {
        string[] paths =
        [
            HostPaths.InfraDir, PrepareSteps.ModulesFile, PrepareSteps.SysctlFile, PrepareSteps.KubeletUnit, PrepareSteps.KubeletDropIn,
            HostPaths.AuditLogDir, HostPaths.RuntimeDir,
        ];
        // Each component puts back what it changed; last the directories the node made (containerd makes some when it starts).
        var script = ShellScript.Render(
            PrepareSteps.MirrorArgs([]).Set("CONFIG", PrepareSteps.ContainerdConfig).Set("CONFIG_BACKUP", PrepareSteps.ContainerdConfigBackup)
                .List("TOOL_PATHS", paths).Set("FSTAB_BACKUP", PrepareSteps.FstabBackup)
                .Set("PREEXISTING_FILE", PreexistingFile).List("CREATED_DIRECTORIES", CreatedDirectories),
            Sh("tool-files/remove.sh"), Sh("swap/reset.sh"), Sh("containerd/mirrors.sh"), Sh("containerd/reset.sh"), Sh("node-dirs/remove.sh"));
        var check = ShellScript.Render(new ShellArgs().Set("PREEXISTING_FILE", PreexistingFile).List("CREATED_DIRECTORIES", CreatedDirectories).List("LEFTOVERS", [.. paths, PrepareSteps.FstabBackup, PrepareSteps.ContainerdConfigBackup]),
            Sh("tool-files/removed.sh"), Sh("node-dirs/removed.sh"), Sh("swap/reset-check.sh"));
        return Step.Create("reset.files", Phase.Reset,
            "Remove the tool's configuration and audit logs and the directories the node made (kubelet, etcd, CNI, containerd) that were not there before; restore fstab and a prior containerd configuration",
            script, check, new SortedDictionary<string, string>(), OsRelease.All);
    }

    private static Step Journal() => Step.Create("reset.journal", Phase.Reset, "Clear the engine's journal on this host",
        $"rm -rf {HostPaths.JournalDir}\n", $"[ ! -e {HostPaths.JournalDir} ]\n", new SortedDictionary<string, string>(), OsRelease.All);
}
