using System.Net;
using System.Text;
using Infra.Core.Etcd;
using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.NodePrograms;

/// <summary>
/// External etcd (etcd as a systemd service on hosts with the etcd role). The prepare phase installs etcd and
/// places the member's certificates on every member at once; the etcd phase starts one member at a time, with
/// the membership change the engine's etcd coordinator makes for it passed in as runtime inputs
/// (<see cref="StartInputs"/>). The member runs as the system user <c>etcd</c> (its keys are chowned to it), data in
/// <c>/var/lib/etcd</c> (0700). Stacked etcd is kubeadm's static pod and has no steps here.
/// </summary>
internal static class EtcdPhase
{
    public const string User = "etcd";
    public const string ConfigDir = "/etc/etcd";
    public const string EnvFile = ConfigDir + "/etcd.env";
    /// <summary>Written for a member's first start only, removed once it has data (a wiped member must not bootstrap alone).</summary>
    public const string InitialClusterFile = ConfigDir + "/initial-cluster.env";
    public const string Unit = "/etc/systemd/system/etcd.service";
    public const string ConfigStamp = HostPaths.JournalDir + "/etcd-config.sha256";
    public const string InstallDir = "/usr/local/bin";

    /// <summary>Runtime input of <c>etcd.member</c>: how the member starts, made by the engine's etcd coordinator.</summary>
    public const string StartInputs = EtcdMembers.StartInput;

    public static bool IsExternalMember(ClusterSpec spec, PlannedHost host) =>
        spec.Etcd.Topology == EtcdTopology.External && host.Has(Roles.Etcd);

    /// <summary>The member's steps in the prepare phase: install etcd, place its certificates.</summary>
    public static IReadOnlyList<Step> PrepareMemberSteps(BuildContext c, PlannedHost host, IReadOnlyList<HostFile> pki) =>
        IsExternalMember(c.Spec, host) ? [Install(c), Certificates(pki)] : [];

    /// <summary>The member's steps in the etcd phase: run the member, then its scheduled snapshots (etcd.backup).</summary>
    public static IReadOnlyList<Step> MemberSteps(BuildContext c, PlannedHost host) =>
        IsExternalMember(c.Spec, host) ? [Member(c, host), .. EtcdBackupStep.ForMember(c, host)] : [];

    /// <summary>What every member's membership change is decided against (the same values the member step hashes).</summary>
    public static Model.EtcdMembershipFacts MembershipFacts(BuildContext c)
    {
        var release = EtcdRelease.For(c.Spec.Kubernetes.Version)!;
        return new Model.EtcdMembershipFacts
        {
            Members = [.. EtcdMembers.Of(c.Spec, c.Hosts).Select(m => new Model.EtcdPeer(m.Name, m.Address))],
            Token = EtcdMembers.BootstrapToken(c.Spec),
            KubernetesMinor = c.Spec.Kubernetes.Version.MinorString,
            Release = release.Version.ToString(),
            MinimumForKubeadm = release.MinimumForKubeadm.ToString(),
        };
    }

    /// <summary>Why a cluster with external etcd cannot be built (bundle or release problems); empty when it can.</summary>
    public static IReadOnlyList<NodeProgramProblem> Problems(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, BundleManifest? bundle)
    {
        if (spec.Etcd.Topology != EtcdTopology.External) return [];
        var problems = new List<NodeProgramProblem>();
        var release = EtcdRelease.For(spec.Kubernetes.Version);
        var members = hosts.Where(h => h.Has(Roles.Etcd)).ToList();
        if (members.Count == 0) problems.Add(new(null, "etcd topology 'external' needs hosts with the role 'etcd'"));
        if (release is null || spec.Packages.Source != PackageSource.Bundle || bundle is null) return problems;
        var file = bundle.Find(release.Archive);
        var what = file is null
            ? $"the bundle has no '{release.Archive}' (etcd v{release.Version}, {release.Url})"
            : file.Sha256 != release.Sha256
                ? $"the bundle's '{release.Archive}' is not the etcd release (its SHA-256 is {file.Sha256}, the release's is {release.Sha256})"
                : null;
        if (what is not null) problems.AddRange(members.Select(h => new NodeProgramProblem(h.Name, what)));
        return problems;
    }

    private static SortedDictionary<string, string> In(params (string Key, string Value)[] items) => Steps.In(items);

    private static ShellSource Sh(string name) => ShellScript.Load(name);

