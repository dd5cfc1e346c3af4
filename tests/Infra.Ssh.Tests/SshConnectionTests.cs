using System.Diagnostics;
using System.Text;
using Infra.TestHosts;
using Infra.TestKit;

namespace Infra.Ssh.Tests;

public sealed class ConnectionHosts() : HostsFixture("conn",
    new TestHostOptions { Name = "plain" },
    new TestHostOptions { Name = "ecdsaonly", HostKeyTypes = ["ecdsa"] },
    new TestHostOptions { Name = "rekey" },
    new TestHostOptions { Name = "shared", OwnFilesystem = false },
    new TestHostOptions { Name = "cut" });

public sealed class SshConnectionTests(ConnectionHosts hosts) : IClassFixture<ConnectionHosts>
{
    private TestHost Plain => hosts["plain"];

    [RealHostFact]
    public async Task RunAsync_TenCommandsOnOneConnection_AllRunOnTheSameConnection()
    {
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(Plain));
        var peers = new HashSet<string>();
        for (var i = 0; i < 10; i++)
        {
            var r = await ssh.RunAsync($"echo \"$SSH_CONNECTION\"; echo run-{i}");
            Assert.Equal(0, r.ExitCode);
            Assert.EndsWith($"run-{i}\n", r.Stdout, StringComparison.Ordinal);
            peers.Add(r.Stdout.Split('\n')[0]);
        }
        // SSH_CONNECTION holds the client's port: one value means one TCP connection.
        Assert.Single(peers);
        // The cheap exchange, not OpenSSH's default hybrid one (about 3x the CPU).
        Assert.Equal("curve25519-sha256", ssh.KeyExchange);
    }

    [RealHostFact]
    public async Task RunAsync_CommandsThatEndBeforeTheirInputDoes_ConnectionSurvivesEveryOne()
    {
        // A command that exits before reading all its input races our end-of-input with the server's close; an EOF
        // sent after the channel closed makes OpenSSH drop the connection ("ieof packet referred to nonexistent channel").
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(Plain));
        for (var i = 0; i < 300; i++)
        {
            var r = await ssh.RunAsync($"exit {i % 7}\necho never");
            Assert.Equal(i % 7, r.ExitCode);
            Assert.Equal("", r.Stdout);
        }
    }

    [RealHostFact]
    public async Task RunAsync_HostCutOffSilentlyMidCommand_FailsAfterTheLivenessChecksNotTheCommandTimeout()
    {
        var host = hosts["cut"];
        var target = TestTargets.For(host) with { ConnectTimeout = TimeSpan.FromSeconds(2), CommandTimeout = TimeSpan.FromMinutes(10) };
        var options = TestTargets.Options with { LivenessInterval = TimeSpan.FromSeconds(1), LivenessMisses = 2 };
        await using var ssh = await TestTargets.ConnectAsync(target, options);
        // A command longer than a few checks, on a live host, is not disturbed by them.
        Assert.Equal("slept\n", (await ssh.RunAsync("sleep 4; echo slept")).Stdout);

        var running = ssh.RunAsync("touch /run/cut-started; sleep 600");
        await SshCredentialTests.WaitForAsync(host, "/run/cut-started");
        await host.CutNetworkAsync();
        try
        {
            // Not a timeout (that would be SshCommandTimeoutException after 10 minutes): the checks noticed.
            var e = await Assert.ThrowsAsync<SshConnectException>(() => running);
            Assert.Contains("stopped answering while running", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            await host.ReconnectNetworkAsync();
        }
    }

    [RealHostFact]
    public async Task ConnectAsync_FingerprintAndFullKeyPins_BothAccepted()
    {
        await using var byFingerprint = await TestTargets.ConnectAsync(TestTargets.For(Plain));
        await using var byKey = await TestTargets.ConnectAsync(TestTargets.For(Plain, fullKey: true));
        Assert.Equal("plain\n", (await byFingerprint.RunAsync("hostname")).Stdout);
        Assert.Equal("plain\n", (await byKey.RunAsync("hostname")).Stdout);
    }

    [RealHostFact]
    public async Task ConnectAsync_WrongPin_RefusedBeforeAnythingRunsAndShowsBothFingerprints()
    {
        var target = TestTargets.For(Plain) with { HostKey = TestTargets.Pin(hosts["rekey"].HostKey.Fingerprint) };
        var marker = $"/root/marker-{Guid.NewGuid():N}";

        var e = await Assert.ThrowsAsync<HostKeyMismatchException>(async () =>
        {
            await using var ssh = await TestTargets.ConnectAsync(target);
            await ssh.RunAsync($"touch {marker}");
        });

        Assert.Equal("plain", e.Host);
        Assert.Contains(hosts["rekey"].HostKey.Fingerprint, e.Message, StringComparison.Ordinal);
        Assert.Contains(Plain.HostKey.Fingerprint, e.Message, StringComparison.Ordinal);
        Assert.Equal(Plain.HostKey.Fingerprint, e.Presented);
        Assert.Null(Plain.ReadDiskFile(marker));
    }

    [RealHostFact]
    public async Task ConnectAsync_HostKeyReplaced_RefusedWithNewFingerprint()
    {
        var host = hosts["rekey"];
        var target = TestTargets.For(host, fullKey: true);
        await using (var before = await TestTargets.ConnectAsync(target))
        {
            Assert.Equal(0, (await before.RunAsync("true")).ExitCode);
        }
        var old = host.HostKey;
        var fresh = await host.ReplaceHostKeyAsync();

        var e = await Assert.ThrowsAsync<HostKeyMismatchException>(() => TestTargets.ConnectAsync(target));

        Assert.Equal(old.Fingerprint, e.Expected);
        Assert.Equal(fresh.Fingerprint, e.Presented);
        Assert.Contains("infra hosts scan", e.Message, StringComparison.Ordinal);
    }

    [RealHostFact]
    public async Task ConnectAsync_FullKeyPinOfAnotherAlgorithm_RefusedNamingTheOffer()
    {
        var ecdsa = hosts["ecdsaonly"];
        // The host's ed25519 pin cannot match: the client offers only ssh-ed25519, which the host lacks.
        var target = TestTargets.For(ecdsa) with { HostKey = TestTargets.Pin(Plain.HostKey.PublicKeyLine) };

        var e = await Assert.ThrowsAsync<HostKeyMismatchException>(() => TestTargets.ConnectAsync(target));

        Assert.Null(e.Presented);
        Assert.Contains("offers only ecdsa-sha2-nistp256", e.Message, StringComparison.Ordinal);
        await using var ok = await TestTargets.ConnectAsync(TestTargets.For(ecdsa, fullKey: true));
        Assert.Equal(0, (await ok.RunAsync("true")).ExitCode);
    }

    [RealHostFact]
    public async Task ConnectAsync_UnreachableAddress_FailsAfterRetriesWithinBudget()
    {
        var target = TestTargets.For(Plain) with
        {
            Name = "ghost",
            Address = hosts.Network.UnusedAddress,
            ConnectTimeout = TimeSpan.FromSeconds(1),
        };
        var options = TestTargets.Options with { ConnectRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(100) };
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<SshConnectException>(() => SshConnection.ConnectAsync(target, options));

        watch.Stop();
        Assert.Equal("ghost", e.Host);
        Assert.Contains("after 3 attempts", e.Message, StringComparison.Ordinal);
        // 3 attempts x 1 s + 0.1 s + 0.2 s backoff (+20 % jitter), plus scheduling slack on a busy machine.
        Assert.InRange(watch.Elapsed.TotalSeconds, 2.9, 3.4 + 2.0);
    }

    [RealHostFact]
    public async Task RunAsync_Timeout_ThrowsTypedExceptionAndStopsTheCommand()
    {
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(Plain));

        var e = await Assert.ThrowsAsync<SshCommandTimeoutException>(() =>
            ssh.RunAsync("# wait for nothing\nset -eu\nsleep 37", timeout: TimeSpan.FromSeconds(1)));

        Assert.Equal("plain", e.Host);
        Assert.Equal("sleep 37", e.Command);
        Assert.Contains("plain", e.Message, StringComparison.Ordinal);
        // The connection stays usable and the command is gone (TERM reaches its process group).
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((await ssh.RunAsync("pgrep -f 'sleep 37' || true")).Stdout.Length > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Equal("", (await ssh.RunAsync("pgrep -f 'sleep 37' || true")).Stdout);
    }

    [RealHostFact]
    public async Task RunAsync_FailingCommand_ReturnsExitCodeAndStderrAndRunsOnce()
    {
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(Plain));
        var counter = $"/root/runs-{Guid.NewGuid():N}";

        var r = await ssh.RunAsync($"echo run >> {counter}\necho line1 >&2\necho 'it broke' >&2\nexit 7");

        Assert.Equal(7, r.ExitCode);
        Assert.False(r.Succeeded);
        Assert.Equal("line1\nit broke", r.StderrTail(2));
        Assert.Equal("it broke", r.StderrTail(1));
        Assert.Equal("run\n", Plain.ReadDiskFile(counter));
    }

    [RealHostFact]
    public async Task RunAsync_EnvAndScript_NeverOnTheCommandLine()
    {
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(Plain));
        const string secret = "s3cr3t-token-value-4711";
        var env = new Dictionary<string, string> { ["TOKEN"] = secret, ["QUOTED"] = "it's \"quoted\" $HOME" };

        var running = ssh.RunAsync("touch /run/env-started\nsleep 2\necho \"$QUOTED\"\n[ \"$TOKEN\" = " + secret + " ] && echo token-ok", env);
        await SshCredentialTests.WaitForAsync(Plain, "/run/env-started");
        var ps = await Plain.ExecInsideAsync("ps -eo args");
        var r = await running;

        Assert.Equal("it's \"quoted\" $HOME\ntoken-ok\n", r.Stdout);
        Assert.Contains("bash -s", ps.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, ps.Stdout, StringComparison.Ordinal);
    }

    [RealHostFact]
    public async Task RunAsync_HostOnTheMachinesFiles_Works()
    {
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(hosts["shared"]));
        var r = await ssh.RunAsync("hostname; ls -A /root");
        Assert.Equal("shared\n.ssh\n", r.Stdout);
    }

    [RealHostFact]
    public async Task UploadAsync_AsRoot_ContentVerifiedAndModeSet()
    {
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(Plain));
        var content = Encoding.UTF8.GetBytes("kind: Config\n" + new string('x', 100_000) + "\n");

        await ssh.UploadAsync("/etc/infra/test/config.yaml", content, 0b110_100_000);

        Assert.Equal(Encoding.UTF8.GetString(content), Plain.ReadDiskFile("/etc/infra/test/config.yaml"));
        var stat = await ssh.RunAsync("stat -c '%a %U' /etc/infra/test/config.yaml; ls -A /etc/infra/test");
        Assert.Equal("640 root\nconfig.yaml\n", stat.Stdout);
    }

    [RealHostFact]
    public async Task UploadAsync_CorruptedBeforeCheck_RefusedAndTargetUnchanged()
    {
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(Plain));
        await ssh.UploadAsync("/etc/infra/kept.conf", "old\n"u8.ToArray(), 0b110_100_100);
        ssh.AfterUploadWritten = temp => Plain.ExecInsideAsync($"echo tampered >> {temp}");

        var e = await Assert.ThrowsAsync<SshUploadException>(() => ssh.UploadAsync("/etc/infra/kept.conf", "new\n"u8.ToArray(), 0b110_100_100));

        Assert.Equal("plain", e.Host);
        Assert.Contains("checksum mismatch", e.Message, StringComparison.Ordinal);
        Assert.Equal("old\n", Plain.ReadDiskFile("/etc/infra/kept.conf"));
        Assert.Equal("kept.conf\n", (await ssh.RunAsync("ls -A /etc/infra | grep kept")).Stdout);
    }
}
