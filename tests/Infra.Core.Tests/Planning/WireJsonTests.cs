using System.Text;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

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
    public void PlannedHost_RoundTrip_KeepsPinAndRoles()
    {
        var host = HostInventory.Plan(SampleSpecs.BareMetal())[0];
        var back = WireJson.Deserialize<PlannedHost>(WireJson.Serialize(host), "joinVia");
        Assert.Equal(host.Name, back.Name);
        Assert.Equal(host.Address, back.Address);
        Assert.Equal(host.Roles, back.Roles);
        Assert.Equal(host.HostKey!.Sha256, back.HostKey!.Sha256);
    }
}
