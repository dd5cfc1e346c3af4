using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Shell;

namespace Infra.Core.Etcd;

/// <summary>How the tool reaches etcd on a host.</summary>
public enum EtcdAccess
{
    /// <summary>External members: etcd, etcdctl (and etcdutl from 3.5) are installed on the host.</summary>
    Host,
    /// <summary>Stacked etcd: kubeadm's static pod; the tools run inside its container (crictl exec) or its image (ctr run).</summary>
    StaticPod,
}

/// <summary>The CA and client certificate an etcdctl command presents, as paths on the host.</summary>
public sealed record EtcdClientFiles(string CaFile, string CertFile, string KeyFile)
{
    /// <summary>On an external member: the health-check client pair the member's PKI step placed (root only).</summary>
    public static readonly EtcdClientFiles MemberHealthcheck =
        new(PkiFiles.ExternalEtcdCaCert, PkiFiles.ExternalEtcdHealthcheckCert, PkiFiles.ExternalEtcdHealthcheckKey);

    /// <summary>External etcd: where the tool's own client certificate stays for the length of one command (tmpfs).</summary>
    public static readonly EtcdClientFiles ToolOnMember =
        new(HostPaths.RuntimeDir + "/etcd-client/ca.crt", HostPaths.RuntimeDir + "/etcd-client/client.crt", HostPaths.RuntimeDir + "/etcd-client/client.key");

    /// <summary>Stacked etcd: the tool's pair beside kubeadm's etcd PKI, the folder the etcd container mounts.</summary>
    public static readonly EtcdClientFiles ToolInStaticPod =
        new(PkiFiles.KubernetesPkiDir + "/etcd/ca.crt", PkiFiles.KubernetesPkiDir + "/etcd/infra-client.crt", PkiFiles.KubernetesPkiDir + "/etcd/infra-client.key");

    /// <summary>The tool's client certificate for <paramref name="access"/>.</summary>
    public static EtcdClientFiles Tool(EtcdAccess access) => access == EtcdAccess.Host ? ToolOnMember : ToolInStaticPod;
}

/// <summary>
/// The etcd commands the tool runs, as bash, for the installed version and the way etcd is reached: etcdctl for
/// cluster operations and snapshot save; snapshot status and restore with etcdutl from 3.5 on (3.6 removed them
/// from etcdctl) and with etcdctl on 3.4.
/// </summary>
public sealed record EtcdCommands
{
    public required EtcdVersion Version { get; init; }
    public required EtcdAccess Access { get; init; }
    public required EtcdClientFiles Client { get; init; }

    public const string CriEndpoint = "unix:///run/containerd/containerd.sock";

    /// <summary>
    /// Stacked etcd as the day-two steps reach it on a control plane: inside kubeadm's etcd container (the catalog's
    /// etcd), with kubeadm's health-check client certificate.
    /// </summary>
    public static EtcdCommands KubeadmHealthcheck => new()
    {
        Version = Etcd.EtcdVersion.Parse(Catalog.VersionCatalog.Etcd.Version),
        Access = EtcdAccess.StaticPod,
        Client = new EtcdClientFiles(PkiFiles.KubernetesPkiDir + "/etcd/ca.crt", PkiFiles.KubernetesPkiDir + "/etcd/healthcheck-client.crt",
            PkiFiles.KubernetesPkiDir + "/etcd/healthcheck-client.key"),
    };
    /// <summary>
    /// An external member as the day-two steps reach it on the member itself: etcdctl on the host, with the health-check
    /// client pair the member's PKI step placed (every supported etcd version has the commands these steps use).
    /// </summary>
    public static EtcdCommands MemberHealthcheck => new()
    {
        Version = Etcd.EtcdVersion.OldestSupported,
        Access = EtcdAccess.Host,
        Client = EtcdClientFiles.MemberHealthcheck,
    };

    /// <summary>Where kubeadm's etcd static pod keeps its data (a hostPath mounted at the same path in the container).</summary>
    public const string DataDir = HostPaths.EtcdDataDir;

