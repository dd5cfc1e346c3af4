using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Core.Tests.NodePrograms;
using Infra.TestKit;

namespace Infra.Core.Tests.Etcd;

public class EtcdCommandsTests
{
    private static readonly IReadOnlyList<string> Endpoints = ["https://10.0.0.51:2379", "https://10.0.0.52:2379"];

    private static EtcdCommands Commands(string version, EtcdAccess access = EtcdAccess.Host) => new()
    {
        Version = EtcdVersion.Parse(version),
        Access = access,
        Client = access == EtcdAccess.Host ? EtcdClientFiles.MemberHealthcheck : EtcdClientFiles.ToolInStaticPod,
    };

    internal static PlannedMember Member(string name, string address) => new()
    {
        Name = name,
        Address = address,
        Host = new PlannedHost { Name = name, Address = address, Port = 22, User = "root", HostKey = null, Roles = [Roles.Etcd], Os = OsFamily.Debian12 },
    };

    /// <summary>
    /// Stacked etcd's snapshot status (scheduled backups, the upgrade's preflight snapshot, <c>infra etcd snapshot</c>)
    /// and restore run etcdutl, by name, in kubeadm's etcd image. registry.k8s.io/etcd:3.6.9-0 (kubeadm's
    /// SupportedEtcdVersion for 1.34, 1.35 and 1.36, the catalog's pin) is the etcd project's release image: etcd-io/etcd
    /// Documentation/contributor-guide/bump_etcd_version_k8s.md (main, 2026-08) says Kubernetes uses the officially
    /// released image and no longer builds cluster/images/etcd, and etcd-io/etcd's Dockerfile at v3.6.9 adds etcd, etcdctl
    /// and etcdutl to /usr/local/bin on distroless static (no shell: each command is exec'd directly). kubeadm's own etcd
    /// static pod starts "etcd" by name (cmd/kubeadm/app/phases/etcd/local.go), so the image's PATH holds /usr/local/bin.
    /// </summary>
    [Fact]
    [Trait("Item", "14.5")]
    public void KubeadmHealthcheck_SnapshotStatusAndRestore_EtcdutlByNameInKubeadmsEtcdImage_NoShell()
    {
        var etcd = EtcdCommands.KubeadmHealthcheck;

        Assert.Equal("3.6.9", Catalog.VersionCatalog.Etcd.Version);
        Assert.True(etcd.Version.HasEtcdutl);
        Assert.Equal("crictl --runtime-endpoint unix:///run/containerd/containerd.sock exec \"$etcd_container\" etcdutl snapshot status /var/lib/etcd/infra-snapshot.db -w json",
            etcd.SnapshotStatus(etcd.SnapshotWorkFile));
        var restore = etcd.SnapshotRestore(EtcdRestore.SnapshotOnHost, Member("cp-1", "10.0.0.11"), "cp-1=https://10.0.0.11:2380", "t", "/var/lib/etcd-restored");
        Assert.StartsWith("ctr --namespace k8s.io run --rm --mount type=bind,src=/var/lib,dst=/var/lib,options=rbind:rw \"$etcd_image\" infra-etcd-restore etcdutl snapshot restore ", restore, StringComparison.Ordinal);
        Assert.DoesNotContain("sh -c", etcd.SnapshotStatus(etcd.SnapshotWorkFile) + restore, StringComparison.Ordinal);
    }

    /// <summary>The words a script's etcdctl array gets are the client flags every rendered etcdctl command carries (one place).</summary>
    [Fact]
    [Trait("Item", "14.4")]
    public void HostCtlWords_MemberHealthcheck_TheClientFlagsOfEveryCommand_RefusedForAStaticPod()
    {
        var etcd = EtcdCommands.MemberHealthcheck;

        var words = etcd.HostCtlWords("3s");

        Assert.Equal(["etcdctl", "--cacert=/etc/etcd/pki/ca.crt", "--cert=/etc/etcd/pki/healthcheck-client.crt", "--key=/etc/etcd/pki/healthcheck-client.key",
            "--dial-timeout=2s", "--command-timeout=3s"], words);
        Assert.Equal(EtcdClientFiles.MemberHealthcheck, etcd.Client);
        Assert.Equal($"etcdctl --endpoints={Endpoints[0]} {string.Join(' ', words.Skip(1))} member list -w simple", etcd.MemberListSimple([Endpoints[0]]));
        Assert.Throws<InvalidOperationException>(() => EtcdCommands.KubeadmHealthcheck.HostCtlWords("3s"));
    }

