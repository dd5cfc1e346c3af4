using Infra.TestHosts;
using Infra.TestKit;

namespace Infra.Ssh.Tests;

public sealed class CredentialHosts() : HostsFixture("cred",
    new TestHostOptions { Name = "sudo", SudoUser = new SudoUser("deploy", SudoPassword) },
    new TestHostOptions { Name = "nopw", SudoUser = new SudoUser("ops", null) },
    new TestHostOptions { Name = "multi", HostKeyTypes = ["ed25519", "ecdsa", "rsa"] })
{
    public const string SudoPassword = "Pw-for-sudo-8321";
}

/// <summary>
/// Sudo, identity files and the scanner. The tests that set INFRA_SSH_PASSPHRASE / INFRA_SUDO_PASSWORD live in
/// this class only; <see cref="ProcessEnvironmentGroup"/> keeps the classes that could read them from running beside it.
/// </summary>
[Collection(ProcessEnvironmentGroup.Name)]
public sealed class SshCredentialTests(CredentialHosts hosts) : IClassFixture<CredentialHosts>
{
    private static SshClientOptions WithSudoPassword(string? password) =>
        TestTargets.Options with { SudoPasswordPrompt = (_, _) => password };

    [RealHostFact]
    public async Task RunAsync_SudoWithPassword_RunsAsRootAndPasswordNeverVisible()
    {
        var host = hosts["sudo"];
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(host, user: "deploy"), WithSudoPassword(CredentialHosts.SudoPassword));

        var running = ssh.RunAsync("id -un\ntouch /run/sudo-started\nsleep 3\necho done", sudo: true);
        await WaitForAsync(host, "/run/sudo-started");
        var ps = await host.ExecInsideAsync("ps -eo args; cat /proc/[0-9]*/cmdline | tr '\\0' ' '");
        var r = await running;
        var asUser = await ssh.RunAsync("id -un");

        Assert.Equal("root\ndone\n", r.Stdout);
        Assert.Equal("deploy\n", asUser.Stdout);
        Assert.Contains("sudo -S -k -p  bash -c s=$(cat)", ps.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(CredentialHosts.SudoPassword, ps.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(CredentialHosts.SudoPassword, r.Stdout + r.Stderr, StringComparison.Ordinal);
    }

    [RealHostFact]
    public async Task RunAsync_SudoPasswordFromEnvironment_Works()
    {
        Environment.SetEnvironmentVariable(SshClientOptions.SudoPasswordVariable, CredentialHosts.SudoPassword);
        try
        {
            await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(hosts["sudo"], user: "deploy"));
            var r = await ssh.RunAsync("id -u", sudo: true);
            Assert.Equal("0\n", r.Stdout);
        }
        finally
        {
            Environment.SetEnvironmentVariable(SshClientOptions.SudoPasswordVariable, null);
        }
    }

    [RealHostFact]
    public async Task RunAsync_SudoWrongPassword_ThrowsWithoutThePassword()
    {
        const string wrong = "not-the-password-77";
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(hosts["sudo"], user: "deploy"), WithSudoPassword(wrong));

        var e = await Assert.ThrowsAsync<SshSudoException>(() => ssh.RunAsync("touch /root/never", sudo: true));

