using Infra.Core.Kubeadm;
using Infra.Core.Model;
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
        HostPaths.PkiDir + "/etcd", HostPaths.PkiDir, HostPaths.ManifestsDir, HostPaths.KubernetesDir,
        "/etc/cni/net.d", "/etc/cni", PrepareSteps.CniBinDir, "/opt/cni", "/opt/containerd",
        PrepareSteps.ContainerdCertsDir, "/etc/containerd", "/etc/systemd/system/kubelet.service.d",
        "/var/lib/kubelet", HostPaths.EtcdDataDir, HostPaths.AuditLogDir, "/var/log/kubernetes", HostPaths.BundleCacheDir, "/var/cache/infra",
    ];

    public static IEnumerable<Step> For(BuildContext c, PlannedHost host)
    {
        yield return Kubeadm();
        yield return Services(c);
        foreach (var etcd in EtcdPhase.ResetSteps(c, host)) yield return etcd;
        if (c.Source != PackageSource.Preinstalled) yield return Installed(c);
        yield return Files();
        yield return Journal();
    }

    private static SortedDictionary<string, string> In(BuildContext c) => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["source"] = PrepareSteps.SourceName(c.Source),
    };

    private static Step Kubeadm()
    {
        var script = $"""
            if command -v kubeadm >/dev/null; then
              kubeadm reset --force --cleanup-tmp-dir
            fi
            rm -f {HostPaths.KubeVipManifest}

            """;
        var check = $"""
            [ ! -e {HostPaths.KubeletConf} ]
            [ ! -e {HostPaths.AdminConf} ]
            [ -z "$(ls -A {HostPaths.ManifestsDir} 2>/dev/null)" ]

            """;
        return Steps.Create("reset.kubeadm", Phase.Reset, "Undo kubeadm init/join (kubeadm reset: static pods, kubeconfigs, local etcd data, kubelet state)",
            script, check, new SortedDictionary<string, string>(), OsRelease.All);
    }

    private static Step Services(BuildContext c)
    {
        // A preinstalled containerd is not the tool's to stop.
        string[] units = c.Source == PackageSource.Preinstalled ? ["kubelet"] : ["kubelet", "containerd"];
        var script = string.Concat(units.Select(u => $"""
            if systemctl cat {u}.service >/dev/null 2>&1; then
              systemctl disable --now {u}.service
            fi

            """));
        // "! cmd" would not stop a set -e script; each test exits explicitly.
        var check = string.Concat(units.Select(u => $"if systemctl is-active --quiet {u}.service; then\n  exit 1\nfi\n"));
        return Steps.Create("reset.services", Phase.Reset, "Stop and disable " + string.Join(" and ", units),
            script, check, In(c), OsRelease.All);
    }

    private static Step Installed(BuildContext c)
    {
        string script;
        string check;
        string description;
        if (c.Source == PackageSource.Repository)
        {
            var packages = string.Join(' ', KubernetesPackages.Append("containerd.io"));
            script = $$"""
                installed=''
                for p in {{packages}}; do
                  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ]; then
                    installed="$installed $p"
                  fi
                done
                if [ -n "$installed" ]; then
                  # shellcheck disable=SC2086 # a list of package names
                  apt-mark unhold $installed
                  # shellcheck disable=SC2086
                  DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $installed
                fi
                rm -f {{PrepareSteps.KubernetesSources}} {{PrepareSteps.KubernetesPin}} {{PrepareSteps.KubernetesKeyring}}
                rm -f {{PrepareSteps.DockerSources}} {{PrepareSteps.DockerPin}} {{PrepareSteps.DockerKeyring}}
                # Helm, installed for the workloads phase on the first control plane.
                rm -f /usr/local/bin/helm

                """;
            check = $$"""
                for p in {{packages}}; do
                  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ]; then
                    exit 1
                  fi
                done
                [ ! -e {{PrepareSteps.KubernetesSources}} ]
                [ ! -e {{PrepareSteps.DockerSources}} ]
                [ ! -e /usr/local/bin/helm ]

                """;
            description = "Purge the Kubernetes packages and containerd.io, remove the tool's apt sources, pins and keys and Helm";
        }
        else
        {
            const string binaries = "/usr/local/bin/kubeadm /usr/local/bin/kubelet /usr/local/bin/kubectl /usr/local/bin/containerd "
                + "/usr/local/bin/containerd-shim-runc-v2 /usr/local/bin/containerd-stress /usr/local/bin/ctr /usr/local/sbin/runc /usr/local/bin/helm";
            script = $"""
                rm -f {binaries}
                rm -f {PrepareSteps.ContainerdUnit}
                rm -rf {PrepareSteps.CniBinDir} {HostPaths.BundleCacheDir}
                systemctl daemon-reload

                """;
            check = $"""
                for f in {binaries} {PrepareSteps.ContainerdUnit} {PrepareSteps.CniBinDir}; do
                  if [ -e "$f" ]; then
                    exit 1
                  fi
                done

                """;
            description = "Remove the binaries (Helm too), CNI plugins and containerd unit installed from the bundle";
        }
        return Steps.Create("reset.installed", Phase.Reset, description, script, check, In(c), OsRelease.All);
    }

    private static Step Files()
    {
        const string paths = HostPaths.InfraDir + " " + PrepareSteps.ModulesFile + " " + PrepareSteps.SysctlFile + " "
            + PrepareSteps.KubeletUnit + " " + PrepareSteps.KubeletDropIn + " " + HostPaths.AuditLogDir + " " + HostPaths.RuntimeDir;
        var created = string.Join(' ', CreatedDirectories);
        // Without the record (a host prepared by an older tool, or a second reset), no directory counts as the tool's.
        var script = $$"""
            rm -rf {{paths}}
            for f in {{PrepareSteps.ContainerdCertsDir}}/*/hosts.toml; do
              if [ -e "$f" ] && [ "$(head -n 1 "$f")" = '{{PrepareSteps.ManagedMarker}}' ]; then
                rm -f "$f"
                rmdir --ignore-fail-on-non-empty "$(dirname "$f")"
              fi
            done
            if [ -e {{PrepareSteps.ContainerdConfigBackup}} ]; then
              mv {{PrepareSteps.ContainerdConfigBackup}} {{PrepareSteps.ContainerdConfig}}
            elif [ -e {{PrepareSteps.ContainerdConfig}} ] && [ "$(head -n 1 {{PrepareSteps.ContainerdConfig}})" = '{{PrepareSteps.ManagedMarker}}' ]; then
              rm -f {{PrepareSteps.ContainerdConfig}}
            fi
            if [ -e {{PrepareSteps.FstabBackup}} ]; then
              mv {{PrepareSteps.FstabBackup}} /etc/fstab
            fi
            systemctl unmask swap.target
            systemctl daemon-reload
            # A containerd that stays (preinstalled) goes back to the configuration it had.
            if systemctl is-active --quiet containerd; then
              systemctl restart containerd
            fi
            # Last: containerd makes some of these when it starts.
            for d in {{created}}; do
              if [ -f {{PreexistingFile}} ] && ! grep -qxF "$d" {{PreexistingFile}}; then
                rm -rf "$d"
              fi
            done

            """;
        var check = $$"""
            for f in {{paths}} {{PrepareSteps.FstabBackup}} {{PrepareSteps.ContainerdConfigBackup}}; do
              if [ -e "$f" ]; then
                exit 1
              fi
            done
            for d in {{created}}; do
              if [ -e "$d" ] && [ -f {{PreexistingFile}} ] && ! grep -qxF "$d" {{PreexistingFile}}; then
                exit 1
              fi
            done
            [ "$(systemctl is-enabled swap.target 2>/dev/null || true)" != masked ]

            """;
        return Steps.Create("reset.files", Phase.Reset,
            "Remove the tool's configuration and audit logs and the directories the node made (kubelet, etcd, CNI, containerd) that were not there before; restore fstab and a prior containerd configuration",
            script, check, new SortedDictionary<string, string>(), OsRelease.All);
    }

    private static Step Journal() => Steps.Create("reset.journal", Phase.Reset, "Clear the engine's journal on this host",
        $"rm -rf {HostPaths.JournalDir}\n", $"[ ! -e {HostPaths.JournalDir} ]\n", new SortedDictionary<string, string>(), OsRelease.All);
}
