using System.Text;
using Infra.Core.Catalog;
using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.NodePrograms;

/// <summary>The prepare phase: OS settings, container runtime, Kubernetes binaries, kubelet unit, files.</summary>
internal static class PrepareSteps
{
    public const string ModulesFile = "/etc/modules-load.d/infra-kubernetes.conf";
    public const string SysctlFile = "/etc/sysctl.d/90-infra-kubernetes.conf";
    public const string FstabBackup = "/etc/fstab.infra-orig";
    public const string KeyringDir = "/etc/apt/keyrings";
    public const string DockerKeyring = KeyringDir + "/infra-docker.gpg";
    public const string DockerSources = "/etc/apt/sources.list.d/infra-docker.list";
    public const string DockerPin = "/etc/apt/preferences.d/infra-containerd";
    public const string KubernetesKeyring = KeyringDir + "/infra-kubernetes.gpg";
    public const string KubernetesSources = "/etc/apt/sources.list.d/infra-kubernetes.list";
    public const string KubernetesPin = "/etc/apt/preferences.d/infra-kubernetes";
    public const string ContainerdConfig = "/etc/containerd/config.toml";
    public const string ContainerdConfigBackup = "/etc/containerd/config.toml.infra-orig";
    public const string ContainerdConfigStaged = HostPaths.InfraDir + "/containerd-config.toml";
    public const string ContainerdCertsDir = "/etc/containerd/certs.d";
    public const string ContainerdUnit = "/etc/systemd/system/containerd.service";
    public const string KubeletUnit = "/etc/systemd/system/kubelet.service";
    public const string KubeletDropIn = "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf";
    public const string CniBinDir = "/opt/cni/bin";
    /// <summary>First line of every file the tool writes that it may later remove by content.</summary>
    public const string ManagedMarker = "# managed by infra";

    /// <summary>Docker's release signing key (download.docker.com/linux/{debian,ubuntu}/gpg).</summary>
    public const string DockerKeyFingerprint = "9DC858229FC7DD38854AE2D88D81803C0EBFCD88";
    /// <summary>The pkgs.k8s.io signing key (isv:kubernetes OBS Project), the same for every minor's repository.</summary>
    public const string KubernetesKeyFingerprint = "DE15B14486CD377B9E876E1A234654DA9A296436";

    /// <summary>
    /// Binaries kubeadm's preflight requires on PATH (its mandatory InPathChecks; conntrack only before 1.32, crictl no
    /// longer: kubernetes cmd/kubeadm/app/preflight/checks_linux.go addExecChecks).
    /// </summary>
    public static readonly IReadOnlyList<string> RequiredTools = ["ip", "iptables", "mount", "nsenter"];
    /// <summary>
    /// What the bundle and preinstalled sources must find besides <see cref="RequiredTools"/>: crictl, which
    /// 'infra etcd' and the etcd restore use to reach the stacked etcd container (the repository source gets it
    /// with kubeadm's cri-tools dependency; a bundle does not carry it).
    /// </summary>
    public static readonly IReadOnlyList<string> UserInstalledTools = ["crictl"];
    /// <summary>What the repository source installs from the OS archive (kubeadm preflight tools, apt key handling).</summary>
    public static readonly IReadOnlyList<string> OsPackages =
        ["ca-certificates", "curl", "gpg", "iptables", "iproute2", "ethtool", "socat", "conntrack", "ebtables"];

