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

    public static IEnumerable<Step> For(BuildContext c, PlannedHost host, OsRelease os, IReadOnlyList<HostFile> pki, string kubeadmConfig,
        IReadOnlyList<KubeadmPatch> kubeadmPatches)
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
        yield return FilesStep("prepare.kubeadm-config",
            kubeadmPatches.Count == 0 ? "Place this node's kubeadm configuration" : "Place this node's kubeadm configuration and its patches (metrics on the node's address)",
            [Steps.File(HostPaths.KubeadmConfig, kubeadmConfig, "0600"),
             Steps.File(HostPaths.KubeletSettings, ReconfigureSteps.KubeletSettings(c), "0600"),
             .. kubeadmPatches.Select(p => Steps.File($"{HostPaths.KubeadmPatchesDir}/{p.FileName}", p.Content, "0600")),
             .. host.Has(Roles.ControlPlane) ? [Steps.File(HostPaths.ControlPlaneSettings, ReconfigureSteps.Settings(c, host), "0600")] : Array.Empty<HostFile>()]);
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
        return Step.Create("prepare.helm", Phase.Prepare, $"Check that Helm {VersionCatalog.HelmVersion} is installed for the workloads phase",
            check, check, In(("source", "preinstalled"), ("helm", VersionCatalog.HelmVersion)), OsRelease.All);
    }

    private static SortedDictionary<string, string> In(params (string Key, string Value)[] items) => Steps.In(items);

    private static ShellSource Sh(string name) => ShellScript.Load(name);

    private static Step OsCheck(BuildContext c, OsRelease os)
    {
        var cgroup = c.Versions.RequiresCgroupV2 ? "required" : "optional";
        ShellArgs Os() => new ShellArgs().Set("OS_ID", os.Id).Set("OS_VERSION_ID", os.VersionId).Set("OS_NAME", os.ToString())
            .Set("CGROUP_V2", cgroup).Set("K8S_MINOR", c.Spec.Kubernetes.Version.MinorString);
        var check = ShellScript.Render(Os(), Sh("os/check.sh"));
        var script = ShellScript.Render(
            Os().Set("JOURNAL_DIR", HostPaths.JournalDir).Set("PREEXISTING_FILE", ResetSteps.PreexistingFile).List("CREATED_DIRECTORIES", ResetSteps.CreatedDirectories),
            Sh("os/check.sh"), Sh("node-dirs/note.sh"));
        return Step.Create("prepare.os", Phase.Prepare, $"Check that the host runs {os} with systemd" + (c.Versions.RequiresCgroupV2 ? " and cgroup v2" : "")
            + "; note which directories the tool may create exist already",
            script, check, In(("os", os.ToString()), ("cgroup-v2", cgroup)), OsRelease.All);
    }

    private const string SwapLine = @"^[^#[:space:]][^#]*[[:space:]]swap[[:space:]]";

    private static Step Swap()
    {
        var script = ShellScript.Render(new ShellArgs().Set("SWAP_LINE", SwapLine).Set("FSTAB_BACKUP", FstabBackup), Sh("swap/off.sh"));
        var check = ShellScript.Render(new ShellArgs().Set("SWAP_LINE", SwapLine), Sh("swap/check.sh"));
        return Step.Create("prepare.swap", Phase.Prepare, "Turn swap off now and keep it off (fstab entries commented, swap.target masked)",
            script, check, In(), OsRelease.All);
    }

    private static Step KernelModules()
    {
        var file = Steps.File(ModulesFile, "overlay\nbr_netfilter\n");
        var script = ShellScript.Render(new ShellArgs(), Sh("kernel-modules/present.sh"), Sh("kernel-modules/load.sh"));
        var check = ShellScript.Render(new ShellArgs(), Sh("kernel-modules/present.sh"), Sh("kernel-modules/check.sh"));
        return Step.Create("prepare.kernel-modules", Phase.Prepare,
            "Load overlay and br_netfilter now and at boot (a built-in module counts as loaded)",
            Steps.FixModes([file]) + script, Steps.FilesMatch([file]) + check, In(("modules", "overlay,br_netfilter")), OsRelease.All, [file]);
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
        var check = Steps.FilesMatch([file]) + ShellScript.Render(
            new ShellArgs().List("SYSCTL_KEYS", sysctls.Keys).List("SYSCTL_VALUES", sysctls.Values), Sh("sysctl/check.sh"));
        return Step.Create("prepare.sysctl", Phase.Prepare,
            "Set bridge netfilter, IPv4 forwarding and the kernel values the kubelet protects, now and at boot",
            Steps.FixModes([file]) + ShellScript.Render(new ShellArgs().Set("SYSCTL_FILE", SysctlFile), Sh("sysctl/apply.sh")), check,
            In(("sysctls", string.Join(",", sysctls.Select(kv => kv.Key + "=" + kv.Value)))), OsRelease.All, [file]);
    }

    private static Step HostTools(BuildContext c)
    {
        var tools = RequiredTools.Concat(c.Source switch
        {
            PackageSource.Repository => ["curl", "gpg"],
            _ => UserInstalledTools,
        }).ToList();
        ShellArgs Tools() => new ShellArgs().List("TOOLS", tools).Set("HINT", c.Source == PackageSource.Repository
            ? "this step installs them"
            : "install them from the OS packages; the package source does not download");
        var check = ShellScript.Render(Tools(), Sh("host-tools/check.sh"));
        var script = c.Source == PackageSource.Repository
            ? ShellScript.Render(Tools().List("OS_PACKAGES", OsPackages), Sh("host-tools/install.sh"), Sh("host-tools/check.sh"))
            : check;
        return Step.Create("prepare.host-tools", Phase.Prepare,
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

    /// <summary>The inputs of apt/fetch-key.sh: fetch an apt signing key, refuse it unless it has the expected fingerprint.</summary>
    private static ShellArgs VerifiedKey(string url, string fingerprint, string keyring) =>
        new ShellArgs().Set("KEYRING_DIR", KeyringDir).Set("KEY_URL", url).Set("KEY_FINGERPRINT", fingerprint).Set("KEYRING", keyring);

    /// <summary>The inputs of bundle/verify.sh: the uploads' SHA-256 checked on the host, in the bundle cache.</summary>
    private static ShellArgs BundleSums(IEnumerable<BundleUpload> uploads) =>
        new ShellArgs().Set("BUNDLE_DIR", HostPaths.BundleCacheDir).Set("BUNDLE_SUMS", string.Join("\n", uploads.Select(u => $"{u.Sha256}  {u.Name}")));

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
                    check = ShellScript.Render(new ShellArgs().Set("CONTAINERD_VERSION", v.Containerd), Sh("containerd/installed-repository.sh"));
                    script = Steps.FixModes(files) + ShellScript.Render(
                        VerifiedKey($"https://download.docker.com/linux/{os.Id}/gpg", DockerKeyFingerprint, DockerKeyring).Set("CONTAINERD_VERSION", v.Containerd),
                        Sh("apt/fetch-key.sh"), Sh("containerd/install-repository.sh"), Sh("containerd/installed-repository.sh"));
                    break;
                }
            case PackageSource.Bundle:
                {
                    var archive = BundleManifest.ContainerdArchive(v);
                    uploads.Add(c.Upload(archive));
                    uploads.Add(c.Upload("runc.amd64"));
                    files.Add(Steps.File(ContainerdUnit, ContainerdServiceUnit));
                    check = ShellScript.Render(new ShellArgs().Set("CONTAINERD_VERSION", v.Containerd), Sh("containerd/version.sh"), Sh("containerd/installed-bundle.sh"))
                        + Steps.FilesMatch(files);
                    script = Steps.FixModes(files)
                        + ShellScript.Render(BundleSums(uploads).Set("CONTAINERD_ARCHIVE", archive).Set("CONTAINERD_VERSION", v.Containerd),
                            Sh("bundle/verify.sh"), Sh("containerd/install-bundle.sh"), Sh("containerd/version.sh"), Sh("containerd/installed-bundle.sh"))
                        + Steps.FilesMatch(files);
                    break;
                }
            default:
                check = ShellScript.Render(new ShellArgs().Set("MINIMUM_CONTAINERD", v.MinimumContainerd).Set("K8S_MINOR", c.Spec.Kubernetes.Version.MinorString),
                    Sh("containerd/version.sh"), Sh("containerd/installed-preinstalled.sh"));
                script = check;
                break;
        }
        var description = c.Source switch
        {
            PackageSource.Repository => $"Install containerd {v.Containerd} (containerd.io from Docker's apt repository, key fingerprint checked, pinned and held)",
            PackageSource.Bundle => $"Install containerd {v.Containerd} and runc from the bundle (SHA-256 checked on the host)",
            _ => $"Check that containerd ≥ {v.MinimumContainerd} and runc are installed",
        };
        return Step.Create("prepare.containerd-install", Phase.Prepare, description, script, check, inputs, OsRelease.All, files, bundleUploads: uploads);
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
        ShellArgs Args() => MirrorArgs(kept).Set("CONFIG", ContainerdConfig).Set("CONFIG_STAGED", ContainerdConfigStaged);
        var check = Steps.FilesMatch(files) + ShellScript.Render(Args(), Sh("containerd/mirrors.sh"), Sh("containerd/configured.sh"));
        var script = Steps.FixModes(files)
            + ShellScript.Render(Args().Set("CONFIG_BACKUP", ContainerdConfigBackup), Sh("containerd/mirrors.sh"), Sh("containerd/configure.sh"));
        return Step.Create("prepare.containerd", Phase.Prepare,
            $"Configure containerd: systemd cgroups, sandbox image pause:{c.Versions.Pause}"
            + (mirrors.Count == 0 ? "" : ", registry mirrors for " + string.Join(", ", mirrors.Select(m => m.Key))),
            script, check, In(("pause", c.Versions.Pause), ("image-repository", c.Spec.Kubernetes.ImageRepository)), OsRelease.All, files);
    }

    /// <summary>The inputs of containerd/mirrors.sh: the mirrors' hosts.toml files the plan keeps (any other the tool wrote is stale).</summary>
    internal static ShellArgs MirrorArgs(IEnumerable<string> kept) =>
        new ShellArgs().Set("CERTS_DIR", ContainerdCertsDir).Set("MANAGED_MARKER", ManagedMarker).List("KEPT_MIRRORS", kept);

    /// <summary>The inputs of kubernetes/installed.sh, which fails unless kubeadm, kubelet, kubectl and the CNI plugins are at the plan's versions.</summary>
    private static ShellArgs KubernetesVersions(BuildContext c, ShellArgs args) =>
        args.Set("K8S_VERSION", c.K8sVersion).Set("CNI_BIN_DIR", CniBinDir).Set("CNI_VERSION", c.Versions.CniPlugins);

    private static Step KubernetesInstall(BuildContext c)
    {
        var v = c.Versions;
        var minor = c.Spec.Kubernetes.Version.MinorString;
        var files = new List<HostFile>();
        var uploads = new List<BundleUpload>();
        var check = ShellScript.Render(KubernetesVersions(c, new ShellArgs()), Sh("kubernetes/installed.sh"));
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
                    + ShellScript.Render(KubernetesVersions(c, VerifiedKey($"https://pkgs.k8s.io/core:/stable:/v{minor}/deb/Release.key", KubernetesKeyFingerprint, KubernetesKeyring)),
                        Sh("apt/fetch-key.sh"), Sh("kubernetes/install-repository.sh"), Sh("kubernetes/installed.sh"));
                description = $"Install kubelet, kubeadm, kubectl {c.K8sVersion} and CNI plugins v{v.CniPlugins} from pkgs.k8s.io v{minor} (key fingerprint checked, pinned and held)";
                break;
            case PackageSource.Bundle:
                {
                    uploads.Add(c.Upload("kubeadm"));
                    uploads.Add(c.Upload("kubelet"));
                    uploads.Add(c.Upload("kubectl"));
                    var cni = BundleManifest.CniArchive(v);
                    uploads.Add(c.Upload(cni));
                    script = ShellScript.Render(KubernetesVersions(c, BundleSums(uploads).Set("CNI_ARCHIVE", cni)),
                        Sh("bundle/verify.sh"), Sh("kubernetes/install-bundle.sh"), Sh("kubernetes/installed.sh"));
                    description = $"Install kubelet, kubeadm, kubectl {c.K8sVersion} and CNI plugins v{v.CniPlugins} from the bundle (SHA-256 checked on the host)";
                    break;
                }
            default:
                script = check;
                description = $"Check that kubelet, kubeadm, kubectl {c.K8sVersion} and CNI plugins v{v.CniPlugins} are installed";
                break;
        }
        return Step.Create("prepare.kubernetes", Phase.Prepare, description, script, check,
            In(("source", SourceName(c.Source)), ("kubernetes", c.Spec.Kubernetes.Version.ToString()), ("cni-plugins", v.CniPlugins)),
            OsRelease.All, files, bundleUploads: uploads);
    }

    private static Step KubeletUnitStep()
    {
        ShellArgs Args() => new ShellArgs().Set("MANAGED_MARKER", ManagedMarker).Set("KUBELET_UNIT", KubeletUnit).Set("KUBELET_DROPIN", KubeletDropIn);
        var check = ShellScript.Render(Args(), Sh("kubelet/unit.sh"), Sh("kubelet/installed.sh"));
        var script = ShellScript.Render(Args(), Sh("kubelet/unit.sh"), Sh("kubelet/install.sh"));
        return Step.Create("prepare.kubelet-unit", Phase.Prepare, "Install the kubelet systemd unit and kubeadm's drop-in, enable the kubelet",
            script, check, In(), OsRelease.All);
    }

    private static Step FilesStep(string id, string description, IReadOnlyList<HostFile> files)
    {
        var check = new StringBuilder(Steps.FilesMatch(files));
        foreach (var f in files) check.Append($"[ \"$(stat -c %a {Bash.Quote(f.Path)})\" = '{f.Mode.TrimStart('0')}' ]\n");
        return Step.Create(id, Phase.Prepare, description, Steps.FixModes(files), check.ToString(), In(), OsRelease.All, files);
    }

    private static Step ApiServerConfig(BuildContext c)
    {
        var files = new List<HostFile>
        {
            Steps.File(HostPaths.AuthenticationConfig, KubeYaml.Serialize(KubeadmConfigRenderer.Authentication()), "0600"),
            Steps.File(HostPaths.AuditPolicy, KubeYaml.Serialize(KubeadmConfigRenderer.Audit()), "0600"),
            Steps.File(HostPaths.EncryptionConfig, KubeYaml.Serialize(KubeadmConfigRenderer.Encryption(c.Secrets.EncryptionKeys)), "0600", secret: true),
            Steps.File(HostPaths.AdmissionConfig, KubeYaml.Serialize(KubeadmConfigRenderer.Admission()), "0600"),
        };
        var check = Steps.FilesMatch(files) + $"[ \"$(stat -c %a {HostPaths.AuditLogDir})\" = 700 ]\n";
        return Step.Create("prepare.apiserver-config", Phase.Prepare,
            "Place the API server's authentication, audit, encryption-at-rest and admission configuration",
            Steps.FixModes(files) + $"install -d -m 0700 {HostPaths.AuditLogDir}\nchmod 0700 {HostPaths.AuditLogDir}\n",
            check, In(), OsRelease.All, files);
    }
}