    [Theory]
    [InlineData("3.4.23", "etcdctl snapshot status")]
    [InlineData("3.5.24", "etcdutl snapshot status")]
    [InlineData("3.6.9", "etcdutl snapshot status")]
    public void SnapshotStatus_ByVersion_EtcdctlOn34EtcdutlFrom35(string version, string expected) =>
        Assert.Equal($"{expected} /var/lib/infra/etcd-restore.db -w json", Commands(version).SnapshotStatus(EtcdRestore.SnapshotOnHost));

    [Theory]
    [InlineData("3.4.23", "etcdctl")]
    [InlineData("3.5.24", "etcdutl")]
    [InlineData("3.6.9", "etcdutl")]
    public void SnapshotRestore_ByVersion_NewTokenOwnNameAndPeerUrl(string version, string tool)
    {
        var members = new[] { Member("etcd-1", "10.0.0.51"), Member("etcd-2", "10.0.0.52") };

        var cmd = Commands(version).SnapshotRestore("/s.db", members[1], EtcdMembers.InitialCluster(members), "c-etcd-restore-1", "/var/lib/etcd/restoring");

        Assert.Equal($"{tool} snapshot restore /s.db --name etcd-2 " +
            "--initial-cluster etcd-1=https://10.0.0.51:2380,etcd-2=https://10.0.0.52:2380 --initial-cluster-token c-etcd-restore-1 " +
            "--initial-advertise-peer-urls https://10.0.0.52:2380 --data-dir /var/lib/etcd/restoring", cmd);
    }

    [Fact]
    public void MemberCommands_Host_TlsFlagsEndpointsAndTimeouts()
    {
        var c = Commands("3.4.23");
        var learner = new EtcdMemberInfo { Id = 0xabc, Name = "etcd-3", PeerUrls = [], ClientUrls = [], IsLearner = true };

        Assert.Equal("etcdctl --endpoints=https://10.0.0.51:2379,https://10.0.0.52:2379 --cacert=/etc/etcd/pki/ca.crt " +
            "--cert=/etc/etcd/pki/healthcheck-client.crt --key=/etc/etcd/pki/healthcheck-client.key --dial-timeout=2s --command-timeout=10s " +
            "member add etcd-3 --learner --peer-urls=https://10.0.0.53:2380 -w json", c.MemberAddLearner(Endpoints, "etcd-3", "https://10.0.0.53:2380"));
        Assert.EndsWith("member promote abc", c.MemberPromote(Endpoints, learner), StringComparison.Ordinal);
        Assert.EndsWith("member remove abc", c.MemberRemove(Endpoints, learner), StringComparison.Ordinal);
        Assert.EndsWith("endpoint health --cluster -w json", c.EndpointHealthCluster(Endpoints), StringComparison.Ordinal);
        Assert.Equal("", c.Preamble);
        Assert.Equal("etcd --version | sed -n 1p", c.EtcdVersion());
    }

    [Fact]
    public void Commands_StaticPod_RunInsideTheEtcdContainerWithTheToolCertificate()
    {
        var c = Commands("3.6.9", EtcdAccess.StaticPod);

        Assert.Contains("crictl --runtime-endpoint unix:///run/containerd/containerd.sock ps --name '^etcd$' --state running -q", c.Preamble, StringComparison.Ordinal);
        Assert.StartsWith("crictl --runtime-endpoint unix:///run/containerd/containerd.sock exec \"$etcd_container\" etcdctl ", c.MemberList(Endpoints), StringComparison.Ordinal);
        Assert.Contains("--cert=/etc/kubernetes/pki/etcd/infra-client.crt --key=/etc/kubernetes/pki/etcd/infra-client.key", c.MemberList(Endpoints), StringComparison.Ordinal);
        Assert.StartsWith("crictl --runtime-endpoint unix:///run/containerd/containerd.sock exec \"$etcd_container\" etcdutl snapshot status", c.SnapshotStatus("/var/lib/etcd/s.db"), StringComparison.Ordinal);
        // The container sees its data folder at the same path, so the snapshot lands where the host can read it.
        Assert.Equal("/var/lib/etcd/infra-snapshot.db", c.SnapshotWorkFile);
        Assert.Equal("/var/lib/infra/etcd-snapshot.db", Commands("3.6.9").SnapshotWorkFile);
    }