        Assert.Equal("sudo", e.Host);
        Assert.Contains("deploy", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, e.Message, StringComparison.Ordinal);
        Assert.Null(hosts["sudo"].ReadDiskFile("/root/never"));
    }

    [RealHostFact]
    public async Task RunAsync_SudoPasswordMissing_ThrowsNamingTheVariable()
    {
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(hosts["sudo"], user: "deploy"), WithSudoPassword(null));

        var e = await Assert.ThrowsAsync<SshSudoException>(() => ssh.RunAsync("true", sudo: true));

        Assert.Contains(SshClientOptions.SudoPasswordVariable, e.Message, StringComparison.Ordinal);
    }

    [RealHostFact]
    public async Task RunAsync_PasswordlessSudo_NeedsNoPassword()
    {
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(hosts["nopw"], user: "ops"), WithSudoPassword(null));
        var r = await ssh.RunAsync("id -un", sudo: true);
        Assert.Equal("root\n", r.Stdout);
    }

    [RealHostFact]
    public async Task UploadAsync_NonRootUser_InstalledAsRootThroughSudo()
    {
        var host = hosts["sudo"];
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(host, user: "deploy"), WithSudoPassword(CredentialHosts.SudoPassword));

        await ssh.UploadAsync("/etc/infra/secret.key", "-----KEY-----\n"u8.ToArray(), 0b110_000_000);

        Assert.Equal("-----KEY-----\n", host.ReadDiskFile("/etc/infra/secret.key"));
        var stat = await ssh.RunAsync("stat -c '%a %U:%G' /etc/infra/secret.key; ls -A /etc/infra; ls /tmp | wc -l", sudo: true);
        Assert.Equal("600 root:root\nsecret.key\n0\n", stat.Stdout);
    }

    [RealHostFact]
    public async Task UploadAsync_PasswordlessSudo_InstalledAsRoot()
    {
        var host = hosts["nopw"];
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(host, user: "ops"));

        await ssh.UploadAsync("/usr/local/bin/tool", "#!/bin/sh\necho tool\n"u8.ToArray(), 0b111_101_101);

        Assert.Equal("tool\n", (await ssh.RunAsync("/usr/local/bin/tool")).Stdout);
        Assert.Equal("755 root\n", (await ssh.RunAsync("stat -c '%a %U' /usr/local/bin/tool")).Stdout);
    }

    [RealHostTheory]
    [InlineData("ecdsa")]
    [InlineData("rsa")]
    [InlineData("ed25519")]
    public async Task ConnectAsync_IdentityFileOfEachKeyType_LogsIn(string type)
    {
        var host = hosts["multi"];
        var key = await NewClientKeyAsync(host, $"id_{type}", type, passphrase: "");

        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(host, identity: key));

        Assert.Equal("root\n", (await ssh.RunAsync("id -un")).Stdout);
    }

    [RealHostFact]
    public async Task ConnectAsync_EncryptedKeyWithPassphraseVariable_LogsIn()
    {
        var host = hosts["multi"];
        const string passphrase = "correct horse battery";
        var key = await NewClientKeyAsync(host, "id_encrypted", "ed25519", passphrase);
        var target = TestTargets.For(host, identity: key);

        var missing = await Assert.ThrowsAsync<SshConnectException>(() => TestTargets.ConnectAsync(target));
        Assert.Contains(SshClientOptions.PassphraseVariable, missing.Message, StringComparison.Ordinal);

        var wrong = await Assert.ThrowsAsync<SshConnectException>(() =>
            TestTargets.ConnectAsync(target, TestTargets.Options with { PassphrasePrompt = _ => "wrong horse" }));
        Assert.Contains("wrong passphrase", wrong.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("horse", wrong.Message, StringComparison.Ordinal);

        Environment.SetEnvironmentVariable(SshClientOptions.PassphraseVariable, passphrase);
        try
        {
            await using var ssh = await TestTargets.ConnectAsync(target);
            Assert.Equal("root\n", (await ssh.RunAsync("id -un")).Stdout);
        }
        finally
        {
            Environment.SetEnvironmentVariable(SshClientOptions.PassphraseVariable, null);
        }
    }

    [RealHostFact]
    public async Task ConnectAsync_KeyNotAuthorized_RefusedWithoutRetry()
    {
        var host = hosts["multi"];
        var stranger = Path.Join(hosts.Network.StateDirectory, "stranger");
        await ProcessRunner.RunAsync("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", stranger]);

        var e = await Assert.ThrowsAsync<SshConnectException>(() => TestTargets.ConnectAsync(TestTargets.For(host, identity: stranger)));

        Assert.Contains("refused the login as root", e.Message, StringComparison.Ordinal);
    }

    [RealHostFact]
    public async Task ScanAsync_HostWithThreeKeys_ReturnsFingerprintsThatSshKeygenPrints()
    {
        var host = hosts["multi"];

        var keys = await HostKeyScanner.ScanAsync(host.Address, host.Port);

        Assert.Equal(["ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"], keys.Select(k => k.Algorithm));
        foreach (var (key, type) in keys.Zip(new[] { "ed25519", "ecdsa", "rsa" }))
        {
            var printed = await ProcessRunner.RunAsync("/usr/bin/ssh-keygen", ["-lf", host.DiskPath($"/etc/ssh/ssh_host_{type}_key.pub")]);
            Assert.Equal(printed.Stdout.Split(' ')[1], key.Fingerprint);
            Assert.StartsWith($"hostKey: \"{key.Algorithm} AAAA", key.StackLine, StringComparison.Ordinal);
            // What the scanner prints pins the host.
            await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(host) with { HostKey = TestTargets.Pin(key.PublicKeyLine) });
            Assert.Equal(0, (await ssh.RunAsync("true")).ExitCode);
        }
    }

    [RealHostFact]
    public async Task ScanAsync_UnreachableAddress_ThrowsConnectException()
    {
        var e = await Assert.ThrowsAsync<SshConnectException>(() =>
            HostKeyScanner.ScanAsync(hosts.Network.UnusedAddress, 22, TimeSpan.FromSeconds(1)));
        Assert.Contains(hosts.Network.UnusedAddress, e.Message, StringComparison.Ordinal);
    }

    [RealHostFact]
    public async Task HostSessionFactory_NonRootPlannedHost_RunsEngineScriptsAsRoot()
    {
        var host = hosts["sudo"];
        var planned = new Infra.Core.Model.PlannedHost
        {
            Name = host.Name,
            Address = host.Address,
            Port = host.Port,
            User = "deploy",
            HostKey = TestTargets.Pin(host.HostKey.PublicKeyLine),
            Roles = ["worker"],
            Os = Infra.Core.Spec.OsFamily.Debian12,
        };
        var ssh = SampleSpecs.BareMetal().Ssh with { IdentityFile = host.ClientKeyPath };
        var connect = SshHostSession.Factory(ssh, WithSudoPassword(CredentialHosts.SudoPassword));

        await using var session = await connect(planned, CancellationToken.None);
        var r = await session.RunAsync("id -un; echo \"$X\"", new Dictionary<string, string> { ["X"] = "y" }, TimeSpan.FromSeconds(30), "whoami", CancellationToken.None);
        await session.UploadAsync("/etc/infra/engine.txt", "e\n"u8.ToArray(), 0b110_100_100, CancellationToken.None);

        Assert.Equal("sudo", session.Host);
        Assert.Equal("root\ny\n", r.Stdout);
        Assert.Equal("e\n", host.ReadDiskFile("/etc/infra/engine.txt"));
        var unpinned = planned with { HostKey = null };
        var e = await Assert.ThrowsAsync<SshConnectException>(() => connect(unpinned, CancellationToken.None));
        Assert.Contains("no pinned host key", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Waits until a running script has created <paramref name="path"/> on the host.</summary>
    internal static async Task WaitForAsync(TestHost host, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await host.ExecInsideAsync($"test -e {path}", check: false)).ExitCode != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{path} did not appear on {host.Name}");
            await Task.Delay(50);
        }
    }

    private async Task<string> NewClientKeyAsync(TestHost host, string name, string type, string passphrase)
    {
        var path = Path.Join(hosts.Network.StateDirectory, name);
        if (!File.Exists(path))
        {
            await ProcessRunner.RunAsync("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", passphrase, "-C", "", "-f", path]);
            await host.AuthorizeKeyAsync(await File.ReadAllTextAsync(path + ".pub"));
        }
        return path;
    }
}
