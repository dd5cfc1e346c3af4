using System.Text;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Pki;

public class PkiFilesTests
{
    private static readonly Lazy<(ClusterSpec Spec, IReadOnlyList<PlannedHost> Hosts, KeptSecrets Secrets)> External = new(() =>
    {
        var (spec, hosts) = Pki.CloudExternal();
        return (spec, hosts, ClusterPki.Ensure(spec, hosts, null, Pki.Now));
    });

    private static PlannedHost Host(IReadOnlyList<PlannedHost> hosts, string name) => hosts.Single(h => h.Name == name);

    [Fact]
    public void ForHost_StackedControlPlane_GetsKubeadmPkiAndItsKubeletPair()
    {
        var (spec, hosts) = Pki.Stacked();
        var files = PkiFiles.ForHost(spec, Host(hosts, "cp-2"), Pki.StackedSecrets);
        Assert.Equal(
            [
                "/etc/kubernetes/pki/ca.crt", "/etc/kubernetes/pki/ca.key",
                "/etc/kubernetes/pki/front-proxy-ca.crt", "/etc/kubernetes/pki/front-proxy-ca.key",
                "/etc/kubernetes/pki/sa.key", "/etc/kubernetes/pki/sa.pub",
                "/etc/kubernetes/pki/etcd/ca.crt", "/etc/kubernetes/pki/etcd/ca.key",
                "/etc/kubernetes/pki/etcd/server.crt", "/etc/kubernetes/pki/etcd/server.key",
                "/etc/kubernetes/pki/etcd/peer.crt", "/etc/kubernetes/pki/etcd/peer.key",
                "/etc/kubernetes/pki/etcd/healthcheck-client.crt", "/etc/kubernetes/pki/etcd/healthcheck-client.key",
                "/etc/kubernetes/pki/apiserver-etcd-client.crt", "/etc/kubernetes/pki/apiserver-etcd-client.key",
                "/var/lib/kubelet/pki/kubelet.crt", "/var/lib/kubelet/pki/kubelet.key",
            ],
            files.Select(f => f.Path));
        AssertModes(files);
        Assert.Equal(Pki.StackedSecrets.Issued["etcd-server/cp-2"].CertificatePem, Text(files, "/etc/kubernetes/pki/etcd/server.crt"));
        Assert.Equal(Pki.StackedSecrets.Issued["kubelet-serving/cp-2"].PrivateKeyPem, Text(files, PkiFiles.KubeletServingKey));
    }

    [Fact]
    public void ForHost_Worker_GetsOnlyItsKubeletPair()
    {
        var (spec, hosts) = Pki.Stacked();
        var files = PkiFiles.ForHost(spec, Host(hosts, "w-1"), Pki.StackedSecrets);
        Assert.Equal([PkiFiles.KubeletServingCert, PkiFiles.KubeletServingKey], files.Select(f => f.Path));
        AssertModes(files);
        Assert.Equal(Pki.StackedSecrets.Issued["kubelet-serving/w-1"].CertificatePem, Text(files, PkiFiles.KubeletServingCert));
    }

    [Fact]
    public void ForHost_ExternalEtcdControlPlane_GetsEtcdCaCertificateButNotItsKey()
    {
        var (spec, hosts, secrets) = External.Value;
        var files = PkiFiles.ForHost(spec, Host(hosts, "cp-1"), secrets);
        Assert.Equal(
            [
                "/etc/kubernetes/pki/ca.crt", "/etc/kubernetes/pki/ca.key",
                "/etc/kubernetes/pki/front-proxy-ca.crt", "/etc/kubernetes/pki/front-proxy-ca.key",
                "/etc/kubernetes/pki/sa.key", "/etc/kubernetes/pki/sa.pub",
                PkiFiles.EtcdCaCert, PkiFiles.ApiServerEtcdClientCert, PkiFiles.ApiServerEtcdClientKey,
                PkiFiles.KubeletServingCert, PkiFiles.KubeletServingKey,
            ],
            files.Select(f => f.Path));
        AssertModes(files);
    }

    [Fact]
    public void ForHost_ExternalEtcdMember_GetsEtcdPkiUnderEtcEtcd()
    {
        var (spec, hosts, secrets) = External.Value;
        var files = PkiFiles.ForHost(spec, Host(hosts, "etcd-3"), secrets);
        Assert.Equal(
            [
                "/etc/etcd/pki/ca.crt", "/etc/etcd/pki/server.crt", "/etc/etcd/pki/server.key",
                "/etc/etcd/pki/peer.crt", "/etc/etcd/pki/peer.key",
                "/etc/etcd/pki/healthcheck-client.crt", "/etc/etcd/pki/healthcheck-client.key",
            ],
            files.Select(f => f.Path));
        AssertModes(files);
        Assert.Equal(secrets.Issued["etcd-peer/etcd-3"].CertificatePem, Text(files, PkiFiles.ExternalEtcdPeerCert));
    }

    [RealToolFact("openssl")]
    public void ForHost_StackedMemberFiles_VerifyWithOpensslAsPlacedOnTheHost()
    {
        var (spec, hosts) = Pki.Stacked();
        using var dir = new TempDir();
        foreach (var f in PkiFiles.ForHost(spec, Host(hosts, "cp-3"), Pki.StackedSecrets))
            dir.Write(f.Path.TrimStart('/'), Encoding.UTF8.GetString(f.Content));
        var pki = Path.Combine(dir.Path, "etc/kubernetes/pki");
        foreach (var (ca, leaf) in new[]
        {
            ("etcd/ca.crt", "etcd/server.crt"), ("etcd/ca.crt", "etcd/peer.crt"), ("etcd/ca.crt", "etcd/healthcheck-client.crt"),
            ("etcd/ca.crt", "apiserver-etcd-client.crt"), ("ca.crt", "../../../var/lib/kubelet/pki/kubelet.crt"),
        })
        {
            var output = Tool.Ok("openssl", "verify", "-CAfile", Path.Combine(pki, ca), Path.Combine(pki, leaf));
            Assert.EndsWith(": OK", output.Trim(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ForHost_HostWithoutIssuedCertificates_ErrorNamesHostAndCertificate()
    {
        var (spec, hosts) = Pki.Stacked(3, 3);
        var e = Assert.Throws<InvalidOperationException>(() => PkiFiles.ForHost(spec, Host(hosts, "w-3"), Pki.StackedSecrets));
        Assert.Equal("host 'w-3': the kept secrets hold no certificate 'kubelet-serving/w-3'; ensure the PKI for this host first", e.Message);
    }

    private static void AssertModes(IReadOnlyList<HostFile> files)
    {
        foreach (var f in files)
        {
            var text = Encoding.UTF8.GetString(f.Content);
            var isKey = text.Contains("PRIVATE KEY-----", StringComparison.Ordinal);
            Assert.True(isKey == f.Secret, f.Path);
            Assert.Equal(isKey ? "0600" : "0644", f.Mode);
            Assert.Equal(isKey, f.Path.EndsWith(".key", StringComparison.Ordinal));
        }
    }

    private static string Text(IReadOnlyList<HostFile> files, string path) => Encoding.UTF8.GetString(files.Single(f => f.Path == path).Content);
}