    [Fact]
    public void SnapshotRestore_StaticPod_RunsEtcdutlFromTheEtcdImage()
    {
        var m = Member("cp-1", "10.0.0.11");
        var cmd = Commands("3.6.9", EtcdAccess.StaticPod).SnapshotRestore("/var/lib/infra/etcd-restore.db", m, EtcdMembers.InitialCluster([m]), "t", "/var/lib/etcd/restoring");

        Assert.StartsWith("ctr --namespace k8s.io run --rm --mount type=bind,src=/var/lib,dst=/var/lib,options=rbind:rw \"$etcd_image\" infra-etcd-restore etcdutl snapshot restore ", cmd, StringComparison.Ordinal);
    }

    [RealToolFact("shellcheck")]
    public void Restore_Scripts_HostAndStaticPod_ShellcheckClean()
    {
        var members = new[] { Member("etcd-1", "10.0.0.51"), Member("etcd-2", "10.0.0.52"), Member("etcd-3", "fd00::53") };
        var scripts = new List<string>();
        foreach (var access in new[] { EtcdAccess.Host, EtcdAccess.StaticPod })
        {
            foreach (var version in new[] { "3.4.23", "3.6.9" })
            {
                var c = Commands(version, access);
                scripts.Add(EtcdRestore.Stop(access));
                scripts.Add(EtcdRestore.Restore(c, members[2], members, "cluster-etcd-restore-20260101000000"));
                scripts.Add(EtcdRestore.Start(access));
                scripts.Add(EtcdRestore.StopControlPlane);
                scripts.Add(EtcdRestore.StartControlPlane);
                scripts.Add(EtcdObservation.Script(c, members.Select(m => m.ClientUrl).ToList(), full: true));
                scripts.Add("set -euo pipefail\n" + c.Preamble + c.SnapshotSave("https://127.0.0.1:2379", c.SnapshotWorkFile) + "\n" + c.SnapshotStatus(c.SnapshotWorkFile) + "\n");
            }
        }
        var dir = Directory.CreateTempSubdirectory("infra-etcd-scripts-").FullName;
        try
        {
            var files = scripts.Select((s, i) =>
            {
                var f = Path.Combine(dir, $"{i:D3}.sh");
                File.WriteAllText(f, "#!/bin/bash\n" + s);
                return f;
            }).ToList();
            var r = Tool.Run("shellcheck", "shellcheck", ["-S", "warning", "-s", "bash", "-f", "gcc", .. files]);
            Assert.True(r.ExitCode == 0, r.Output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Restore_Host_KeepsThePreviousDataAndChownsToEtcd()
    {
        var m = Member("etcd-1", "10.0.0.51");
        var script = EtcdRestore.Restore(Commands("3.4.23"), m, [m], "t");

        Assert.Contains("mv /var/lib/etcd/member /var/lib/etcd/member.before-restore", script, StringComparison.Ordinal);
        Assert.Contains("mv /var/lib/etcd/restoring/member /var/lib/etcd/member", script, StringComparison.Ordinal);
        Assert.Contains("chown -R etcd:etcd /var/lib/etcd", script, StringComparison.Ordinal);
        Assert.Contains("systemctl stop etcd.service", EtcdRestore.Stop(EtcdAccess.Host), StringComparison.Ordinal);
        Assert.Contains("systemctl start --no-block etcd.service", EtcdRestore.Start(EtcdAccess.Host), StringComparison.Ordinal);
        // The paths reach the scripts as their readonly inputs (12.4).
        Assert.Contains("readonly STOPPED_MANIFESTS=/etc/kubernetes/infra/stopped-manifests\nreadonly MANIFESTS_DIR=/etc/kubernetes/manifests\n", EtcdRestore.Stop(EtcdAccess.StaticPod), StringComparison.Ordinal);
        Assert.Contains("mv \"$MANIFESTS_DIR/$m.yaml\" \"$STOPPED_MANIFESTS/$m.yaml\"", EtcdRestore.Stop(EtcdAccess.StaticPod), StringComparison.Ordinal);
        // Stacked: the control-plane pods stop and start with their member.
        Assert.Contains("readonly -a CONTROL_PLANE_PODS=(kube-apiserver kube-controller-manager kube-scheduler)\n", EtcdRestore.Stop(EtcdAccess.StaticPod), StringComparison.Ordinal);
        Assert.Contains("for m in etcd \"${CONTROL_PLANE_PODS[@]}\"; do", EtcdRestore.Stop(EtcdAccess.StaticPod), StringComparison.Ordinal);
        Assert.Contains("for m in etcd \"${CONTROL_PLANE_PODS[@]}\"; do", EtcdRestore.Start(EtcdAccess.StaticPod), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("etcd Version: 3.4.23\nGit SHA: Not provided\n", 3, 4, 23)]
    [InlineData("v3.6.9", 3, 6, 9)]
    [InlineData("3.5.24-0", 3, 5, 24)]
    public void EtcdVersion_Parse_ReadsEtcdOutputTagsAndImageVersions(string text, int major, int minor, int patch) =>
        Assert.Equal(new EtcdVersion(major, minor, patch), EtcdVersion.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("etcd Version:")]
    [InlineData("3.5")]
    [InlineData("3.x.1")]
    public void EtcdVersion_Malformed_NotParsed(string text) => Assert.False(EtcdVersion.TryParse(text, out _));

    [Fact]
    public void EtcdVersion_Compare_EtcdutlFrom35()
    {
        Assert.True(EtcdVersion.Parse("3.4.23") < EtcdVersion.Parse("3.5.24"));
        Assert.True(EtcdVersion.Parse("3.10.0") > EtcdVersion.Parse("3.9.9"));
        Assert.False(EtcdVersion.Parse("3.4.23").HasEtcdutl);
        Assert.True(EtcdVersion.Parse("3.5.0").HasEtcdutl);
    }

    [Theory]
    [InlineData(34)]
    [InlineData(35)]
    [InlineData(36)]
    public void EtcdRelease_SupportedMinors_PinnedReleaseAndKubeadmMinimum(int minor)
    {
        var r = EtcdRelease.For(new KubernetesVersion(1, minor, 0))!;
        Assert.Equal("etcd-v3.6.9-linux-amd64.tar.gz", r.Archive);
        Assert.Equal("https://github.com/etcd-io/etcd/releases/download/v3.6.9/etcd-v3.6.9-linux-amd64.tar.gz", r.Url);
        Assert.Matches("^[0-9a-f]{64}$", r.Sha256);
        Assert.Equal(new EtcdVersion(3, 5, 24), r.MinimumForKubeadm);
        Assert.True(r.Version >= r.MinimumForKubeadm);
    }

    [Fact]
    public void EtcdRelease_UnsupportedMinor_Null() => Assert.Null(EtcdRelease.For(new KubernetesVersion(1, 33, 0)));

    [Fact]
    public void FromInitialCluster_RoundTripOfNamesAndAddresses()
    {
        var members = new[] { Member("etcd-1", "10.0.0.51"), Member("etcd-2", "fd00::52"), Member("etcd-3", "e3.example.com") };

        var back = EtcdMembers.FromInitialCluster(EtcdMembers.InitialCluster(members));

        Assert.Equal(members.Select(m => (m.Name, m.Address, m.PeerUrl)), back.Select(m => (m.Name, m.Address, m.PeerUrl)));
        Assert.All(back, m => Assert.Null(m.Host));
        Assert.Throws<FormatException>(() => EtcdMembers.FromInitialCluster("etcd-1"));
    }

    [Fact]
    public void Members_UrlsFromInternalAddressIpv6InBracketsAndCloudPlaceholder()
    {
        var spec = SampleSpecs.Cloud(Target.Gcp) with { Etcd = new EtcdSpec { Topology = EtcdTopology.External, Count = 3, Size = "e2-standard-2" } };
        var planned = EtcdMembers.Of(spec, HostInventory.Plan(spec));
        Assert.Equal(["etcd-1", "etcd-2", "etcd-3"], planned.Select(m => m.Name));
        Assert.Equal("https://etcd-1.address-unknown.invalid:2379", planned[0].ClientUrl);

        var v6 = Member("etcd-1", "fd00::51");
        Assert.Equal("https://[fd00::51]:2380", v6.PeerUrl);
        // Stacked: the control planes are the members.
        var stacked = SampleSpecs.BareMetal(controlPlanes: 3);
        Assert.Equal(["cp-1", "cp-2", "cp-3"], EtcdMembers.Of(stacked, HostInventory.Plan(stacked)).Select(m => m.Name));
        Assert.Equal("c-etcd-restore-20260102030405", EtcdMembers.RestoreToken(stacked with { Name = "c" }, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)));
    }
}
