using System.Security.Cryptography.X509Certificates;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Core.Tests.Pki;

/// <summary>Generated once, kept, and re-issued only for hosts whose addresses changed.</summary>
public class ClusterPkiEnsureTests
{
    [Fact]
    public void Ensure_SecondRunWithFirstResult_ReturnsByteIdenticalSecretsAndNoChanges()
    {
        var (spec, hosts) = Pki.Stacked();
        var first = ClusterPki.Ensure(spec, hosts, null, Pki.Now);
        var second = ClusterPki.EnsureWithChanges(spec, hosts, first, Pki.Now.AddDays(30));
        Assert.Empty(second.Changes);
        Assert.Equal(Pki.Serialized(first), Pki.Serialized(second.Secrets));
        var a = KeptSecretsSerializer.ToFiles(first);
        var b = KeptSecretsSerializer.ToFiles(second.Secrets);
        Assert.Equal(a.Keys.Order(StringComparer.Ordinal), b.Keys.Order(StringComparer.Ordinal));
        Assert.All(a, kv => Assert.Equal(kv.Value, b[kv.Key]));
    }

    [Fact]
    public void EnsureWithChanges_NewCluster_ReportsEverythingCreated()
    {
        var (spec, hosts) = Pki.Stacked(1, 1);
        var result = ClusterPki.EnsureWithChanges(spec, hosts, null, Pki.Now);
        Assert.All(result.Changes, c => Assert.Equal(PkiChangeKind.Created, c.Kind));
        Assert.Equal(
            [
                "kubernetes", "front-proxy-ca", "etcd-ca", "service-account-key", "encryption-key",
                "etcd-healthcheck-client", "apiserver-etcd-client", "infra-etcd-client",
                "etcd-server/cp-1", "etcd-peer/cp-1", "kubelet-serving/cp-1", "kubelet-serving/w-1",
            ],
            result.Changes.Select(c => c.Name));
        Assert.Empty(result.Secrets.HostKeys); // bare-metal hosts carry pinned keys of their own
    }

    [Fact]
    public void EnsureWithChanges_AddedWorker_AddsOnlyItsKubeletCertificate()
    {
        var (spec, hosts) = Pki.Stacked(3, 2);
        var first = ClusterPki.Ensure(spec, hosts, null, Pki.Now);
        var (_, more) = Pki.Stacked(3, 3);
        var second = ClusterPki.EnsureWithChanges(spec, more, first, Pki.Now.AddDays(1));
        var change = Assert.Single(second.Changes);
        Assert.Equal(("kubelet-serving/w-3", PkiChangeKind.Created), (change.Name, change.Kind));
        Assert.Equal(first.Issued.Count + 1, second.Secrets.Issued.Count);
        Assert.All(first.Issued, kv => Assert.Same(kv.Value, second.Secrets.Issued[kv.Key]));
    }

    [Fact]
    public void EnsureWithChanges_AddedControlPlane_AddsItsEtcdAndKubeletCertificatesOnly()
    {
        var (spec, hosts) = Pki.Stacked(1, 1);
        var first = ClusterPki.Ensure(spec, hosts, null, Pki.Now);
        var (_, more) = Pki.Stacked(2, 1);
        var second = ClusterPki.EnsureWithChanges(spec, more, first, Pki.Now);
        Assert.Equal(["etcd-server/cp-2", "etcd-peer/cp-2", "kubelet-serving/cp-2"], second.Changes.Select(c => c.Name));
    }

