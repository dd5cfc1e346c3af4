using System.Net;
using System.Text;
using Infra.Core.Etcd;
using Infra.Core.Kubeadm;
using Infra.Core.Pki;
using Infra.Core.Planning;
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
    public const string MetricsUrl = "http://127.0.0.1:2381";

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

    private static SortedDictionary<string, string> In(params (string Key, string Value)[] items)
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in items) d[k] = v;
        return d;
    }

    /// <summary>Bash: the installed etcd's version as MAJOR.MINOR.PATCH in $etcd_version.</summary>
    private const string EtcdVersionOf = """
        if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
          echo 'etcd and etcdctl are not installed' >&2
          exit 1
        fi
        etcd_version=$(etcd --version | sed -n 1p | awk '{ print $3 }')
        etcd_version=${etcd_version#v}
        etcd_version=${etcd_version%%[~+-]*}

        """;

    private static string UserAndDataDir => $$"""
        if ! getent passwd {{User}} >/dev/null; then
          useradd --system --user-group --home-dir {{HostPaths.EtcdDataDir}} --no-create-home --shell /usr/sbin/nologin {{User}}
        fi
        install -d -m 0700 -o {{User}} -g {{User}} {{HostPaths.EtcdDataDir}}
        chmod 0700 {{HostPaths.EtcdDataDir}}
        chown {{User}}:{{User}} {{HostPaths.EtcdDataDir}}

        """;

    private static string UserAndDataDirHold => $"""
        getent passwd {User} >/dev/null
        [ "$(stat -c '%a %U' {HostPaths.EtcdDataDir})" = '700 {User}' ]

        """;

    private static Step Install(BuildContext c)
    {
        var release = EtcdRelease.For(c.Spec.Kubernetes.Version)!;
        var oldest = EtcdVersion.OldestSupported;
        var uploads = new List<BundleUpload>();
        string script;
        string check;
        string description;
        var installed = $"""
            for b in etcd etcdctl etcdutl; do
              if [ ! -x {InstallDir}/$b ]; then
                echo "{InstallDir}/$b is missing" >&2
                exit 1
              fi
            done
            if [ "$({InstallDir}/etcd --version | sed -n 1p)" != 'etcd Version: {release.Version}' ]; then
              echo "{InstallDir}/etcd is not v{release.Version}" >&2
              exit 1
            fi

            """;
        var unpack = $"""
            tar -xzf "$archive" -C "$tmp"
            install -m 0755 "$tmp/{release.ArchiveFolder}/etcd" "$tmp/{release.ArchiveFolder}/etcdctl" "$tmp/{release.ArchiveFolder}/etcdutl" {InstallDir}/

            """;
        switch (c.Source)
        {
            case PackageSource.Repository:
                check = installed + UserAndDataDirHold;
                script = $$"""
                    if ! command -v curl >/dev/null; then
                      export DEBIAN_FRONTEND=noninteractive
                      apt-get update -q
                      apt-get install -y -q --no-install-recommends ca-certificates curl
                    fi
                    tmp=$(mktemp -d)
                    trap 'rm -rf "$tmp"' EXIT
                    archive="$tmp/{{release.Archive}}"
                    curl -fsSL --retry 3 {{release.Url}} -o "$archive"
                    echo '{{release.Sha256}}  '"$archive" | sha256sum --check --strict --quiet -

                    """ + unpack + UserAndDataDir + check;
                description = $"Install etcd v{release.Version} from its GitHub release (SHA-256 of the release's SHA256SUMS checked), user etcd, data folder 0700";
                break;
            case PackageSource.Bundle:
                uploads.Add(c.Upload(release.Archive));
                check = installed + UserAndDataDirHold;
                script = $$"""
                    tmp=$(mktemp -d)
                    trap 'rm -rf "$tmp"' EXIT
                    archive={{HostPaths.BundleCacheDir}}/{{release.Archive}}
                    echo '{{release.Sha256}}  '"$archive" | sha256sum --check --strict --quiet -

                    """ + unpack + $"rm -f \"$archive\"\n" + UserAndDataDir + check;
                description = $"Install etcd v{release.Version} from the bundle (SHA-256 of the release checked on the host), user etcd, data folder 0700";
                break;
            default:
                var present = EtcdVersionOf + $$"""
                    if [ "$(printf '%s\n' '{{oldest}}' "$etcd_version" | sort -V | sed -n 1p)" != '{{oldest}}' ]; then
                      echo "etcd $etcd_version is older than {{oldest}}, the oldest with learners (which member changes need)" >&2
                      exit 1
                    fi
                    if [ "$(printf '%s\n' '3.5.0' "$etcd_version" | sort -V | sed -n 1p)" = '3.5.0' ] && ! command -v etcdutl >/dev/null; then
                      echo "etcd $etcd_version keeps snapshot restore in etcdutl, which is not installed" >&2
                      exit 1
                    fi

                    """;
                check = present + UserAndDataDirHold;
                script = present + UserAndDataDir;
                description = $"Check that etcd ≥ {oldest} is installed (kubeadm wants ≥ {release.MinimumForKubeadm}), user etcd, data folder 0700";
                break;
        }
        return Steps.Create("prepare.etcd-install", Phase.Prepare, description, script, check,
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
        return Steps.Create("prepare.etcd-pki", Phase.Prepare,
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
            ETCD_LISTEN_METRICS_URLS={MetricsUrl}
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

    /// <summary>Bash function printing the unit for the etcd found on PATH (/usr/local/bin from the tool, /usr/bin from a distribution).</summary>
    private static string UnitFunction(string cluster, string member) => $$"""
        infra_etcd_unit() {
          cat <<EOF
        {{PrepareSteps.ManagedMarker}}
        [Unit]
        Description=etcd member {{member}} of cluster {{cluster}}
        Documentation=https://etcd.io/docs
        Wants=network-online.target
        After=network-online.target

        [Service]
        Type=notify
        User={{User}}
        Group={{User}}
        EnvironmentFile={{EnvFile}}
        EnvironmentFile=-{{InitialClusterFile}}
        ExecStart=$(command -v etcd)
        Restart=always
        RestartSec=5
        # Ready means a majority answered; after a power loss that may take until the other members are back.
        TimeoutStartSec=infinity
        LimitNOFILE=65536

        [Install]
        WantedBy=multi-user.target
        EOF
        }

        """;

    /// <summary>Bash: etcdctl against this member only, with the member's health-check client certificate.</summary>
    private static string LocalCtl => $"etcdctl --endpoints=https://127.0.0.1:{PlannedMember.ClientPort} --cacert={PkiFiles.ExternalEtcdCaCert} "
        + $"--cert={PkiFiles.ExternalEtcdHealthcheckCert} --key={PkiFiles.ExternalEtcdHealthcheckKey} --dial-timeout=2s --command-timeout=3s";

    private static Step Member(BuildContext c, PlannedHost host)
    {
        var members = EtcdMembers.Of(c.Spec, c.Hosts);
        var self = members.Single(m => m.Name == host.Name);
        var release = EtcdRelease.For(c.Spec.Kubernetes.Version)!;
        var env = Steps.File(EnvFile, EnvironmentFile(self));
        var unit = UnitFunction(c.Spec.Name, self.Name);
        // "name/isLearner" of every member, sorted as LC_ALL=C sort does.
        var expected = string.Concat(members.Select(m => m.Name).Order(StringComparer.Ordinal).Select(n => n + "/false "));
        var check = unit + Steps.FilesMatch([env]) + $$"""
            [ "$(infra_etcd_unit)" = "$(cat {{Unit}} 2>/dev/null)" ]
            # The running member started from this configuration and this binary (an upgrade restarts it, one member at a time).
            [ "$(cat {{EnvFile}} {{Unit}} "$(command -v etcd)" | sha256sum | cut -d ' ' -f 1)" = "$(cat {{ConfigStamp}} 2>/dev/null)" ]
            [ "$(systemctl is-enabled etcd.service 2>/dev/null || true)" = enabled ]
            systemctl is-active --quiet etcd.service
            [ -d {{EtcdObservation.MemberDataDir}} ]
            [ ! -e {{InitialClusterFile}} ]
            # Every planned member, and no other, is a voting member.
            members=$({{LocalCtl}} member list -w simple | awk -F', ' '{ print $3 "/" $6 }' | LC_ALL=C sort | tr '\n' ' ')
            [ "$members" = '{{expected}}' ]

            """;
        var script = unit + Steps.FixModes([env]) + $$"""
            install -d -m 0755 {{ConfigDir}}
            install -d -m 0700 -o {{User}} -g {{User}} {{HostPaths.EtcdDataDir}}
            chmod 0700 {{HostPaths.EtcdDataDir}}
            infra_etcd_unit > {{Unit}}
            chmod 0644 {{Unit}}
            restart=no
            if [ ! -d {{EtcdObservation.MemberDataDir}} ]; then
              case "${INFRA_ETCD_START:-}" in
                bootstrap | join) ;;
                *)
                  echo 'this member has no data and no start information (INFRA_ETCD_START): converge it with infra apply, which adds it to the cluster' >&2
                  exit 1
                  ;;
              esac
              if [[ ! "${INFRA_ETCD_INITIAL_CLUSTER:-}" =~ ^[a-z0-9.-]+=https://[^,=[:space:]]+(,[a-z0-9.-]+=https://[^,=[:space:]]+)*$ ]]; then
                echo 'INFRA_ETCD_INITIAL_CLUSTER is not a list of name=https://address:port' >&2
                exit 1
              fi
              if [[ ! "${INFRA_ETCD_INITIAL_CLUSTER_TOKEN:-}" =~ ^[A-Za-z0-9._-]+$ ]]; then
                echo 'INFRA_ETCD_INITIAL_CLUSTER_TOKEN is missing or malformed' >&2
                exit 1
              fi
              state=existing
              if [ "$INFRA_ETCD_START" = bootstrap ]; then
                state=new
              fi
              printf '%s\nETCD_INITIAL_CLUSTER=%s\nETCD_INITIAL_CLUSTER_STATE=%s\nETCD_INITIAL_CLUSTER_TOKEN=%s\n' \
                '{{PrepareSteps.ManagedMarker}}' "$INFRA_ETCD_INITIAL_CLUSTER" "$state" "$INFRA_ETCD_INITIAL_CLUSTER_TOKEN" > {{InitialClusterFile}}
              chmod 0644 {{InitialClusterFile}}
              restart=yes
            fi
            systemctl daemon-reload
            # reenable: a distribution's etcd package may have enabled its own unit file under this name.
            systemctl reenable --quiet etcd.service
            config=$(cat {{EnvFile}} {{Unit}} "$(command -v etcd)" | sha256sum | cut -d ' ' -f 1)
            if [ "$config" != "$(cat {{ConfigStamp}} 2>/dev/null)" ] || ! systemctl is-active --quiet etcd.service; then
              restart=yes
            fi
            if [ "$restart" = yes ]; then
              if [ "${INFRA_ETCD_WAIT:-yes}" = yes ]; then
                # Type=notify: restart returns once the member is ready (a majority answers).
                if ! timeout 120 systemctl restart etcd.service; then
                  echo 'etcd did not become ready within 120 s; the end of its log:' >&2
                  journalctl -u etcd.service -n 25 --no-pager >&2 || true
                  exit 1
                fi
              else
                systemctl restart --no-block etcd.service
              fi
            fi
            install -d -m 0700 {{HostPaths.JournalDir}}
            printf '%s\n' "$config" > {{ConfigStamp}}
            if [ -d {{EtcdObservation.MemberDataDir}} ]; then
              rm -f {{InitialClusterFile}}
            fi

            """;
        return Steps.Create("etcd.member", Phase.Etcd,
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
        var binaries = c.Source == PackageSource.Preinstalled ? "" : $" {InstallDir}/etcd {InstallDir}/etcdctl {InstallDir}/etcdutl";
        var files = $"{Unit} {EnvFile} {InitialClusterFile} {ConfigStamp} {PkiFiles.EtcdPkiDir}{binaries} " +
            $"{EtcdObservation.MemberDataDir} {EtcdRestore.PreviousData} {EtcdRestore.Staging}";
        var script = $"""
            if systemctl cat etcd.service >/dev/null 2>&1; then
              systemctl disable --now etcd.service
            fi
            rm -rf {files}
            systemctl daemon-reload

            """;
        var check = $$"""
            if systemctl is-active --quiet etcd.service; then
              exit 1
            fi
            for f in {{files}}; do
              if [ -e "$f" ]; then
                exit 1
              fi
            done

            """;
        return
        [
            Steps.Create("reset.etcd", Phase.Reset, "Stop and disable the etcd member, remove its unit, configuration, certificates"
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
        var script = $$"""
            if ! command -v curl >/dev/null; then
              echo 'curl is needed to ask the etcd members for their version' >&2
              exit 1
            fi
            for endpoint in {{endpoints}}; do
              if ! answer=$(curl -fsS --max-time 5 --cacert {{PkiFiles.EtcdCaCert}} --cert {{PkiFiles.ApiServerEtcdClientCert}} --key {{PkiFiles.ApiServerEtcdClientKey}} "$endpoint/version"); then
                echo "etcd member $endpoint does not answer with the API server's client certificate; converge the etcd members first (infra apply --phase prepare,etcd)" >&2
                exit 1
              fi
              version=$(printf '%s' "$answer" | sed -n 's/.*"etcdserver":"\([0-9.]*\)".*/\1/p')
              if [ -z "$version" ]; then
                echo "etcd member $endpoint did not say its version: $answer" >&2
                exit 1
              fi
              if [ "$(printf '%s\n' '{{min}}' "$version" | sort -V | sed -n 1p)" != '{{min}}' ]; then
                echo "refused: etcd member $endpoint runs etcd $version; kubeadm for Kubernetes {{c.Spec.Kubernetes.Version.MinorString}} needs external etcd ≥ {{min}}. Upgrade the members (packages.source repository or bundle installs v{{release.Version}}) before the control plane" >&2
                exit 1
              fi
            done

            """;
        return
        [
            Steps.Create("control-plane.etcd-version", Phase.ControlPlane,
                $"Check that every external etcd member answers the API server's client certificate and runs etcd ≥ {min}",
                script, script, In(("minimum-etcd", min.ToString()), ("endpoints", endpoints)), OsRelease.All),
        ];
    }
}
