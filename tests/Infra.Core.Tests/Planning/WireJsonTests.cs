using System.Text;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Core.Tests.Planning;

public class WireJsonTests
{
    private static NodeProgram Program()
    {
        var spec = SampleSpecs.BareMetal();
        var host = HostInventory.Plan(spec)[0];
        Assert.True(HostKeyPin.TryParse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGmUcqRYyHW4ks0YsKDt0kSRDNhXX9Pmd2OyPGPrfrdM", out var pin, out _));
        return new NodeProgram
        {
            Host = host with { HostKey = pin },
            Steps =
            [
                new Step
                {
                    Id = "prepare.swap",
                    Phase = Phase.Prepare,
                    Description = "swap off",
                    Script = "set -euo pipefail\nswapoff -a\n",
                    Check = "! swapon --show | grep -q .",
                    Inputs = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["os"] = "debian12" },
                    InputHash = "abc",
                    Files = [new HostFile { Path = "/etc/x", Content = Encoding.UTF8.GetBytes("k=v\n"), Mode = "0600", Secret = true }],
                    RuntimeInputs = ["join-token"],
                    Os = [OsFamily.Debian12, OsFamily.Ubuntu2404],
                },
            ],
            KubeadmConfig = "kind: InitConfiguration\n",
        };
    }

    [Fact]
    public void NodeProgram_RoundTrip_SameContent()
    {
        var p = Program();

        var back = WireJson.NodeProgram(WireJson.NodeProgram(p));

        Assert.Equal(WireJson.NodeProgram(p), WireJson.NodeProgram(back));
        Assert.Equal(p.Host.HostKey!.Sha256, back.Host.HostKey!.Sha256);
        Assert.Equal(p.Host.HostKey.PublicKeyBlob, back.Host.HostKey.PublicKeyBlob);
        Assert.Equal(p.Steps[0].Files[0].Content, back.Steps[0].Files[0].Content);
        Assert.Equal([OsFamily.Debian12, OsFamily.Ubuntu2404], back.Steps[0].Os);
        Assert.Equal(Phase.Prepare, back.Steps[0].Phase);
    }

    [Fact]
    public void KeptSecrets_RoundTrip_SameContent()
    {
        var s = new KeptSecrets
        {
            ClusterCa = new CertificateAndKey("CERT1", "KEY1"),
            FrontProxyCa = new CertificateAndKey("CERT2", "KEY2"),
            EtcdCa = new CertificateAndKey("CERT3", "KEY3"),
            ServiceAccountPrivateKeyPem = "SAK",
            ServiceAccountPublicKeyPem = "SAP",
            EncryptionKey = "ENC",
            Issued = new SortedDictionary<string, CertificateAndKey>(StringComparer.Ordinal) { ["kubelet-serving/w-1"] = new("C", "K") },
            HostKeys = new SortedDictionary<string, SshHostKey>(StringComparer.Ordinal)
            {
                ["cp-1"] = new SshHostKey { Algorithm = "ssh-ed25519", PrivateKey = "PRIV", PublicKeyLine = "ssh-ed25519 AAAA cp-1" },
            },
        };

        var json = WireJson.KeptSecrets(s);
        var back = WireJson.KeptSecrets(json);

        Assert.Equal(json, WireJson.KeptSecrets(back));
        Assert.Equal("K", back.Issued["kubelet-serving/w-1"].PrivateKeyPem);
        Assert.Equal("PRIV", back.HostKeys["cp-1"].PrivateKey);
    }

    [Fact]
    public void KeptSecrets_MissingMember_ErrorWithoutContent()
    {
        var e = Assert.Throws<FormatException>(() => WireJson.KeptSecrets("{\"clusterCa\":{\"certificatePem\":\"C\",\"privateKeyPem\":\"TOPSECRET\"}}"));

        Assert.StartsWith("cluster secrets:", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("TOPSECRET", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NodeProgram_Malformed_ErrorNamesDocument()
    {
        var e = Assert.Throws<FormatException>(() => WireJson.NodeProgram("{\"host\": 3}"));

        Assert.StartsWith("node program:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NodeConnection_RoundTripAndToString_KeyNeverPrinted()
    {
        Assert.True(HostKeyPin.TryParse(SampleSpecs.DummyFingerprint, out var pin, out _));
        var c = new NodeConnection
        {
            PrivateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRETKEY\n",
            Bastion = new BastionSpec { Address = "203.0.113.5", Port = 22, User = "jump", HostKey = pin! },
            ConnectTimeoutSeconds = 10,
            CommandTimeoutSeconds = 600,
        };

        var back = WireJson.NodeConnection(WireJson.NodeConnection(c));

        Assert.Equal(c.PrivateKey, back.PrivateKey);
        Assert.Equal("203.0.113.5", back.Bastion!.Address);
        Assert.Equal(pin!.Sha256, back.Bastion.HostKey.Sha256);
        Assert.DoesNotContain("SECRETKEY", back.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Issued_RoundTrip_SortedByName()
    {
        var issued = new Dictionary<string, CertificateAndKey> { ["w-1"] = new("C1", "K1"), ["cp-1"] = new("C2", "K2") };

        var json = WireJson.Issued(issued);

        Assert.True(json.IndexOf("cp-1", StringComparison.Ordinal) < json.IndexOf("w-1", StringComparison.Ordinal));
        Assert.Equal("K1", WireJson.Issued(json)["w-1"].PrivateKeyPem);
    }
}