    public static readonly IReadOnlyDictionary<string, string> Sysctls = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["net.bridge.bridge-nf-call-iptables"] = "1",
        ["net.bridge.bridge-nf-call-ip6tables"] = "1",
        ["net.ipv4.ip_forward"] = "1",
        // The values the kubelet checks with protectKernelDefaults: true.
        ["vm.overcommit_memory"] = "1",
        ["vm.panic_on_oom"] = "0",
        ["kernel.panic"] = "10",
        ["kernel.panic_on_oops"] = "1",
        ["kernel.keys.root_maxkeys"] = "1000000",
        ["kernel.keys.root_maxbytes"] = "25000000",
    };

    public static IEnumerable<Step> For(BuildContext c, PlannedHost host, OsRelease os, IReadOnlyList<HostFile> pki, string kubeadmConfig)
    {
        yield return OsCheck(c, os);
        yield return Swap();
        yield return KernelModules();
        yield return Sysctl(c.Spec);
        yield return HostTools(c);
        yield return ContainerdInstall(c, os);
        yield return ContainerdConfigure(c);
        yield return KubernetesInstall(c);
        yield return KubeletUnitStep();
        yield return FilesStep("prepare.pki", "Place the cluster PKI this host needs (CAs on control planes, its kubelet serving certificate)", pki);
        yield return FilesStep("prepare.kubeadm-config", "Place this node's kubeadm configuration",
            [Steps.File(HostPaths.KubeadmConfig, kubeadmConfig, "0600")]);
        if (host.Has(Roles.ControlPlane)) yield return ApiServerConfig(c);
        if (c.Source == PackageSource.Preinstalled && host == c.FirstControlPlane) yield return HelmPresent();
    }

    /// <summary>
    /// Preinstalled: the workloads phase runs Helm on the first control plane; check it here, before kubeadm init,
    /// rather than after the cluster is up.
    /// </summary>
    private static Step HelmPresent()
    {
        var check = HelmChecks.Preinstalled;
        return Steps.Create("prepare.helm", Phase.Prepare, $"Check that Helm {VersionCatalog.HelmVersion} is installed for the workloads phase",
            check, check, In(("source", "preinstalled"), ("helm", VersionCatalog.HelmVersion)), OsRelease.All);
    }

    private static SortedDictionary<string, string> In(params (string Key, string Value)[] items)
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in items) d[k] = v;
        return d;
    }

    private static Step OsCheck(BuildContext c, OsRelease os)
    {
        var sb = new StringBuilder();
        sb.Append(". /etc/os-release\n");
        sb.Append($"if [ \"${{ID:-}}\" != '{os.Id}' ] || [ \"${{VERSION_ID:-}}\" != '{os.VersionId}' ]; then\n");
        sb.Append($"  echo \"this host runs ${{PRETTY_NAME:-an unknown OS}}; the plan expects {os}\" >&2\n  exit 1\nfi\n");
        sb.Append("if ! command -v systemctl >/dev/null; then\n  echo 'systemd is required' >&2\n  exit 1\nfi\n");
        if (c.Versions.RequiresCgroupV2)
        {
            sb.Append("if [ \"$(stat -fc %T /sys/fs/cgroup)\" != cgroup2fs ]; then\n");
            sb.Append($"  echo 'Kubernetes {c.Spec.Kubernetes.Version.MinorString} needs cgroup v2 (the unified hierarchy); this host uses cgroup v1' >&2\n  exit 1\nfi\n");
        }
        var check = sb.ToString();
        // The first thing the tool does on a host: note which directories it may create exist already (reset keeps them).
        var script = check + $"""
            if [ ! -e {ResetSteps.PreexistingFile} ]; then
              install -d -m 0700 {HostPaths.JournalDir}
              for p in {string.Join(' ', ResetSteps.CreatedDirectories)}; do
                if [ -e "$p" ]; then
                  echo "$p"
                fi
              done > {ResetSteps.PreexistingFile}.tmp
              mv {ResetSteps.PreexistingFile}.tmp {ResetSteps.PreexistingFile}
            fi

            """;
        return Steps.Create("prepare.os", Phase.Prepare, $"Check that the host runs {os} with systemd" + (c.Versions.RequiresCgroupV2 ? " and cgroup v2" : "")
            + "; note which directories the tool may create exist already",
            script, check, In(("os", os.ToString()), ("cgroup-v2", c.Versions.RequiresCgroupV2 ? "required" : "optional")), OsRelease.All);
    }

    private const string SwapLine = @"^[^#[:space:]][^#]*[[:space:]]swap[[:space:]]";

    private static Step Swap()
    {
        var script = $"""
            swapoff -a
            if grep -Eq '{SwapLine}' /etc/fstab; then
              if [ ! -e {FstabBackup} ]; then
                cp -p /etc/fstab {FstabBackup}
              fi
              sed -Ei 's/({SwapLine}.*)$/# disabled by infra: \1/' /etc/fstab
              systemctl daemon-reload
            fi
            # Swap units from other sources (zram, swap files set up by the image) stay off too.
            systemctl mask swap.target

            """;
        var check = $"""
            [ -z "$(swapon --show --noheadings)" ]
            if grep -Eq '{SwapLine}' /etc/fstab; then
              exit 1
            fi
            [ "$(systemctl is-enabled swap.target 2>/dev/null || true)" = masked ]

            """;
        return Steps.Create("prepare.swap", Phase.Prepare, "Turn swap off now and keep it off (fstab entries commented, swap.target masked)",
            script, check, In(), OsRelease.All);
    }

    private static Step KernelModules()
    {
        var file = Steps.File(ModulesFile, "overlay\nbr_netfilter\n");
        // A module built into the kernel has no .ko for modprobe to load, and shows in /sys/module only when it has
        // parameters: br_netfilter (none) is there when its sysctls are, overlay when the kernel knows the filesystem.
        const string present = """
            infra_module_present() {
              case "$1" in
                overlay) grep -qw overlay /proc/filesystems ;;
                br_netfilter) [ -d /sys/module/br_netfilter ] || [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] ;;
              esac
            }

            """;
        const string script = present + """
            for m in overlay br_netfilter; do
              if ! infra_module_present "$m"; then
                modprobe "$m"
              fi
            done

            """;
        var check = Steps.FilesMatch([file]) + present + "infra_module_present overlay\ninfra_module_present br_netfilter\n";
        return Steps.Create("prepare.kernel-modules", Phase.Prepare,
            "Load overlay and br_netfilter now and at boot (a built-in module counts as loaded)",
            Steps.FixModes([file]) + script, check, In(("modules", "overlay,br_netfilter")), OsRelease.All, [file]);
    }

    /// <summary><see cref="Sysctls"/> plus the forwarding kubeadm's preflight requires for the cluster's address families.</summary>
    public static IReadOnlyDictionary<string, string> SysctlsFor(ClusterSpec spec)
    {
        var all = new SortedDictionary<string, string>(Sysctls.ToDictionary(), StringComparer.Ordinal);
        foreach (var (k, v) in KubeadmPreflight.RequiredSysctls(spec)) all[k] = v;
        return all;
    }

    private static Step Sysctl(ClusterSpec spec)
    {
        var sysctls = SysctlsFor(spec);
        var content = new StringBuilder(ManagedMarker + "\n");
        foreach (var (k, v) in sysctls) content.Append(k).Append(" = ").Append(v).Append('\n');
        var file = Steps.File(SysctlFile, content.ToString());
        var check = new StringBuilder(Steps.FilesMatch([file]));
        foreach (var (k, v) in sysctls) check.Append($"[ \"$(sysctl -n {k})\" = '{v}' ]\n");
        return Steps.Create("prepare.sysctl", Phase.Prepare,
            "Set bridge netfilter, IPv4 forwarding and the kernel values the kubelet protects, now and at boot",
            Steps.FixModes([file]) + $"sysctl --quiet --load={SysctlFile}\n", check.ToString(),
            In(("sysctls", string.Join(",", sysctls.Select(kv => kv.Key + "=" + kv.Value)))), OsRelease.All, [file]);
    }

    private static string ToolsPresent(IEnumerable<string> tools, string hint) => $"""
        missing=''
        for t in {string.Join(' ', tools)}; do
          if ! command -v "$t" >/dev/null; then
            missing="$missing $t"
          fi
        done
        if [ -n "$missing" ]; then
          echo "missing on this host:$missing ({hint})" >&2
          exit 1
        fi

        """;

    private static Step HostTools(BuildContext c)
    {
        var tools = RequiredTools.Concat(c.Source switch
        {
            PackageSource.Repository => ["curl", "gpg"],
            _ => UserInstalledTools,
        }).ToList();
        var check = ToolsPresent(tools, c.Source == PackageSource.Repository
            ? "this step installs them"
            : "install them from the OS packages; the package source does not download");
        var script = c.Source == PackageSource.Repository
            ? "export DEBIAN_FRONTEND=noninteractive\napt-get update -q\napt-get install -y -q --no-install-recommends "
              + string.Join(' ', OsPackages) + "\n" + check
            : check;
        return Steps.Create("prepare.host-tools", Phase.Prepare,
            c.Source == PackageSource.Repository
                ? "Install the OS packages kubeadm's preflight and the apt key checks need"
                : "Check that the tools kubeadm's preflight requires are installed",
            script, check, In(("source", SourceName(c.Source)), ("tools", string.Join(",", tools))), OsRelease.All);
    }

    public static string SourceName(PackageSource s) => s switch
    {
        PackageSource.Repository => "repository",
        PackageSource.Bundle => "bundle",
        PackageSource.Preinstalled => "preinstalled",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    /// <summary>Bash: fetch an apt signing key, refuse it unless its only primary key has the expected fingerprint.</summary>
    private static string FetchVerifiedKey(string url, string fingerprint, string keyring) => $$"""
        install -d -m 0755 {{KeyringDir}}
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        curl -fsSL --retry 3 {{Bash.Quote(url)}} -o "$tmp/key.asc"
        fprs=$(gpg --show-keys --with-colons "$tmp/key.asc" | awk -F: '$1 == "pub" { p = 1; next } $1 == "fpr" && p { print $10; p = 0 }')
        if [ "$fprs" != '{{fingerprint}}' ]; then
          echo "the key at {{url}} is not the expected one ({{fingerprint}}); got: $fprs" >&2
          exit 1
        fi
        gpg --dearmor < "$tmp/key.asc" > "$tmp/key.gpg"
        install -m 0644 "$tmp/key.gpg" {{keyring}}

        """;

    /// <summary>Bash: containerd's version on this host as MAJOR.MINOR.PATCH in $containerd_version.</summary>
    private const string ContainerdVersionOf = """
        if ! command -v containerd >/dev/null; then
          echo 'containerd is not installed' >&2
          exit 1
        fi
        containerd_version=$(containerd --version | awk '{ print $3 }')
        containerd_version=${containerd_version#v}
        containerd_version=${containerd_version%%[~+-]*}

        """;

    private static Step ContainerdInstall(BuildContext c, OsRelease os)
    {
        var v = c.Versions;
        var files = new List<HostFile>();
        var uploads = new List<BundleUpload>();
        string script;
        string check;
        var inputs = In(("source", SourceName(c.Source)), ("containerd", v.Containerd), ("minimum-containerd", v.MinimumContainerd));
        switch (c.Source)
        {
            case PackageSource.Repository:
                {
                    files.Add(Steps.File(DockerSources,
                        $"{ManagedMarker}\ndeb [signed-by={DockerKeyring}] https://download.docker.com/linux/{os.Id} {os.Codename} stable\n"));
                    files.Add(Steps.File(DockerPin, $"{ManagedMarker}\nPackage: containerd.io\nPin: version {v.Containerd}-*\nPin-Priority: 1001\n"));
                    check = $$"""
                    [ "$(dpkg-query -W -f='${db:Status-Status}' containerd.io 2>/dev/null)" = installed ]
                    case "$(dpkg-query -W -f='${Version}' containerd.io)" in
                      {{v.Containerd}}-*) ;;
                      *) exit 1 ;;
                    esac
                    command -v runc >/dev/null

                    """;
                    script = Steps.FixModes(files) + FetchVerifiedKey($"https://download.docker.com/linux/{os.Id}/gpg", DockerKeyFingerprint, DockerKeyring) + $"""
                    export DEBIAN_FRONTEND=noninteractive
                    apt-get update -q
                    # The pin selects {v.Containerd}; containerd.io replaces the distribution's containerd and runc.
                    apt-get install -y -q --allow-change-held-packages --allow-downgrades containerd.io
                    apt-mark hold containerd.io

                    """ + check;
                    break;
                }
            case PackageSource.Bundle:
                {
                    var archive = BundleManifest.ContainerdArchive(v);
                    uploads.Add(c.Upload(archive));
                    uploads.Add(c.Upload("runc.amd64"));
                    files.Add(Steps.File(ContainerdUnit, ContainerdServiceUnit));
                    check = ContainerdVersionOf + $"""
                    [ "$containerd_version" = '{v.Containerd}' ]
                    [ -x /usr/local/sbin/runc ]

                    """ + Steps.FilesMatch(files);
                    script = Steps.FixModes(files) + $"""
                    cd {HostPaths.BundleCacheDir}
                    sha256sum --check --strict - <<'EOF'
                    {uploads[0].Sha256}  {archive}
                    {uploads[1].Sha256}  runc.amd64
                    EOF
                    tar -xzf {Bash.Quote(archive)} -C /usr/local
                    install -m 0755 runc.amd64 /usr/local/sbin/runc
                    rm -f {Bash.Quote(archive)} runc.amd64
                    systemctl daemon-reload
                    systemctl enable containerd

                    """ + check;
                    break;
                }
            default:
                check = ContainerdVersionOf + $"""
                    if [ "$(printf '%s\n' '{v.MinimumContainerd}' "$containerd_version" | sort -V | head -n 1)" != '{v.MinimumContainerd}' ]; then
                      echo "containerd $containerd_version is older than {v.MinimumContainerd}, the oldest Kubernetes {c.Spec.Kubernetes.Version.MinorString} supports" >&2
                      exit 1
                    fi
                    if ! command -v runc >/dev/null; then
                      echo 'runc is not installed' >&2
                      exit 1
                    fi

                    """;
                script = check;
                break;
        }
        var description = c.Source switch
        {
            PackageSource.Repository => $"Install containerd {v.Containerd} (containerd.io from Docker's apt repository, key fingerprint checked, pinned and held)",
            PackageSource.Bundle => $"Install containerd {v.Containerd} and runc from the bundle (SHA-256 checked on the host)",
            _ => $"Check that containerd ≥ {v.MinimumContainerd} and runc are installed",
        };
        return Steps.Create("prepare.containerd-install", Phase.Prepare, description, script, check, inputs, OsRelease.All, files, bundleUploads: uploads);
    }

    /// <summary>containerd's own unit (containerd.service in the containerd repository), binary under /usr/local.</summary>
    public const string ContainerdServiceUnit = """
        # managed by infra
        [Unit]
        Description=containerd container runtime
        Documentation=https://containerd.io
        After=network.target local-fs.target dbus.service

        [Service]
        ExecStartPre=-/sbin/modprobe overlay
        ExecStart=/usr/local/bin/containerd
        Type=notify
        Delegate=yes
        KillMode=process
        Restart=always
        RestartSec=5
        LimitNPROC=infinity
        LimitCORE=infinity
        TasksMax=infinity
        OOMScoreAdjust=-999

        [Install]
        WantedBy=multi-user.target

        """;

    /// <summary>
    /// Config version 2: the format of containerd 1.6/1.7, which containerd 2.x still reads (it migrates it to
    /// version 3 in memory), so one file serves every containerd a host may have.
    /// </summary>
    public static string ContainerdConfigToml(BuildContext c) => $"""
        {ManagedMarker}
        version = 2

        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = {Toml.BasicString($"{c.Spec.Kubernetes.ImageRepository}/pause:{c.Versions.Pause}")}

        [plugins."io.containerd.grpc.v1.cri".containerd]
          default_runtime_name = "runc"

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
          runtime_type = "io.containerd.runc.v2"

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = true

        [plugins."io.containerd.grpc.v1.cri".registry]
          config_path = {Toml.BasicString(ContainerdCertsDir)}

        """;

    /// <summary>
    /// The folder of a registry's hosts.toml, certs.d/&lt;host[:port]&gt; (containerd docs/hosts.md). Only a registry
    /// host (DNS labels, an optional port) names a folder, so no key can reach outside certs.d.
    /// </summary>
    /// <exception cref="ArgumentException">The key is not a registry host.</exception>
    public static string MirrorHostsDirectory(string registry) =>
        MirrorHostsDirectoryProblem(registry) is { } problem ? throw new ArgumentException(problem, nameof(registry)) : ContainerdCertsDir + "/" + registry;

    /// <summary>Why a registry key names no single folder under certs.d, or null.</summary>
    public static string? MirrorHostsDirectoryProblem(string registry)
    {
        var problem = $"the registry '{Limits.Show(registry)}' is not a host name with an optional port; it would not name one folder under {ContainerdCertsDir}";
        if (TextRules.RegistryHost(registry) is not null) return problem;
        var dir = ContainerdCertsDir + "/" + registry;
        // Belt and braces: the folder is exactly one level under certs.d.
        return System.IO.Path.GetFullPath(dir) != dir || System.IO.Path.GetDirectoryName(dir) != ContainerdCertsDir ? problem : null;
    }

    /// <summary>hosts.toml for a registry mirror (containerd's registry host configuration).</summary>
    public static string MirrorHostsToml(string registry, string mirror)
    {
        MirrorHostsDirectory(registry);
        var server = registry == "docker.io" ? "https://registry-1.docker.io" : "https://" + registry;
        var scheme = "https://";
        var m = mirror;
        if (m.StartsWith("http://", StringComparison.Ordinal)) { scheme = "http://"; m = m[7..]; }
        else if (m.StartsWith("https://", StringComparison.Ordinal)) { m = m[8..]; }
        m = m.TrimEnd('/');
        var slash = m.IndexOf('/', StringComparison.Ordinal);
        // A mirror with a path (a project of a proxying registry) needs the API prefix written out.
        var host = slash < 0 ? scheme + m : $"{scheme}{m[..slash]}/v2{m[slash..]}";
        var sb = new StringBuilder();
        sb.Append(ManagedMarker).Append('\n');
        sb.Append("server = ").Append(Toml.BasicString(server)).Append("\n\n");
        sb.Append("[host.").Append(Toml.BasicString(host)).Append("]\n");
        sb.Append("  capabilities = [\"pull\", \"resolve\"]\n");
        if (slash >= 0) sb.Append("  override_path = true\n");
        return sb.ToString();
    }

    private static Step ContainerdConfigure(BuildContext c)
    {
        var mirrors = c.Spec.Packages.Mirrors.OrderBy(m => m.Key, StringComparer.Ordinal).ToList();
        // config.toml is staged and installed by the script, which first keeps a configuration the host had (for reset).
        var files = new List<HostFile> { Steps.File(ContainerdConfigStaged, ContainerdConfigToml(c)) };
        foreach (var (registry, mirror) in mirrors)
        {
            files.Add(Steps.File(MirrorHostsDirectory(registry) + "/hosts.toml", MirrorHostsToml(registry, mirror)));
        }
        var kept = mirrors.Select(m => MirrorHostsDirectory(m.Key) + "/hosts.toml").ToList();
        string StaleMirrors(string action) => $$"""
            for f in {{ContainerdCertsDir}}/*/hosts.toml; do
              [ -e "$f" ] || continue
              case "$f" in
                {{(kept.Count == 0 ? "''" : string.Join("|", kept.Select(Bash.Quote)))}}) continue ;;
              esac
              if [ "$(head -n 1 "$f")" = '{{ManagedMarker}}' ]; then
                {{action}}
              fi
            done

            """;
        var check = Steps.FilesMatch(files) + $"cmp -s {ContainerdConfigStaged} {ContainerdConfig}\n"
            + StaleMirrors("exit 1") + "systemctl is-active --quiet containerd\n";
        var script = Steps.FixModes(files) + $"""
            install -d -m 0755 /etc/containerd
            if [ -e {ContainerdConfig} ] && [ ! -e {ContainerdConfigBackup} ] && [ "$(head -n 1 {ContainerdConfig})" != '{ManagedMarker}' ]; then
              cp -p {ContainerdConfig} {ContainerdConfigBackup}
            fi
            install -m 0644 {ContainerdConfigStaged} {ContainerdConfig}

            """ + StaleMirrors("rm -f \"$f\"\n    rmdir --ignore-fail-on-non-empty \"$(dirname \"$f\")\"") + """
            systemctl enable containerd
            systemctl restart containerd
            for _ in $(seq 1 30); do
              if [ -S /run/containerd/containerd.sock ]; then
                break
              fi
              sleep 1
            done
            if [ ! -S /run/containerd/containerd.sock ]; then
              echo 'containerd did not start; see journalctl -u containerd' >&2
              exit 1
            fi

            """;
        return Steps.Create("prepare.containerd", Phase.Prepare,
            $"Configure containerd: systemd cgroups, sandbox image pause:{c.Versions.Pause}"
            + (mirrors.Count == 0 ? "" : ", registry mirrors for " + string.Join(", ", mirrors.Select(m => m.Key))),
            script, check, In(("pause", c.Versions.Pause), ("image-repository", c.Spec.Kubernetes.ImageRepository)), OsRelease.All, files);
    }

    /// <summary>Bash that fails unless kubeadm, kubelet, kubectl and the CNI plugins are at the plan's versions.</summary>
    private static string KubernetesVersionsCheck(BuildContext c) => $"""
        for b in kubeadm kubelet kubectl; do
          if ! command -v "$b" >/dev/null; then
            echo "$b is not installed" >&2
            exit 1
          fi
        done
        if [ "$(kubeadm version -o short)" != '{c.K8sVersion}' ]; then
          echo "kubeadm $(kubeadm version -o short) is installed, {c.K8sVersion} is planned" >&2
          exit 1
        fi
        if [ "$(kubelet --version)" != 'Kubernetes {c.K8sVersion}' ]; then
          echo "$(kubelet --version) is installed, {c.K8sVersion} is planned" >&2
          exit 1
        fi
        # sed reads all of it: head would exit early and kubectl die of SIGPIPE, which pipefail makes this step's failure.
        kubectl_version=$(kubectl version --client 2>/dev/null | sed -n 1p)
        if [ "$kubectl_version" != 'Client Version: {c.K8sVersion}' ]; then
          echo "kubectl reports '$kubectl_version', {c.K8sVersion} is planned" >&2
          exit 1
        fi
        for p in bridge host-local loopback portmap; do
          if [ ! -x "{CniBinDir}/$p" ]; then
            echo "the CNI plugin {CniBinDir}/$p is missing" >&2
            exit 1
          fi
        done
        # Without CNI_COMMAND a plugin prints its name and version.
        cni_about=$(env -u CNI_COMMAND {CniBinDir}/loopback 2>&1 </dev/null || true)
        case "$cni_about" in
          *' plugin v{c.Versions.CniPlugins}'*) ;;
          *)
            echo "the CNI plugins are not v{c.Versions.CniPlugins}: $cni_about" >&2
            exit 1
            ;;
        esac

        """;

    private static Step KubernetesInstall(BuildContext c)
    {
        var v = c.Versions;
        var minor = c.Spec.Kubernetes.Version.MinorString;
        var files = new List<HostFile>();
        var uploads = new List<BundleUpload>();
        var check = KubernetesVersionsCheck(c);
        string script;
        string description;
        switch (c.Source)
        {
            case PackageSource.Repository:
                files.Add(Steps.File(KubernetesSources,
                    $"{ManagedMarker}\ndeb [signed-by={KubernetesKeyring}] https://pkgs.k8s.io/core:/stable:/v{minor}/deb/ /\n"));
                files.Add(Steps.File(KubernetesPin, $"""
                    {ManagedMarker}
                    Package: kubelet kubeadm kubectl
                    Pin: version {c.Spec.Kubernetes.Version}-*
                    Pin-Priority: 1001

                    Package: kubernetes-cni
                    Pin: version {v.CniPlugins}-*
                    Pin-Priority: 1001

                    """));
                script = Steps.FixModes(files)
                    + FetchVerifiedKey($"https://pkgs.k8s.io/core:/stable:/v{minor}/deb/Release.key", KubernetesKeyFingerprint, KubernetesKeyring)
                    + """
                    export DEBIAN_FRONTEND=noninteractive
                    apt-get update -q
                    # The pins select the planned versions; held packages change only through this step.
                    apt-get install -y -q --allow-change-held-packages --allow-downgrades kubelet kubeadm kubectl kubernetes-cni
                    apt-mark hold kubelet kubeadm kubectl kubernetes-cni

                    """ + check;
                description = $"Install kubelet, kubeadm, kubectl {c.K8sVersion} and CNI plugins v{v.CniPlugins} from pkgs.k8s.io v{minor} (key fingerprint checked, pinned and held)";
                break;
            case PackageSource.Bundle:
                {
                    uploads.Add(c.Upload("kubeadm"));
                    uploads.Add(c.Upload("kubelet"));
                    uploads.Add(c.Upload("kubectl"));
                    var cni = BundleManifest.CniArchive(v);
                    uploads.Add(c.Upload(cni));
                    var sums = string.Join("\n", uploads.Select(u => $"{u.Sha256}  {u.Name}"));
                    script = $"""
                    cd {HostPaths.BundleCacheDir}
                    sha256sum --check --strict - <<'EOF'
                    {sums}
                    EOF
                    install -m 0755 kubeadm kubelet kubectl /usr/local/bin/
                    install -d -m 0755 {CniBinDir}
                    tar -xzf {Bash.Quote(cni)} -C {CniBinDir}
                    rm -f kubeadm kubelet kubectl {Bash.Quote(cni)}

                    """ + check;
                    description = $"Install kubelet, kubeadm, kubectl {c.K8sVersion} and CNI plugins v{v.CniPlugins} from the bundle (SHA-256 checked on the host)";
                    break;
                }
            default:
                script = check;
                description = $"Check that kubelet, kubeadm, kubectl {c.K8sVersion} and CNI plugins v{v.CniPlugins} are installed";
                break;
        }
        return Steps.Create("prepare.kubernetes", Phase.Prepare, description, script, check,
            In(("source", SourceName(c.Source)), ("kubernetes", c.Spec.Kubernetes.Version.ToString()), ("cni-plugins", v.CniPlugins)),
            OsRelease.All, files, bundleUploads: uploads);
    }

    /// <summary>
    /// Bash functions printing the kubelet unit and kubeadm's drop-in for the kubelet found on PATH (/usr/bin from
    /// packages, /usr/local/bin from a bundle, wherever a preinstalled one is).
    /// </summary>
    private const string KubeletUnitFunctions = """
        infra_kubelet_unit() {
          cat <<EOF
        # managed by infra
        [Unit]
        Description=kubelet: The Kubernetes Node Agent
        Documentation=https://kubernetes.io/docs/
        Wants=network-online.target
        After=network-online.target containerd.service

        [Service]
        ExecStart=$(command -v kubelet)
        Restart=always
        StartLimitInterval=0
        RestartSec=10

        [Install]
        WantedBy=multi-user.target
        EOF
        }
        infra_kubeadm_dropin() {
          cat <<EOF
        # managed by infra
        [Service]
        Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
        Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
        EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
        EnvironmentFile=-/etc/default/kubelet
        ExecStart=
        ExecStart=$(command -v kubelet) \$KUBELET_KUBECONFIG_ARGS \$KUBELET_CONFIG_ARGS \$KUBELET_KUBEADM_ARGS \$KUBELET_EXTRA_ARGS
        EOF
        }

        """;

    private static Step KubeletUnitStep()
    {
        var check = KubeletUnitFunctions + $"""
            [ "$(infra_kubelet_unit)" = "$(cat {KubeletUnit} 2>/dev/null)" ]
            [ "$(infra_kubeadm_dropin)" = "$(cat {KubeletDropIn} 2>/dev/null)" ]
            systemctl is-enabled --quiet kubelet

            """;
        var script = KubeletUnitFunctions + $"""
            if ! command -v kubelet >/dev/null; then
              echo 'kubelet is not installed' >&2
              exit 1
            fi
            install -d -m 0755 {Path(KubeletDropIn)}
            infra_kubelet_unit > {KubeletUnit}
            infra_kubeadm_dropin > {KubeletDropIn}
            chmod 0644 {KubeletUnit} {KubeletDropIn}
            systemctl daemon-reload
            # kubeadm starts the kubelet once its configuration exists.
            systemctl enable kubelet

            """;
        return Steps.Create("prepare.kubelet-unit", Phase.Prepare, "Install the kubelet systemd unit and kubeadm's drop-in, enable the kubelet",
            script, check, In(), OsRelease.All);
    }

    private static string Path(string file) => file[..file.LastIndexOf('/')];

    private static Step FilesStep(string id, string description, IReadOnlyList<HostFile> files)
    {
        var check = new StringBuilder(Steps.FilesMatch(files));
        foreach (var f in files) check.Append($"[ \"$(stat -c %a {Bash.Quote(f.Path)})\" = '{f.Mode.TrimStart('0')}' ]\n");
        return Steps.Create(id, Phase.Prepare, description, Steps.FixModes(files), check.ToString(), In(), OsRelease.All, files);
    }

    private static Step ApiServerConfig(BuildContext c)
    {
        var files = new List<HostFile>
        {
            Steps.File(HostPaths.AuthenticationConfig, KubeYaml.Serialize(KubeadmConfigRenderer.Authentication()), "0600"),
            Steps.File(HostPaths.AuditPolicy, KubeYaml.Serialize(KubeadmConfigRenderer.Audit()), "0600"),
            Steps.File(HostPaths.EncryptionConfig, KubeYaml.Serialize(KubeadmConfigRenderer.Encryption(c.Secrets.EncryptionKey)), "0600", secret: true),
            Steps.File(HostPaths.AdmissionConfig, KubeYaml.Serialize(KubeadmConfigRenderer.Admission()), "0600"),
        };
        var check = Steps.FilesMatch(files) + $"[ \"$(stat -c %a {HostPaths.AuditLogDir})\" = 700 ]\n";
        return Steps.Create("prepare.apiserver-config", Phase.Prepare,
            "Place the API server's authentication, audit, encryption-at-rest and admission configuration",
            Steps.FixModes(files) + $"install -d -m 0700 {HostPaths.AuditLogDir}\nchmod 0700 {HostPaths.AuditLogDir}\n",
            check, In(), OsRelease.All, files);
    }
}