    private static ShellArgs UserArgs() => new ShellArgs().Set("ETCD_USER", User).Set("ETCD_DATA_DIR", HostPaths.EtcdDataDir);

    private static Step Install(BuildContext c)
    {
        var release = EtcdRelease.For(c.Spec.Kubernetes.Version)!;
        var oldest = EtcdVersion.OldestSupported;
        var uploads = new List<BundleUpload>();
        string script;
        string check;
        string description;
        ShellArgs Installed() => UserArgs().Set("INSTALL_DIR", InstallDir).Set("ETCD_VERSION", release.Version.ToString());
        ShellArgs Unpack(ShellArgs args) => args.Set("ETCD_ARCHIVE", release.Archive).Set("ETCD_SHA256", release.Sha256).Set("ARCHIVE_FOLDER", release.ArchiveFolder);
        var installedCheck = ShellScript.Render(Installed(), Sh("etcd/installed.sh"), Sh("etcd/user-check.sh"));
        switch (c.Source)
        {
            case PackageSource.Repository:
                check = installedCheck;
                script = ShellScript.Render(Unpack(Installed()).Set("ETCD_URL", release.Url),
                    Sh("etcd/download.sh"), Sh("etcd/unpack.sh"), Sh("etcd/user.sh"), Sh("etcd/installed.sh"), Sh("etcd/user-check.sh"));
                description = $"Install etcd v{release.Version} from its GitHub release (SHA-256 of the release's SHA256SUMS checked), user etcd, data folder 0700";
                break;
            case PackageSource.Bundle:
                uploads.Add(c.Upload(release.Archive));
                check = installedCheck;
                script = ShellScript.Render(Unpack(Installed()).Set("BUNDLE_DIR", HostPaths.BundleCacheDir),
                    Sh("etcd/from-bundle.sh"), Sh("etcd/unpack.sh"), ShellScript.Generated("rm -f \"$archive\"\n"), Sh("etcd/user.sh"),
                    Sh("etcd/installed.sh"), Sh("etcd/user-check.sh"));
                description = $"Install etcd v{release.Version} from the bundle (SHA-256 of the release checked on the host), user etcd, data folder 0700";
                break;
            default:
                check = ShellScript.Render(UserArgs().Set("OLDEST_ETCD", oldest.ToString()), Sh("etcd/version.sh"), Sh("etcd/installed-preinstalled.sh"), Sh("etcd/user-check.sh"));
                script = ShellScript.Render(UserArgs().Set("OLDEST_ETCD", oldest.ToString()), Sh("etcd/version.sh"), Sh("etcd/installed-preinstalled.sh"), Sh("etcd/user.sh"));
                description = $"Check that etcd ≥ {oldest} is installed (kubeadm wants ≥ {release.MinimumForKubeadm}), user etcd, data folder 0700";
                break;
        }
        return Step.Create("prepare.etcd-install", Phase.Prepare, description, script, check,
            In(("source", PrepareSteps.SourceName(c.Source)), ("etcd", release.Version.ToString()), ("sha256", release.Sha256)),
            OsRelease.All, bundleUploads: uploads);
    }

    /// <summary>The keys the member reads are the etcd user's; the health-check client pair stays root's (for etcdctl).</summary>
    private static readonly string[] MemberKeys = [PkiFiles.ExternalEtcdServerKey, PkiFiles.ExternalEtcdPeerKey];

    private static Step Certificates(IReadOnlyList<HostFile> pki)
    {
        var check = new StringBuilder(Steps.FilesMatch(pki));
        foreach (var f in pki) check.Append($"[ \"$(stat -c %a {Bash.Quote(f.Path)})\" = '{f.Mode.TrimStart('0')}' ]\n");
        foreach (var k in MemberKeys) check.Append($"[ \"$(stat -c %U {k})\" = {User} ]\n");
        var script = Steps.FixModes(pki) + $"chown {User}:{User} {string.Join(' ', MemberKeys)}\n";
        return Step.Create("prepare.etcd-pki", Phase.Prepare,
            "Place the member's etcd CA, server, peer and health-check certificates under /etc/etcd/pki (keys 0600, the member's owned by etcd)",
            script, check.ToString(), In(), OsRelease.All, pki);
    }

