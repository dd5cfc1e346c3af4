using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Infra.Core.Pki;
using Infra.TestKit;

namespace Infra.Core.Tests.Pki;

/// <summary>The certificates as openssl and .NET's X.509 parser see them.</summary>
public class ClusterPkiOpensslTests
{
    private static readonly KeptSecrets S = Pki.StackedSecrets;

    private static CertificateAndKey CaOf(string issuedName) =>
        issuedName.StartsWith("kubelet-serving/", StringComparison.Ordinal) ? S.ClusterCa : S.EtcdCa;

    [RealToolFact("openssl")]
    public void Ensure_StackedCluster_EveryLeafVerifiesAgainstItsCaForItsPurposes()
    {
        using var dir = new TempDir();
        var clusterCa = dir.Write("ca.crt", S.ClusterCa.CertificatePem);
        var etcdCa = dir.Write("etcd-ca.crt", S.EtcdCa.CertificatePem);
        Assert.Equal(3 + 3 + 3 + 5, S.Issued.Count); // 3 clients, server+peer per control plane, kubelet per node
        foreach (var (name, ck) in S.Issued)
        {
            var leaf = dir.Write(name.Replace('/', '_') + ".crt", ck.CertificatePem);
            var ca = ReferenceEquals(CaOf(name), S.ClusterCa) ? clusterCa : etcdCa;
            using var cert = X509Certificate2.CreateFromPem(ck.CertificatePem);
            var ekus = Ekus(cert);
            Assert.NotEmpty(ekus);
            foreach (var purpose in ekus.Select(e => e == "1.3.6.1.5.5.7.3.1" ? "sslserver" : "sslclient"))
            {
                var output = Tool.Ok("openssl", "verify", "-x509_strict", "-purpose", purpose, "-CAfile", ca, leaf);
                Assert.Equal($"{leaf}: OK", output.Trim());
            }
        }
    }

    [RealToolFact("openssl")]
    public void Ensure_StackedCluster_LeafDoesNotVerifyAgainstTheOtherCa()
    {
        using var dir = new TempDir();
        var etcdCa = dir.Write("etcd-ca.crt", S.EtcdCa.CertificatePem);
        var kubelet = dir.Write("kubelet.crt", S.Issued["kubelet-serving/w-1"].CertificatePem);
        var r = Tool.Run("openssl", "verify", "-CAfile", etcdCa, kubelet);
        Assert.NotEqual(0, r.ExitCode);
    }

    [RealToolFact("openssl")]
    public void Ensure_StackedCluster_KeysArePrimeP256AndMatchTheirCertificates()
    {
        using var dir = new TempDir();
        var pairs = new[] { ("ca", S.ClusterCa), ("front-proxy-ca", S.FrontProxyCa), ("etcd-ca", S.EtcdCa) }
            .Concat(S.Issued.Select(kv => (kv.Key.Replace('/', '_'), kv.Value)));
        foreach (var (name, ck) in pairs)
        {
            var crt = dir.Write(name + ".crt", ck.CertificatePem);
            var key = dir.Write(name + ".key", ck.PrivateKeyPem);
            Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----", ck.PrivateKeyPem, StringComparison.Ordinal);
            var keyText = Tool.Ok("openssl", "pkey", "-in", key, "-noout", "-text");
            Assert.Contains("ASN1 OID: prime256v1", keyText, StringComparison.Ordinal);
            var fromKey = Tool.Ok("openssl", "pkey", "-in", key, "-pubout");
            var fromCert = Tool.Ok("openssl", "x509", "-in", crt, "-noout", "-pubkey");
            Assert.Equal(fromCert, fromKey);
        }
        var saKey = dir.Write("sa.key", S.ServiceAccountPrivateKeyPem);
        Assert.Equal(S.ServiceAccountPublicKeyPem, Tool.Ok("openssl", "pkey", "-in", saKey, "-pubout"));
    }