    /// <summary>Bash every script with these commands starts with: finds the etcd container for <see cref="EtcdAccess.StaticPod"/>.</summary>
    public string Preamble => Access == EtcdAccess.Host
        ? ""
        : $$"""
            etcd_container=$(crictl --runtime-endpoint {{CriEndpoint}} ps --name '^etcd$' --state running -q | sed -n 1p)
            if [ -z "$etcd_container" ]; then
              echo 'no running etcd container on this host (kubeadm static pod etcd)' >&2
              exit 1
            fi

            """;

    private string Exec => Access == EtcdAccess.Host ? "" : $"crictl --runtime-endpoint {CriEndpoint} exec \"$etcd_container\" ";

    /// <summary>Where a snapshot is written on the host: for a static pod, inside the data folder the container sees.</summary>
    public string SnapshotWorkFile => Access == EtcdAccess.Host ? HostPaths.JournalDir + "/etcd-snapshot.db" : DataDir + "/infra-snapshot.db";

    /// <summary>The first line of <c>etcd --version</c>.</summary>
    public string EtcdVersion() => $"{Exec}etcd --version | sed -n 1p";

    private string Ctl(IReadOnlyList<string> endpoints, string commandTimeout, IEnumerable<string> args) =>
        CtlWords(Bash.Quote(string.Join(",", endpoints)), commandTimeout, args.Select(Bash.Quote));

    /// <summary>etcdctl with shell words that are already safe (quoted literals or double-quoted variables).</summary>
    private string CtlWords(string endpoints, string commandTimeout, IEnumerable<string> words) =>
        $"{Exec}etcdctl --endpoints={endpoints} {string.Join(' ', ClientFlags(Bash.Quote, commandTimeout))} " + string.Join(' ', words);

    /// <summary>The client TLS and timeouts every etcdctl command of the tool carries, each path passed through <paramref name="quote"/>.</summary>
    private IEnumerable<string> ClientFlags(Func<string, string> quote, string commandTimeout) =>
        [$"--cacert={quote(Client.CaFile)}", $"--cert={quote(Client.CertFile)}", $"--key={quote(Client.KeyFile)}", "--dial-timeout=2s", $"--command-timeout={commandTimeout}"];

    /// <summary>
    /// etcdctl on the host with this client's TLS and timeouts as separate words, for a script's array input (an
    /// embedded script adds <c>--endpoints</c> and the command); only where etcd runs on the host.
    /// </summary>
    public IReadOnlyList<string> HostCtlWords(string commandTimeout) => Access == EtcdAccess.Host
        ? ["etcdctl", .. ClientFlags(path => path, commandTimeout)]
        : throw new InvalidOperationException("etcdctl runs inside kubeadm's etcd container here: use the commands that carry it");

    /// <summary>
    /// etcdctl inside kubeadm's etcd container with this client's TLS and timeouts as separate words, for a script that
    /// finds the container itself (it changes when the kubelet restarts etcd) and runs these through <c>crictl exec</c>.
    /// </summary>
    public IReadOnlyList<string> ContainerCtlWords(string commandTimeout) => Access == EtcdAccess.StaticPod
        ? ["etcdctl", .. ClientFlags(path => path, commandTimeout)]
        : throw new InvalidOperationException("etcdctl runs on the host here: use HostCtlWords");

