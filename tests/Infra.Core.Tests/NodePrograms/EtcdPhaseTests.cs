using System.Text;
using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>The node programs of external etcd members and of control planes that use them.</summary>
public class EtcdPhaseTests
{
    private static IReadOnlyList<NodeProgram> Build(ClusterSpec spec, BundleManifest? bundle = null)
    {
        var (hosts, secrets) = Clusters.Inputs(spec);
        return NodeProgramBuilder.Build(spec, hosts, secrets, bundle);
    }

    private static ClusterSpec With(PackageSource source) =>
        Clusters.BareMetalExternalEtcd() with { Packages = new PackagesSpec { Source = source, Bundle = source == PackageSource.Bundle ? "bundle" : null, Mirrors = new Dictionary<string, string>() } };

    private static string Text(HostFile f) => Encoding.UTF8.GetString(f.Content);

    [Fact]
    public void Build_ExternalEtcd_MembersFirstWithInstallCertificatesMemberAndResetSteps()
    {
        var programs = Build(Clusters.BareMetalExternalEtcd());

        Assert.Equal(["etcd-1", "etcd-2", "etcd-3", "cp-1", "cp-2", "cp-3", "w-1"], programs.Select(p => p.Host.Name));
        var member = programs[1];
        Assert.Null(member.KubeadmConfig);
        Assert.Equal(
        [
            "prepare.etcd-install", "prepare.etcd-pki", "etcd.member", "etcd.backup",
            "reset.kubeadm", "reset.services", "reset.etcd", "reset.installed", "reset.files", "reset.journal",
        ], member.Steps.Select(s => s.Id));
        Assert.Equal(Phase.Etcd, member.Steps.Single(s => s.Id == "etcd.member").Phase);
        Assert.Equal([EtcdPhase.StartInputs], member.Steps.Single(s => s.Id == "etcd.member").RuntimeInputs);
    }