    /// <summary>The member's configuration: everything but how it first joins (see <see cref="InitialClusterFile"/>).</summary>
    public static string EnvironmentFile(PlannedMember m)
    {
        // etcd binds IP addresses only: a member known by a DNS name listens on every address.
        var listen = IPAddress.TryParse(m.Address, out _) ? m.Address : "0.0.0.0";
        var urlHost = PlannedMember.UrlHost(listen);
        var clients = listen == "0.0.0.0"
            ? $"https://0.0.0.0:{PlannedMember.ClientPort}"
            : $"https://{urlHost}:{PlannedMember.ClientPort},https://127.0.0.1:{PlannedMember.ClientPort}";
        return $"""
            {PrepareSteps.ManagedMarker}
            ETCD_NAME={m.Name}
            ETCD_DATA_DIR={HostPaths.EtcdDataDir}
            ETCD_LISTEN_PEER_URLS=https://{urlHost}:{PlannedMember.PeerPort}
            ETCD_LISTEN_CLIENT_URLS={clients}
            ETCD_ADVERTISE_CLIENT_URLS={m.ClientUrl}
            ETCD_INITIAL_ADVERTISE_PEER_URLS={m.PeerUrl}
            ETCD_LISTEN_METRICS_URLS={MetricsUrls(listen)}
            ETCD_CERT_FILE={PkiFiles.ExternalEtcdServerCert}
            ETCD_KEY_FILE={PkiFiles.ExternalEtcdServerKey}
            ETCD_TRUSTED_CA_FILE={PkiFiles.ExternalEtcdCaCert}
            ETCD_CLIENT_CERT_AUTH=true
            ETCD_PEER_CERT_FILE={PkiFiles.ExternalEtcdPeerCert}
            ETCD_PEER_KEY_FILE={PkiFiles.ExternalEtcdPeerKey}
            ETCD_PEER_TRUSTED_CA_FILE={PkiFiles.ExternalEtcdCaCert}
            ETCD_PEER_CLIENT_CERT_AUTH=true
            ETCD_SNAPSHOT_COUNT=10000
            ETCD_STRICT_RECONFIG_CHECK=true
            # A member whose data is lost must not start a cluster of its own: it can only join an existing one.
            ETCD_INITIAL_CLUSTER_STATE=existing

            """;
    }

    /// <summary>Metrics-only listener: 127.0.0.1 for local checks, and the member's address for the cluster's Prometheus.</summary>
    public static string MetricsUrls(string listen) => listen == "0.0.0.0"
        ? $"http://0.0.0.0:{ControlPlaneMetrics.EtcdMetricsPort}"
        : ControlPlaneMetrics.EtcdMetricsUrls(listen);

    /// <summary>etcdctl against this member only, with the member's health-check client certificate.</summary>
    private static string[] LocalCtl =>
    [
        "etcdctl", $"--endpoints=https://127.0.0.1:{PlannedMember.ClientPort}", $"--cacert={PkiFiles.ExternalEtcdCaCert}",
        $"--cert={PkiFiles.ExternalEtcdHealthcheckCert}", $"--key={PkiFiles.ExternalEtcdHealthcheckKey}", "--dial-timeout=2s", "--command-timeout=3s",
    ];

    private static Step Member(BuildContext c, PlannedHost host)
    {
        var members = EtcdMembers.Of(c.Spec, c.Hosts);
        var self = members.Single(m => m.Name == host.Name);
        var release = EtcdRelease.For(c.Spec.Kubernetes.Version)!;
        var env = Steps.File(EnvFile, EnvironmentFile(self));
        ShellArgs Unit() => new ShellArgs().Set("MANAGED_MARKER", PrepareSteps.ManagedMarker).Set("ETCD_MEMBER", self.Name).Set("ETCD_CLUSTER", c.Spec.Name)
            .Set("ETCD_USER", User).Set("ENV_FILE", EnvFile).Set("INITIAL_CLUSTER_FILE", InitialClusterFile)
            .Set("UNIT", EtcdPhase.Unit).Set("CONFIG_STAMP", ConfigStamp).Set("MEMBER_DATA_DIR", EtcdObservation.MemberDataDir);
        // "name/isLearner" of every member, sorted as LC_ALL=C sort does.
        var expected = string.Concat(members.Select(m => m.Name).Order(StringComparer.Ordinal).Select(n => n + "/false "));
        var check = Steps.FilesMatch([env])
            + ShellScript.Render(Unit().List("LOCAL_CTL", LocalCtl).Set("EXPECTED_MEMBERS", expected), Sh("etcd/unit.sh"), Sh("etcd/member-check.sh"));
        var script = Steps.FixModes([env]) + ShellScript.Render(
            Unit().Set("CONFIG_DIR", ConfigDir).Set("ETCD_DATA_DIR", HostPaths.EtcdDataDir).Set("JOURNAL_DIR", HostPaths.JournalDir),
            Sh("etcd/unit.sh"), Sh("etcd/member.sh"));
        return Step.Create("etcd.member", Phase.Etcd,
            $"Run etcd member {self.Name} ({self.PeerUrl}) as a systemd service enabled for boot; it joins as a learner and is promoted once in sync",
            script, check,
            // What the coordinator decides against, also where it only has this step (the Pulumi provider's per-host engine).
            In(("member", self.Name), ("members", EtcdMembers.InitialCluster(members)), ("token", EtcdMembers.BootstrapToken(c.Spec)),
                ("kubernetes", c.Spec.Kubernetes.Version.MinorString), ("etcd", release.Version.ToString()), ("minimum-etcd", release.MinimumForKubeadm.ToString())),
            OsRelease.All, [env], runtimeInputs: [StartInputs]);
    }

