using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Infra.Core.Pki;

namespace Infra.Core.Tests.Pki;

/// <summary>Reading certificates from what the host script prints, and the expiry arithmetic of <c>infra certs check</c>.</summary>
public class CertificateExpiryTests
{
    private static readonly DateTimeOffset Now = new(2027, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static HostCertificate Cert(DateTimeOffset notAfter, bool ca = false) => new()
    {
        Host = "h",
        Path = "/p",
        Subject = "CN=x",
        Issuer = "CN=ca",
        Serial = "01",
        NotBefore = notAfter.AddYears(-1),
        NotAfter = notAfter,
        IsCa = ca,
    };

    private static X509Certificate2 Make(string cn, bool ca, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + cn, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        return request.CreateSelfSigned(notAfter.AddYears(-1), notAfter);
    }

    private static string Line(string path, string content) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(path)) + " " + Convert.ToBase64String(Encoding.UTF8.GetBytes(content));

    [Trait("Item", "14.1")]
    [Fact]
    public void StateOf_LeafWithinWindow_Due()
    {
        Assert.Equal(ExpiryState.Due, CertificateExpiry.StateOf(Cert(Now.AddDays(29)), Now, 30));
        Assert.Equal(ExpiryState.Due, CertificateExpiry.StateOf(Cert(Now.AddDays(30)), Now, 30));
        Assert.Equal(ExpiryState.Ok, CertificateExpiry.StateOf(Cert(Now.AddDays(30).AddMinutes(1)), Now, 30));
        Assert.Equal(ExpiryState.Expired, CertificateExpiry.StateOf(Cert(Now.AddSeconds(-1)), Now, 30));
    }

    [Trait("Item", "14.1")]
    [Fact]
    public void StateOf_CaWithinAYearOutsideWindow_WarningNotDue()
    {
        Assert.Equal(ExpiryState.CaWarning, CertificateExpiry.StateOf(Cert(Now.AddDays(200), ca: true), Now, 30));
        Assert.Equal(ExpiryState.Ok, CertificateExpiry.StateOf(Cert(Now.AddDays(366), ca: true), Now, 30));
        // A leaf 200 days out is simply fine: the year's warning is for CAs.
        Assert.Equal(ExpiryState.Ok, CertificateExpiry.StateOf(Cert(Now.AddDays(200)), Now, 30));
        Assert.Equal(ExpiryState.Due, CertificateExpiry.StateOf(Cert(Now.AddDays(10), ca: true), Now, 30));
    }

    [Trait("Item", "14.1")]
    [Fact]
    public void ExitCode_DueOrExpiredOrUnreadHost_One_CaWarningAlone_Zero()
    {
        var warnOnly = CertificateExpiry.Evaluate([Cert(Now.AddDays(200), ca: true), Cert(Now.AddDays(300))], Now, 30);
        Assert.Equal(0, CertificateExpiry.ExitCode(warnOnly, anyHostUnread: false));
        Assert.Equal(1, CertificateExpiry.ExitCode(warnOnly, anyHostUnread: true));
        var due = CertificateExpiry.Evaluate([Cert(Now.AddDays(300)), Cert(Now.AddDays(5))], Now, 30);
        Assert.Equal(1, CertificateExpiry.ExitCode(due, anyHostUnread: false));
        // The same certificates with a shorter window: nothing due.
        Assert.Equal(0, CertificateExpiry.ExitCode(CertificateExpiry.Evaluate([Cert(Now.AddDays(5))], Now, 4), anyHostUnread: false));
    }

    [Trait("Item", "14.1")]
    [Fact]
    public void Evaluate_SoonestFirstWithWholeDaysLeft()
    {
        var rows = CertificateExpiry.Evaluate([Cert(Now.AddDays(300)), Cert(Now.AddDays(5.5)), Cert(Now.AddHours(-1))], Now, 30);

        Assert.Equal([-1, 5, 300], rows.Select(r => r.DaysLeft));
        Assert.Equal([ExpiryState.Expired, ExpiryState.Due, ExpiryState.Ok], rows.Select(r => r.State));
    }