    /// <summary>A bash variable's value as one word: <c>"$name"</c> (the name must be a plain identifier).</summary>
    private static string Variable(string name) =>
        name.Length > 0 && name.All(c => c is '_' or (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')) && !char.IsDigit(name[0])
            ? $"\"${name}\""
            : throw new ArgumentException($"'{name}' is not a bash variable name", nameof(name));

    /// <summary>
    /// The member list in etcdctl's simple format, one member a line: hex id, started|unstarted, name, peer URLs,
    /// client URLs, is-learner, separated by ", " (URLs joined by ","; etcd-io/etcd etcdctl/ctlv3/command/printer.go
    /// makeMemberListTable, v3.6.9).
    /// </summary>
    public string MemberListSimple(IReadOnlyList<string> endpoints) => Ctl(endpoints, "3s", ["member", "list", "-w", "simple"]);

    /// <summary>Health of the endpoints in the bash variable <paramref name="endpointsVariable"/> (comma-separated); exits non-zero when any is unhealthy.</summary>
    public string EndpointHealthIn(string endpointsVariable) => CtlWords(Variable(endpointsVariable), "5s", ["endpoint", "health"]);

    /// <summary>Removes the member whose hex id is in the bash variable <paramref name="idVariable"/> (etcdctl member remove parses its argument as hex).</summary>
    public string MemberRemoveIn(IReadOnlyList<string> endpoints, string idVariable) =>
        CtlWords(Bash.Quote(string.Join(",", endpoints)), "10s", ["member", "remove", Variable(idVariable)]);

    public string MemberList(IReadOnlyList<string> endpoints) => Ctl(endpoints, "3s", ["member", "list", "-w", "json"]);

    /// <summary>Health of every member's client URL (--cluster: the URLs come from the member list).</summary>
    public string EndpointHealthCluster(IReadOnlyList<string> endpoints) => Ctl(endpoints, "5s", ["endpoint", "health", "--cluster", "-w", "json"]);

    public string EndpointHealth(IReadOnlyList<string> endpoints) => Ctl(endpoints, "5s", ["endpoint", "health", "-w", "json"]);

    public string EndpointStatusCluster(IReadOnlyList<string> endpoints) => Ctl(endpoints, "3s", ["endpoint", "status", "--cluster", "-w", "json"]);

    public string AlarmList(IReadOnlyList<string> endpoints) => Ctl(endpoints, "5s", ["alarm", "list", "-w", "json"]);

    public string MemberAddLearner(IReadOnlyList<string> endpoints, string name, string peerUrl) =>
        Ctl(endpoints, "10s", ["member", "add", name, "--learner", $"--peer-urls={peerUrl}", "-w", "json"]);

    public string MemberPromote(IReadOnlyList<string> endpoints, EtcdMemberInfo member) =>
        Ctl(endpoints, "10s", ["member", "promote", member.HexId]);

    public string MemberRemove(IReadOnlyList<string> endpoints, EtcdMemberInfo member) =>
        Ctl(endpoints, "10s", ["member", "remove", member.HexId]);

    /// <summary>A snapshot of one member's database (taken through that member only).</summary>
    public string SnapshotSave(string endpoint, string file) => Ctl([endpoint], "30m", ["snapshot", "save", file]);

    /// <summary>Opens the snapshot's database and prints its hash, revision, key count and size.</summary>
    public string SnapshotStatus(string file) =>
        $"{Exec}{(Version.HasEtcdutl ? "etcdutl" : "etcdctl")} snapshot status {Bash.Quote(file)} -w json";

    /// <summary>
    /// Restores a snapshot into <paramref name="dataDir"/> (which must not exist) as one member of a new cluster;
    /// the snapshot's integrity hash is checked. For a static pod the container is stopped: etcdutl runs from the
    /// image in <c>$etcd_image</c> with /var/lib mounted.
    /// </summary>
    public string SnapshotRestore(string file, PlannedMember member, string initialCluster, string token, string dataDir)
    {
        string[] args =
        [
            "snapshot", "restore", file, "--name", member.Name, "--initial-cluster", initialCluster,
            "--initial-cluster-token", token, "--initial-advertise-peer-urls", member.PeerUrl, "--data-dir", dataDir,
        ];
        var tool = Version.HasEtcdutl ? "etcdutl" : "etcdctl";
        var line = tool + " " + string.Join(' ', args.Select(Bash.Quote));
        return Access == EtcdAccess.Host
            ? line
            : $"ctr --namespace k8s.io run --rm --mount type=bind,src=/var/lib,dst=/var/lib,options=rbind:rw \"$etcd_image\" infra-etcd-restore {line}";
    }
}
