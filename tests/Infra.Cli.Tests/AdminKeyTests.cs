using Infra.Core.Infrastructure;
using Infra.Core.Pki;
using Infra.Core.Spec;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;

namespace Infra.Cli.Tests;

/// <summary>A cloud stack without ssh.adminPublicKey: the tool makes the admin key, keeps it, and logs in with it.</summary>
public class AdminKeyTests
{
    /// <summary>A one-VM AWS stack that names no admin key (so no SSH secret is needed).</summary>
    private static string Stack(TempDir tmp)
    {
        var text = File.ReadAllText(Path.Combine(Repo.Root, "stacks", "Pulumi.staging.yaml"))
            .Replace("name: staging", "name: solo", StringComparison.Ordinal)
            .Replace("    controlPlane:\n      count: 3", "    controlPlane:\n      count: 1", StringComparison.Ordinal)
            .Replace("        count: 3\n", "        count: 0\n", StringComparison.Ordinal);
        text = string.Join("\n", text.Split('\n').Where(l => !l.TrimStart().StartsWith("adminPublicKey:", StringComparison.Ordinal)
            && !l.TrimStart().StartsWith("identityFile:", StringComparison.Ordinal)));
        var path = tmp.File("Pulumi.solo.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void SecretsInit_CloudStackWithoutAdminKey_KeepsAnAdminKeyPair0600()
    {
        using var tmp = new TempDir();
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };
        var r = CliRunner.Run(tmp.Path, ["secrets", "init", "--file", Stack(tmp)], variables: vars);
        Assert.True(r.ExitCode == 0, r.Err);

        var key = tmp.File("secrets/admin/id_ed25519");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n", File.ReadAllText(key), StringComparison.Ordinal);
        Assert.StartsWith("ssh-ed25519 AAAA", File.ReadAllText(key + ".pub"), StringComparison.Ordinal);

        // The plan's cloud-init authorizes exactly that key.
        Assert.Equal(0, CliRunner.Run(tmp.Path, ["plan", "--file", Stack(tmp), "--out", tmp.File("out")], variables: vars).ExitCode);
        Assert.Contains(File.ReadAllText(key + ".pub").Trim(), File.ReadAllText(tmp.File("out/nodes/cp-1/cp-1.cloud-init.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void Status_CloudStackWithoutAdminKeyOrKeptSecrets_Exits2SayingHow()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("inventory.json"), CloudInventory.ToJson(
            [new HostSpec { Name = "cp-1", Address = "192.0.2.10", Port = 22, User = "infra", Roles = [Roles.ControlPlane, Roles.Etcd], HostKey = HarnessCluster.Pin(SampleSpecs.DummyFingerprint) }],
            "192.0.2.1:6443"));
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };
        var r = CliRunner.Run(tmp.Path, ["status", "--file", Stack(tmp), "--inventory", tmp.File("inventory.json")], variables: vars);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("infra secrets init", r.Err, StringComparison.Ordinal);
    }

    [RealHostFact]
    [Trait("Item", "10.new-user")]
    public async Task Status_CloudStackWithoutAdminKey_LogsInWithTheKeptAdminKeyOnly()
    {
        using var tmp = new TempDir();
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };
        var stack = Stack(tmp);
        Assert.Equal(0, CliRunner.Run(tmp.Path, ["secrets", "init", "--file", stack], variables: vars).ExitCode);
        var admin = KeptSecretsSerializer.FromFiles(Directory.GetFiles(tmp.File("secrets"), "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(tmp.File("secrets"), f), File.ReadAllBytes)).AdminKey!;

        await using var network = await TestHostNetwork.CreateAsync(TestHostNetwork.PrefixFor("adm"));
        var host = (await network.StartHostsAsync(new TestHostOptions { Name = "cp-1" }))[0];
        // Only the kept admin key opens the VM, as cloud-init would set it up; the harness's own key no longer does.
        File.WriteAllText(Path.Join(host.UpperDirectory, "root", ".ssh", "authorized_keys"), admin.PublicKeyLine + "\n");
        File.WriteAllText(tmp.File("inventory.json"), CloudInventory.ToJson(
            [new HostSpec { Name = "cp-1", Address = host.Address, Port = 22, User = "root", Roles = [Roles.ControlPlane, Roles.Etcd], HostKey = HarnessCluster.Pin(host.HostKeys[0].PublicKeyLine) }],
            $"{host.Address}:6443"));

        var r = CliRunner.Run(tmp.Path, ["status", "--file", stack, "--inventory", tmp.File("inventory.json")], variables: vars);

        Assert.DoesNotContain("refused the login", r.Out + r.Err, StringComparison.Ordinal);
        Assert.True(r.ExitCode == 0, r.Out + r.Err);
        // The journal was read over SSH: the host was reached and probed.
        Assert.Contains("prepare.os — not done yet", r.Out, StringComparison.Ordinal);
    }
}