    /// <summary>
    /// Stops and removes the member: unit, configuration, certificates, binaries the tool installed, and its data
    /// (a data folder that was there before, as Debian's etcd package makes it, stays; what the member wrote goes).
    /// </summary>
    public static IReadOnlyList<Step> ResetSteps(BuildContext c, PlannedHost host)
    {
        if (!IsExternalMember(c.Spec, host)) return [];
        string[] binaries = c.Source == PackageSource.Preinstalled ? [] : [$"{InstallDir}/etcd", $"{InstallDir}/etcdctl", $"{InstallDir}/etcdutl"];
        ShellArgs Args() => new ShellArgs().List("FILES",
            [Unit, EnvFile, InitialClusterFile, ConfigStamp, PkiFiles.EtcdPkiDir, .. binaries, EtcdObservation.MemberDataDir, EtcdRestore.PreviousData, EtcdRestore.Staging,
                EtcdBackups.TimerUnitPath, EtcdBackups.ServiceUnitPath, EtcdBackups.ScriptPath, EtcdBackups.TimerStamp])
            .List("UNITS", [EtcdBackups.TimerName, EtcdBackups.ServiceName, Path.GetFileName(Unit)]);
        var script = ShellScript.Render(Args().Set("STAMP_DIR", EtcdBackups.TimerStampDir), Sh("etcd/reset.sh"));
        var check = ShellScript.Render(Args(), Sh("etcd/reset-check.sh"));
        return
        [
            Step.Create("reset.etcd", Phase.Reset, "Stop and disable the etcd member and its scheduled snapshots, remove their units, the snapshot script, the member's configuration, certificates"
                + (binaries.Length > 0 ? " and the etcd binaries" : ""), script, check, In(("source", PrepareSteps.SourceName(c.Source))), OsRelease.All),
        ];
    }

    /// <summary>
    /// Control planes with external etcd: every member must answer and run at least what kubeadm accepts, checked
    /// with the API server's own client certificate before kubeadm init or join.
    /// </summary>
    public static IReadOnlyList<Step> ControlPlaneSteps(BuildContext c, PlannedHost host)
    {
        if (c.Spec.Etcd.Topology != EtcdTopology.External || !host.Has(Roles.ControlPlane)) return [];
        var release = EtcdRelease.For(c.Spec.Kubernetes.Version)!;
        var min = release.MinimumForKubeadm;
        var endpoints = string.Join(' ', EtcdMembers.Of(c.Spec, c.Hosts).Select(m => Bash.Quote(m.ClientUrl)));
        var script = ShellScript.Render(
            new ShellArgs().List("ENDPOINTS", EtcdMembers.Of(c.Spec, c.Hosts).Select(m => m.ClientUrl)).Set("CA_CERT", PkiFiles.EtcdCaCert)
                .Set("CLIENT_CERT", PkiFiles.ApiServerEtcdClientCert).Set("CLIENT_KEY", PkiFiles.ApiServerEtcdClientKey).Set("MINIMUM_ETCD", min.ToString())
                .Set("K8S_MINOR", c.Spec.Kubernetes.Version.MinorString).Set("ETCD_VERSION", release.Version.ToString()),
            Sh("etcd/version-gate.sh"));
        return
        [
            Step.Create("control-plane.etcd-version", Phase.ControlPlane,
                $"Check that every external etcd member answers the API server's client certificate and runs etcd ≥ {min}",
                script, script, In(("minimum-etcd", min.ToString()), ("endpoints", endpoints)), OsRelease.All),
        ];
    }
}