    [Trait("Item", "14.1")]
    [Theory]
    [InlineData(-1, true)]
    [InlineData(3651, true)]
    [InlineData(0, false)]
    [InlineData(3650, false)]
    public void CheckWithin_OutOfRange_Refused(int days, bool refused) =>
        Assert.Equal(refused, CertificateExpiry.CheckWithin(days) is not null);

    [Trait("Item", "14.1")]
    [Fact]
    public void Parse_PemFilesAndKubeconfig_EveryCertificateWithItsFacts()
    {
        using var ca = Make("etcd-ca", ca: true, Now.AddYears(9));
        using var leaf = Make("etcd-1", ca: false, Now.AddDays(20));
        using var admin = Make("kubernetes-admin", ca: false, Now.AddDays(100));
        using var key = RSA.Create(2048);
        // kubelet-client-current.pem holds a certificate and its key: only the certificate counts.
        var pemWithKey = leaf.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem();
        var kubeconfig = $"""
            apiVersion: v1
            users:
            - name: kubernetes-admin
              user:
                client-certificate-data: {Convert.ToBase64String(Encoding.UTF8.GetBytes(admin.ExportCertificatePem()))}
                client-key-data: AAAA
            """;
        var output = string.Join('\n',
            Line("/etc/etcd/pki/ca.crt", ca.ExportCertificatePem()),
            Line("/var/lib/kubelet/pki/kubelet-client-current.pem", pemWithKey),
            Line("/etc/kubernetes/admin.conf", kubeconfig),
            Line("/etc/kubernetes/kubelet.conf", "users:\n- user:\n    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n"),
            Line("/etc/kubernetes/pki/broken.crt", "not a certificate")) + "\n";

        var (certs, unreadable) = CertificateLocations.Parse("etcd-1", output);

        Assert.Equal(["/etc/etcd/pki/ca.crt", "/var/lib/kubelet/pki/kubelet-client-current.pem", "/etc/kubernetes/admin.conf"], certs.Select(c => c.Path));
        Assert.All(certs, c => Assert.Equal("etcd-1", c.Host));
        Assert.True(certs[0].IsCa);
        Assert.False(certs[1].IsCa);
        Assert.Equal("CN=kubernetes-admin", certs[2].Subject);
        Assert.Equal(admin.SerialNumber.ToLowerInvariant(), certs[2].Serial);
        Assert.Equal(admin.NotAfter.ToUniversalTime(), certs[2].NotAfter.UtcDateTime);
        Assert.Equal(["/etc/kubernetes/pki/broken.crt"], unreadable.Select(u => u.Path));
    }

    [Trait("Item", "14.1")]
    [Fact]
    public void ReadScript_ReadsTheDirectoriesTheNodeProgramsWrite()
    {
        Assert.Contains(PkiFiles.EtcdPkiDir + "/*.crt", CertificateLocations.ReadScript, StringComparison.Ordinal);
        Assert.Contains(PkiFiles.KubernetesPkiDir + "/etcd/*.crt", CertificateLocations.ReadScript, StringComparison.Ordinal);
        Assert.Contains(PkiFiles.KubeletPkiDir + "/*.crt", CertificateLocations.ReadScript, StringComparison.Ordinal);
        Assert.Contains("/etc/kubernetes/*.conf", CertificateLocations.ReadScript, StringComparison.Ordinal);
        // Every file the node programs place as a certificate matches one of the globs.
        foreach (var path in new[] { PkiFiles.ClusterCaCert, PkiFiles.EtcdCaCert, PkiFiles.ApiServerEtcdClientCert, PkiFiles.KubeletServingCert,
                     PkiFiles.ExternalEtcdServerCert, PkiFiles.ExternalEtcdPeerCert, PkiFiles.ExternalEtcdHealthcheckCert })
        {
            Assert.Contains(CertificateLocations.PemGlobs, g => Path.GetDirectoryName(g) == Path.GetDirectoryName(path) && path.EndsWith(".crt", StringComparison.Ordinal));
        }
    }
}