    [Fact]
    public void Ensure_StackedCluster_CasAreTenYearCasAsKubeadmMakesThem()
    {
        foreach (var (ck, cn) in new[] { (S.ClusterCa, "kubernetes"), (S.FrontProxyCa, "front-proxy-ca"), (S.EtcdCa, "etcd-ca") })
        {
            using var cert = X509Certificate2.CreateFromPem(ck.CertificatePem);
            Assert.Equal("CN=" + cn, cert.Subject);
            Assert.Equal(cert.Subject, cert.Issuer);
            var basic = cert.Extensions.OfType<X509BasicConstraintsExtension>().Single();
            Assert.True(basic.CertificateAuthority);
            Assert.True(basic.Critical);
            var usage = cert.Extensions.OfType<X509KeyUsageExtension>().Single();
            Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, usage.KeyUsages);
            Assert.Single(cert.Extensions.OfType<X509SubjectKeyIdentifierExtension>());
            Assert.Equal(Pki.Now - TimeSpan.FromMinutes(5), cert.NotBefore.ToUniversalTime());
            Assert.Equal(Pki.Now.AddDays(3650), cert.NotAfter.ToUniversalTime());
        }
    }

    [Fact]
    public void Ensure_StackedCluster_EtcdMemberCertificatesHaveKubeadmSansAndUsages()
    {
        foreach (var kind in new[] { "etcd-server", "etcd-peer" })
        {
            using var cert = X509Certificate2.CreateFromPem(S.Issued[kind + "/cp-2"].CertificatePem);
            Assert.Equal("CN=cp-2", cert.Subject);
            Assert.Equal("CN=etcd-ca", cert.Issuer);
            AssertLeaf(cert);
            Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], Ekus(cert));
            var (dns, ips) = Sans(cert);
            Assert.Equal(["cp-2", "localhost"], dns);
            Assert.Equal(["10.0.0.12", "127.0.0.1", "::1"], ips);
        }
    }

    [RealToolFact("openssl")]
    public void Ensure_StackedCluster_OpensslShowsEtcdServerSansUsagesAndLifetime()
    {
        using var dir = new TempDir();
        var crt = dir.Write("server.crt", S.Issued["etcd-server/cp-1"].CertificatePem);
        var text = Tool.Ok("openssl", "x509", "-in", crt, "-noout", "-text");
        Assert.Contains("DNS:cp-1, DNS:localhost, IP Address:10.0.0.11, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1", text, StringComparison.Ordinal);
        Assert.Contains("TLS Web Server Authentication, TLS Web Client Authentication", text, StringComparison.Ordinal);
        Assert.Contains("X509v3 Key Usage: critical\n                Digital Signature\n", text, StringComparison.Ordinal);
        Assert.Contains("CA:FALSE", text, StringComparison.Ordinal);
        Assert.Contains("Not Before: Mar  1 11:55:00 2026 GMT", text, StringComparison.Ordinal);
        Assert.Contains("Not After : Mar  1 12:00:00 2027 GMT", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Ensure_StackedCluster_ClientCertificatesHaveKubeadmSubjects()
    {
        foreach (var (name, cn) in new[]
        {
            (IssuedNames.EtcdHealthcheckClient, "kube-etcd-healthcheck-client"),
            (IssuedNames.ApiServerEtcdClient, "kube-apiserver-etcd-client"),
            (IssuedNames.InfraEtcdClient, "infra"),
        })
        {
            using var cert = X509Certificate2.CreateFromPem(S.Issued[name].CertificatePem);
            Assert.Equal("CN=" + cn, cert.Subject);
            Assert.Equal("CN=etcd-ca", cert.Issuer);
            AssertLeaf(cert);
            Assert.Equal(["1.3.6.1.5.5.7.3.2"], Ekus(cert));
            Assert.DoesNotContain(cert.Extensions.Cast<X509Extension>(), e => e.Oid?.Value == "2.5.29.17");
        }
    }

    [RealToolFact("openssl")]
    public void Ensure_StackedCluster_KubeletServingCertificatesNameTheNode()
    {
        using var dir = new TempDir();
        foreach (var (host, ip) in new[] { ("cp-1", "10.0.0.11"), ("w-2", "10.0.0.102") })
        {
            var pem = S.Issued["kubelet-serving/" + host].CertificatePem;
            // Encoded order O, CN, as Go's pkix.Name writes it.
            Assert.Equal($"subject=O = system:nodes, CN = system:node:{host}", Tool.Ok("openssl", "x509", "-noout", "-subject", "-in", dir.Write(host + ".crt", pem)).Trim());
            using var cert = X509Certificate2.CreateFromPem(pem);
            Assert.Equal("CN=kubernetes", cert.Issuer);
            AssertLeaf(cert);
            Assert.Equal(["1.3.6.1.5.5.7.3.1"], Ekus(cert));
            var (dns, ips) = Sans(cert);
            Assert.Equal([host], dns);
            Assert.Equal([ip], ips);
        }
    }

    [Fact]
    public void Ensure_StackedCluster_SerialNumbersAreDistinctAndPositive()
    {
        var serials = new[] { S.ClusterCa, S.FrontProxyCa, S.EtcdCa }.Concat(S.Issued.Values)
            .Select(ck => { using var c = X509Certificate2.CreateFromPem(ck.CertificatePem); return c.SerialNumberBytes.ToArray(); })
            .ToList();
        Assert.All(serials, s => Assert.True(s.Length == 16 && s[0] is >= 0x40 and < 0x80, Convert.ToHexString(s)));
        Assert.Equal(serials.Count, serials.Select(Convert.ToHexString).Distinct().Count());
    }

    [RealToolFact("openssl")]
    public void DiscoveryHash_EachCa_EqualsTheHashOpensslComputes()
    {
        using var dir = new TempDir();
        foreach (var (name, ck) in new[] { ("ca", S.ClusterCa), ("front-proxy-ca", S.FrontProxyCa), ("etcd-ca", S.EtcdCa) })
        {
            // openssl x509 -pubkey -in ca.crt | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex, through files.
            var crt = dir.Write(name + ".crt", ck.CertificatePem);
            var pub = Path.Combine(dir.Path, name + ".pub.pem");
            var der = Path.Combine(dir.Path, name + ".pub.der");
            Tool.Ok("openssl", "x509", "-pubkey", "-noout", "-in", crt, "-out", pub);
            Tool.Ok("openssl", "pkey", "-pubin", "-in", pub, "-outform", "der", "-out", der);
            var digest = Tool.Ok("openssl", "dgst", "-sha256", "-hex", der).Trim().Split(' ')[^1];
            Assert.Equal(64, digest.Length);
            Assert.Equal("sha256:" + digest, ClusterPki.DiscoveryHash(ck.CertificatePem));
        }
    }

    [Fact]
    public void Ensure_StackedCluster_EncryptionKeyIs32RandomBytes()
    {
        var key = Convert.FromBase64String(S.EncryptionKey);
        Assert.Equal(32, key.Length);
        var other = ClusterPki.Ensure(Pki.Stacked(1, 0).Spec, Pki.Stacked(1, 0).Hosts, null, Pki.Now);
        Assert.NotEqual(S.EncryptionKey, other.EncryptionKey);
    }

    private static void AssertLeaf(X509Certificate2 cert)
    {
        var basic = cert.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.False(basic.CertificateAuthority);
        var usage = cert.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.True(usage.Critical);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, usage.KeyUsages);
        Assert.Single(cert.Extensions.OfType<X509AuthorityKeyIdentifierExtension>());
        Assert.Equal(Pki.Now - TimeSpan.FromMinutes(5), cert.NotBefore.ToUniversalTime());
        Assert.Equal(Pki.Now.AddDays(365), cert.NotAfter.ToUniversalTime());
        using var key = cert.GetECDsaPublicKey();
        Assert.NotNull(key);
        Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, key.ExportParameters(false).Curve.Oid.Value);
    }

    private static List<string> Ekus(X509Certificate2 cert) =>
        [.. cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value!).Order(StringComparer.Ordinal)];

    private static (List<string> Dns, List<string> Ips) Sans(X509Certificate2 cert)
    {
        var ext = cert.Extensions.Single(e => e.Oid?.Value == "2.5.29.17");
        var san = new X509SubjectAlternativeNameExtension(ext.RawData);
        return ([.. san.EnumerateDnsNames()], [.. san.EnumerateIPAddresses().Select(IpText)]);
    }

    private static string IpText(IPAddress a) => a.ToString();
}
