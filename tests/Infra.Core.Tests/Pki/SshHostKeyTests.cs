using Infra.Core.Pki;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Pki;

/// <summary>Cloud VM host keys, checked by OpenSSH's own ssh-keygen.</summary>
public class SshHostKeyTests
{
    [RealToolFact("ssh-keygen")]
    public void NewEd25519_SshKeygenY_ReproducesThePublicLine()
    {
        using var dir = new TempDir();
        var key = OpenSshKeys.NewEd25519("cp-1");
        var file = dir.Write("ssh_host_ed25519_key", key.PrivateKey);
        var derived = Tool.Ok("ssh-keygen", "-y", "-f", file).Trim();
        // ssh-keygen prints the type, the blob and the comment stored in the private key.
        Assert.Equal(key.PublicKeyLine, derived);
        Assert.StartsWith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA", key.PublicKeyLine, StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n", key.PrivateKey, StringComparison.Ordinal);
        Assert.EndsWith("\n-----END OPENSSH PRIVATE KEY-----\n", key.PrivateKey, StringComparison.Ordinal);
    }

    [RealToolFact("ssh-keygen")]
    public void PinOf_NewKey_EqualsTheFingerprintSshKeygenPrints()
    {
        using var dir = new TempDir();
        var key = OpenSshKeys.NewEd25519("w-1");
        var priv = dir.Write("k", key.PrivateKey);
        var pub = dir.Write("k.pub", key.PublicKeyLine + "\n");
        var pin = OpenSshKeys.PinOf(key);
        Assert.Equal(HostKeyPin.FingerprintOf(OpenSshKeys.PublicBlob(key.PublicKeyLine)!), pin.Sha256);
        foreach (var f in new[] { pub, priv })
        {
            // "256 SHA256:<43 chars> w-1 (ED25519)"
            var fields = Tool.Ok("ssh-keygen", "-lf", f).Trim().Split(' ');
            Assert.Equal(["256", pin.Fingerprint, "w-1", "(ED25519)"], fields);
        }
        Assert.True(pin.Matches(OpenSshKeys.PublicBlob(key.PublicKeyLine)!));
    }

    [Fact]
    public void NewEd25519_TwoKeys_Differ()
    {
        var a = OpenSshKeys.NewEd25519("x");
        var b = OpenSshKeys.NewEd25519("x");
        Assert.NotEqual(a.PublicKeyLine, b.PublicKeyLine);
        Assert.Null(OpenSshKeys.Problem(a));
    }

    [Fact]
    public void Problem_PrivateKeyOfAnotherHost_SaysItDoesNotBelong()
    {
        var a = OpenSshKeys.NewEd25519("a");
        var b = OpenSshKeys.NewEd25519("b");
        Assert.Equal("the private key does not belong to the public key line", OpenSshKeys.Problem(a with { PublicKeyLine = b.PublicKeyLine }));
    }

    [RealToolFact("ssh-keygen")]
    public void Problem_KeyMadeBySshKeygen_IsAccepted()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "key");
        Tool.Ok("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "made-by-ssh-keygen", "-f", file);
        var key = new SshHostKey { Algorithm = "ssh-ed25519", PrivateKey = File.ReadAllText(file), PublicKeyLine = File.ReadAllText(file + ".pub").Trim() };
        Assert.Null(OpenSshKeys.Problem(key));
    }

    [RealToolFact("ssh-keygen")]
    public void Problem_EncryptedKey_SaysHostKeysMustBeUnencrypted()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "key");
        Tool.Ok("ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-f", file);
        var key = new SshHostKey { Algorithm = "ssh-ed25519", PrivateKey = File.ReadAllText(file), PublicKeyLine = File.ReadAllText(file + ".pub").Trim() };
        Assert.Equal("the private key is encrypted; host keys must be unencrypted", OpenSshKeys.Problem(key));
    }
}