    [Fact]
    public void EnsureWithChanges_ChangedAddress_ReissuesOnlyThatHostsCertificates()
    {
        var (spec, hosts) = Pki.Stacked();
        var first = ClusterPki.Ensure(spec, hosts, null, Pki.Now);
        var moved = hosts.Select(h => h.Name == "cp-2" ? h with { Address = "10.0.0.42" } : h).ToList();
        var later = Pki.Now.AddDays(10);
        var second = ClusterPki.EnsureWithChanges(spec, moved, first, later);

        Assert.Equal(["etcd-server/cp-2", "etcd-peer/cp-2", "kubelet-serving/cp-2"], second.Changes.Select(c => c.Name));
        Assert.All(second.Changes, c => Assert.Equal(PkiChangeKind.Reissued, c.Kind));
        Assert.Contains("IP:10.0.0.12", second.Changes[0].Reason, StringComparison.Ordinal);
        Assert.Contains("IP:10.0.0.42", second.Changes[0].Reason, StringComparison.Ordinal);
        foreach (var (name, ck) in first.Issued)
        {
            if (name.EndsWith("/cp-2", StringComparison.Ordinal)) Assert.NotEqual(ck, second.Secrets.Issued[name]);
            else Assert.Same(ck, second.Secrets.Issued[name]);
        }
        using var server = X509Certificate2.CreateFromPem(second.Secrets.Issued["etcd-server/cp-2"].CertificatePem);
        Assert.Contains("10.0.0.42", San(server), StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.0.12", San(server), StringComparison.Ordinal);
        Assert.Equal(later - ClusterPki.Backdate, server.NotBefore.ToUniversalTime());
        Assert.Same(first.ClusterCa, second.Secrets.ClusterCa);
        Assert.Same(first.EtcdCa, second.Secrets.EtcdCa);
    }

    [Fact]
    public void EnsureWithChanges_AddedInternalAddress_ReissuesThatHost()
    {
        var (spec, hosts) = Pki.Stacked(1, 1);
        var first = ClusterPki.Ensure(spec, hosts, null, Pki.Now);
        var changed = hosts.Select(h => h.Name == "w-1" ? h with { InternalAddress = "192.168.1.101" } : h).ToList();
        var second = ClusterPki.EnsureWithChanges(spec, changed, first, Pki.Now);
        var change = Assert.Single(second.Changes);
        Assert.Equal(("kubelet-serving/w-1", PkiChangeKind.Reissued), (change.Name, change.Kind));
        using var cert = X509Certificate2.CreateFromPem(second.Secrets.Issued["kubelet-serving/w-1"].CertificatePem);
        Assert.Equal("DNS:w-1, IP Address:10.0.0.101, IP Address:192.168.1.101", San(cert));
    }

    [Fact]
    public void EnsureWithChanges_HostAddressIsADnsName_GoesIntoTheDnsSans()
    {
        var (spec, hosts) = Pki.Stacked(1, 0);
        var named = hosts.Select(h => h with { Address = "CP-1.Example.com" }).ToList();
        var secrets = ClusterPki.Ensure(spec, named, null, Pki.Now);
        using var cert = X509Certificate2.CreateFromPem(secrets.Issued["etcd-server/cp-1"].CertificatePem);
        Assert.Equal("DNS:cp-1, DNS:localhost, DNS:cp-1.example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1", San(cert));
    }

    [Fact]
    public void Ensure_CloudWithExternalEtcd_MembersAreTheEtcdHostsAndEveryVmGetsAHostKey()
    {
        var (spec, hosts) = Pki.CloudExternal();
        var secrets = ClusterPki.Ensure(spec, hosts, null, Pki.Now);
        Assert.Equal(["cp-1", "cp-2", "cp-3", "etcd-1", "etcd-2", "etcd-3", "general-1", "general-2", "general-3"], secrets.HostKeys.Keys);
        Assert.All(secrets.HostKeys.Values, k => Assert.Equal("ssh-ed25519", k.Algorithm));
        var members = secrets.Issued.Keys.Where(k => k.StartsWith("etcd-server/", StringComparison.Ordinal));
        Assert.Equal(["etcd-server/etcd-1", "etcd-server/etcd-2", "etcd-server/etcd-3"], members);
        Assert.DoesNotContain("kubelet-serving/etcd-1", secrets.Issued.Keys);
        Assert.Contains("kubelet-serving/cp-1", secrets.Issued.Keys);
        // A planned VM has no address yet: its certificates carry its names only.
        using var cert = X509Certificate2.CreateFromPem(secrets.Issued["etcd-peer/etcd-2"].CertificatePem);
        Assert.Equal("DNS:etcd-2, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1", San(cert));
    }

    [Fact]
    public void EnsureWithChanges_CloudInventoryArrives_ReissuesWithAddressesAndKeepsHostKeys()
    {
        var (spec, planned) = Pki.CloudExternal();
        var first = ClusterPki.Ensure(spec, planned, null, Pki.Now);
        // What the cloud reports: addresses, and the host keys the tool made, now pinned.
        var inventory = planned.Select((h, i) => h with
        {
            Address = $"203.0.113.{10 + i}",
            InternalAddress = $"10.0.1.{10 + i}",
            HostKey = OpenSshKeys.PinOf(first.HostKeys[h.Name]),
        }).ToList();
        var second = ClusterPki.EnsureWithChanges(spec, inventory, first, Pki.Now.AddHours(1));
        Assert.All(second.Changes, c => Assert.Equal(PkiChangeKind.Reissued, c.Kind));
        Assert.Equal(3 * 2 + 6, second.Changes.Count); // etcd server+peer on 3 members, kubelet on 6 nodes
        Assert.All(first.HostKeys, kv => Assert.Same(kv.Value, second.Secrets.HostKeys[kv.Key]));
        using var cert = X509Certificate2.CreateFromPem(second.Secrets.Issued["kubelet-serving/general-1"].CertificatePem);
        Assert.Equal("DNS:general-1, IP Address:203.0.113.16, IP Address:10.0.1.16", San(cert));
    }

    [Fact]
    public void Ensure_HostRemoved_KeepsItsMaterial()
    {
        var (spec, hosts) = Pki.Stacked(1, 2);
        var first = ClusterPki.Ensure(spec, hosts, null, Pki.Now);
        var second = ClusterPki.EnsureWithChanges(spec, hosts.Where(h => h.Name != "w-2").ToList(), first, Pki.Now);
        Assert.Empty(second.Changes);
        Assert.Same(first.Issued["kubelet-serving/w-2"], second.Secrets.Issued["kubelet-serving/w-2"]);
    }

    [Theory]
    [InlineData("CP-1")]
    [InlineData("../cp")]
    [InlineData("cp_1")]
    public void Ensure_HostNameNotALowerCaseDnsName_ErrorNamesTheHost(string name)
    {
        var (spec, hosts) = Pki.Stacked(1, 0);
        var bad = hosts.Select(h => h with { Name = name }).ToList();
        var e = Assert.Throws<ArgumentException>(() => ClusterPki.Ensure(spec, bad, null, Pki.Now));
        Assert.Contains($"host '{name}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ensure_HostListedTwice_ErrorNamesTheHost()
    {
        var (spec, hosts) = Pki.Stacked(1, 1);
        var e = Assert.Throws<ArgumentException>(() => ClusterPki.Ensure(spec, [.. hosts, hosts[1]], null, Pki.Now));
        Assert.Contains("host 'w-1' is listed twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ensure_NowWithFractionalSeconds_CertificatesStartOnWholeSeconds()
    {
        var (spec, hosts) = Pki.Stacked(1, 0);
        var secrets = ClusterPki.Ensure(spec, hosts, null, Pki.Now.AddMilliseconds(700));
        using var cert = X509Certificate2.CreateFromPem(secrets.ClusterCa.CertificatePem);
        Assert.Equal(Pki.Now - ClusterPki.Backdate, cert.NotBefore.ToUniversalTime());
    }

    [Fact]
    public void IsEtcdMember_Topologies_FollowTheSpec()
    {
        var (stacked, stackedHosts) = Pki.Stacked(1, 1);
        Assert.True(ClusterPki.IsEtcdMember(stacked, stackedHosts.Single(h => h.Name == "cp-1")));
        Assert.False(ClusterPki.IsEtcdMember(stacked, stackedHosts.Single(h => h.Name == "w-1")));
        var (external, externalHosts) = Pki.CloudExternal();
        Assert.False(ClusterPki.IsEtcdMember(external, externalHosts.Single(h => h.Name == "cp-1")));
        Assert.True(ClusterPki.IsEtcdMember(external, externalHosts.Single(h => h.Name == "etcd-1")));
        // External topology without dedicated VMs: etcd runs on the control planes, which then carry the etcd role.
        var onCps = external with { Etcd = new EtcdSpec { Topology = EtcdTopology.External, Count = 0 } };
        Assert.True(ClusterPki.IsEtcdMember(onCps, HostInventory.Plan(onCps).Single(h => h.Name == "cp-1")));
    }

    private static string San(X509Certificate2 cert) =>
        cert.Extensions.Single(e => e.Oid?.Value == "2.5.29.17").Format(false);
}