    [Fact]
    [Trait("Item", "14.3")]
    public void Build_ExternalEtcd_ResetStopsTheScheduledSnapshotsAndRemovesTheirUnitsAndScript()
    {
        var member = Build(Clusters.BareMetalExternalEtcd()).First(p => p.Steps.Any(s => s.Id == "etcd.backup"));
        var reset = member.Steps.Single(s => s.Id == "reset.etcd");
        // The snapshot timer first, the member last.
        Assert.Contains("readonly -a UNITS=(infra-etcd-snapshot.timer infra-etcd-snapshot.service etcd.service)", reset.Script, StringComparison.Ordinal);
        foreach (var path in new[] { "/etc/systemd/system/infra-etcd-snapshot.timer", "/etc/systemd/system/infra-etcd-snapshot.service", "/usr/local/sbin/infra-etcd-snapshot" })
        {
            Assert.Contains(path, reset.Script, StringComparison.Ordinal);
            Assert.Contains(path, reset.Check, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Build_ExternalEtcd_ControlPlanesCheckTheMembersVersionBeforeKubeadm()
    {
        var programs = Build(Clusters.BareMetalExternalEtcd());

        foreach (var cp in programs.Where(p => p.Host.Has(Roles.ControlPlane)))
        {
            var ids = cp.Steps.Select(s => s.Id).ToList();
            var check = ids.IndexOf("control-plane.etcd-version");
            Assert.True(check >= 0 && ids[check + 1] is "control-plane.init" or "control-plane.join", string.Join(",", ids));
            var script = cp.Steps[check].Script;
            Assert.Contains("https://10.0.0.51:2379 https://10.0.0.52:2379 https://10.0.0.53:2379", script, StringComparison.Ordinal);
            // Values reach the script as its readonly inputs (12.4).
            Assert.Contains($"readonly CLIENT_CERT={PkiFiles.ApiServerEtcdClientCert}\nreadonly CLIENT_KEY={PkiFiles.ApiServerEtcdClientKey}\n", script, StringComparison.Ordinal);
            Assert.Contains("--cert \"$CLIENT_CERT\" --key \"$CLIENT_KEY\"", script, StringComparison.Ordinal);
            Assert.Contains("readonly MINIMUM_ETCD=3.5.24\n", script, StringComparison.Ordinal);
            Assert.Contains("needs external etcd ≥ $MINIMUM_ETCD", script, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(programs.Single(p => p.Host.Name == "w-1").Steps, s => s.Id.Contains("etcd", StringComparison.Ordinal));
        Assert.DoesNotContain(Build(Clusters.BareMetalHaKubeVip()).SelectMany(p => p.Steps), s => s.Id is "control-plane.etcd-version" or "etcd.member");
    }

    [Fact]
    public void Build_ExternalEtcd_KubeadmUsesTheMembersWithTheApiServerClientCertificate()
    {
        var cp1 = Build(Clusters.BareMetalExternalEtcd()).Single(p => p.Host.Name == "cp-1");

        Assert.Contains("""
              external:
                endpoints:
                - https://10.0.0.51:2379
                - https://10.0.0.52:2379
                - https://10.0.0.53:2379
                caFile: /etc/kubernetes/pki/etcd/ca.crt
                certFile: /etc/kubernetes/pki/apiserver-etcd-client.crt
                keyFile: /etc/kubernetes/pki/apiserver-etcd-client.key
            """, cp1.KubeadmConfig, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MemberOnAControlPlane_ItsEtcdCertificatesComeFromTheEtcdStepNotPreparePki()
    {
        var spec = Clusters.Cloud(Target.Gcp) with { Etcd = new EtcdSpec { Topology = EtcdTopology.External, Count = 0 } };
        var cp1 = Build(spec).Single(p => p.Host.Name == "cp-1");

        Assert.True(cp1.Host.Has(Roles.Etcd));
        Assert.DoesNotContain(cp1.Steps.Single(s => s.Id == "prepare.pki").Files, f => f.Path.StartsWith(PkiFiles.EtcdPkiDir, StringComparison.Ordinal));
        var etcdPki = cp1.Steps.Single(s => s.Id == "prepare.etcd-pki");
        Assert.Equal(
        [
            PkiFiles.ExternalEtcdCaCert, PkiFiles.ExternalEtcdServerCert, PkiFiles.ExternalEtcdServerKey, PkiFiles.ExternalEtcdPeerCert,
            PkiFiles.ExternalEtcdPeerKey, PkiFiles.ExternalEtcdHealthcheckCert, PkiFiles.ExternalEtcdHealthcheckKey,
        ], etcdPki.Files.Select(f => f.Path));
        Assert.Contains("chown etcd:etcd /etc/etcd/pki/server.key /etc/etcd/pki/peer.key", etcdPki.Script, StringComparison.Ordinal);
        Assert.All(etcdPki.Files.Where(f => f.Path.EndsWith(".key", StringComparison.Ordinal)), f => Assert.True(f.Secret && f.Mode == "0600"));
        var ids = cp1.Steps.Select(s => s.Id).ToList();
        Assert.True(ids.IndexOf("etcd.member") < ids.IndexOf("control-plane.etcd-version"));
    }

    [Fact]
    public void EnvironmentFile_MutualTlsListenersAndNoLoneBootstrap()
    {
        var env = Text(Build(Clusters.BareMetalExternalEtcd())[0].Steps.Single(s => s.Id == "etcd.member").Files.Single());

        Assert.Contains("ETCD_NAME=etcd-1\n", env, StringComparison.Ordinal);
        Assert.Contains("ETCD_DATA_DIR=/var/lib/etcd\n", env, StringComparison.Ordinal);
        Assert.Contains("ETCD_LISTEN_CLIENT_URLS=https://10.0.0.51:2379,https://127.0.0.1:2379\n", env, StringComparison.Ordinal);
        Assert.Contains("ETCD_LISTEN_PEER_URLS=https://10.0.0.51:2380\n", env, StringComparison.Ordinal);
        Assert.Contains("ETCD_CLIENT_CERT_AUTH=true\n", env, StringComparison.Ordinal);
        Assert.Contains("ETCD_PEER_CLIENT_CERT_AUTH=true\n", env, StringComparison.Ordinal);
        Assert.Contains("ETCD_INITIAL_CLUSTER_STATE=existing\n", env, StringComparison.Ordinal);
        // Plain HTTP only on the metrics-only listener.
        Assert.DoesNotContain("http://10.", string.Join('\n', env.Split('\n').Where(l => !l.StartsWith("ETCD_LISTEN_METRICS_URLS=", StringComparison.Ordinal))), StringComparison.Ordinal);

        var dns = EtcdPhase.EnvironmentFile(new PlannedMember
        {
            Name = "e",
            Address = "e.example.com",
            Host = new PlannedHost { Name = "e", Address = "e.example.com", Port = 22, User = "root", HostKey = null, Roles = [Roles.Etcd], Os = OsFamily.Debian12 },
        });
        Assert.Contains("ETCD_LISTEN_CLIENT_URLS=https://0.0.0.0:2379\n", dns, StringComparison.Ordinal);
        Assert.Contains("ETCD_ADVERTISE_CLIENT_URLS=https://e.example.com:2379\n", dns, StringComparison.Ordinal);
    }

    [Fact]
    public void MemberStep_SystemdUnitEnabledForBootChecksEveryPlannedVoter()
    {
        var step = Build(Clusters.BareMetalExternalEtcd())[2].Steps.Single(s => s.Id == "etcd.member");

        Assert.Contains("WantedBy=multi-user.target", step.Script, StringComparison.Ordinal);
        // Values reach the scripts as their readonly inputs (12.4).
        Assert.Contains("readonly ETCD_USER=etcd\n", step.Script, StringComparison.Ordinal);
        Assert.Contains("User=$ETCD_USER", step.Script, StringComparison.Ordinal);
        Assert.Contains("Type=notify", step.Script, StringComparison.Ordinal);
        Assert.Contains("systemctl reenable --quiet etcd.service", step.Script, StringComparison.Ordinal);
        Assert.Contains("readonly EXPECTED_MEMBERS='etcd-1/false etcd-2/false etcd-3/false '\n", step.Check, StringComparison.Ordinal);
        Assert.Contains("[ \"$members\" = \"$EXPECTED_MEMBERS\" ]", step.Check, StringComparison.Ordinal);
        Assert.Contains("readonly INITIAL_CLUSTER_FILE=/etc/etcd/initial-cluster.env\n", step.Check, StringComparison.Ordinal);
        Assert.Contains("[ ! -e \"$INITIAL_CLUSTER_FILE\" ]", step.Check, StringComparison.Ordinal);
        Assert.Equal("etcd-1=https://10.0.0.51:2380,etcd-2=https://10.0.0.52:2380,etcd-3=https://10.0.0.53:2380", step.Inputs["members"]);
    }

    [Fact]
    public void Install_Repository_DownloadsThePinnedReleaseAndChecksItsSha256()
    {
        var release = EtcdRelease.For(new KubernetesVersion(1, 36, 1))!;
        var install = Build(With(PackageSource.Repository))[0].Steps.Single(s => s.Id == "prepare.etcd-install");

        // Values reach the script as its readonly inputs (12.4).
        Assert.Contains($"readonly ETCD_URL={release.Url}\n", install.Script, StringComparison.Ordinal);
        Assert.Contains("curl -fsSL --retry 3 \"$ETCD_URL\"", install.Script, StringComparison.Ordinal);
        Assert.Contains($"readonly ETCD_SHA256={release.Sha256}\n", install.Script, StringComparison.Ordinal);
        Assert.Contains("echo \"$ETCD_SHA256  $archive\" | sha256sum --check --strict --quiet -", install.Script, StringComparison.Ordinal);
        Assert.Contains("readonly ARCHIVE_FOLDER=etcd-v3.6.9-linux-amd64\n", install.Script, StringComparison.Ordinal);
        Assert.Contains("readonly INSTALL_DIR=/usr/local/bin\n", install.Script, StringComparison.Ordinal);
        Assert.Contains("install -m 0755 \"$tmp/$ARCHIVE_FOLDER/etcd\" \"$tmp/$ARCHIVE_FOLDER/etcdctl\" \"$tmp/$ARCHIVE_FOLDER/etcdutl\" \"$INSTALL_DIR/\"", install.Script, StringComparison.Ordinal);
        Assert.Contains("readonly ETCD_VERSION=3.6.9\n", install.Check, StringComparison.Ordinal);
        Assert.Contains("\"etcd Version: $ETCD_VERSION\"", install.Check, StringComparison.Ordinal);
        Assert.Equal(release.Sha256, install.Inputs["sha256"]);
    }

    [Fact]
    public void Install_Bundle_UploadsTheReleaseArchiveAndChecksTheUpstreamSha256()
    {
        var spec = With(PackageSource.Bundle);
        var install = Build(spec, TestBundle.For(spec))[0].Steps.Single(s => s.Id == "prepare.etcd-install");

        var upload = Assert.Single(install.BundleUploads);
        Assert.Equal("etcd-v3.6.9-linux-amd64.tar.gz", upload.Name);
        Assert.Equal(EtcdRelease.For(spec.Kubernetes.Version)!.Sha256, upload.Sha256);
        Assert.Contains("sha256sum --check --strict", install.Script, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BundleWithoutTheEtcdRelease_ErrorForEachMember()
    {
        var spec = With(PackageSource.Bundle);
        var release = EtcdRelease.For(spec.Kubernetes.Version)!;

        var e = Assert.Throws<NodeProgramException>(() => Build(spec, TestBundle.For(spec, release.Archive)));

        Assert.Equal(["etcd-1", "etcd-2", "etcd-3"], e.Problems.Select(p => p.Host));
        Assert.All(e.Problems, p => Assert.Contains("the bundle has no 'etcd-v3.6.9-linux-amd64.tar.gz'", p.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Build_BundleWithAnotherEtcdArchive_ErrorNamesBothChecksums()
    {
        var spec = With(PackageSource.Bundle);
        var release = EtcdRelease.For(spec.Kubernetes.Version)!;
        var complete = TestBundle.For(spec);
        var bundle = complete with { Files = [.. complete.Files.Select(f => f.Name == release.Archive ? f with { Sha256 = new string('0', 64) } : f)] };

        var e = Assert.Throws<NodeProgramException>(() => Build(spec, bundle));

        Assert.Contains($"is not the etcd release (its SHA-256 is {new string('0', 64)}, the release's is {release.Sha256})", e.Problems[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Install_Preinstalled_ChecksPresenceAndLearnerSupportNoDownload()
    {
        var install = Build(With(PackageSource.Preinstalled))[0].Steps.Single(s => s.Id == "prepare.etcd-install");

        Assert.DoesNotContain("curl", install.Script, StringComparison.Ordinal);
        Assert.Contains("the oldest with learners", install.Script, StringComparison.Ordinal);
        Assert.Contains("useradd --system", install.Script, StringComparison.Ordinal);
        Assert.Contains("readonly ETCD_DATA_DIR=/var/lib/etcd\n", install.Script, StringComparison.Ordinal);
        Assert.Contains("install -d -m 0700 -o \"$ETCD_USER\" -g \"$ETCD_USER\" \"$ETCD_DATA_DIR\"", install.Script, StringComparison.Ordinal);
        Assert.DoesNotContain("/usr/local/bin/etcd ", Build(With(PackageSource.Preinstalled))[0].Steps.Single(s => s.Id == "reset.etcd").Script, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_CloudExternalEtcd_PlaceholderAddressesUntilTheVmsExist()
    {
        var spec = Clusters.Cloud(Target.Gcp) with { Etcd = new EtcdSpec { Topology = EtcdTopology.External, Count = 3, Size = "e2-standard-2" } };

        var plan = ClusterPlanner.Plan(spec, Clusters.Inputs(spec).Secrets);

        var env = Text(plan.Nodes.Single(n => n.Host.Name == "etcd-2").Steps.Single(s => s.Id == "etcd.member").Files.Single());
        Assert.Contains("ETCD_ADVERTISE_CLIENT_URLS=https://etcd-2.address-unknown.invalid:2379", env, StringComparison.Ordinal);
        Assert.Contains("https://etcd-1.address-unknown.invalid:2379", plan.Nodes.Single(n => n.Host.Name == "cp-1").KubeadmConfig, StringComparison.Ordinal);
    }
}
