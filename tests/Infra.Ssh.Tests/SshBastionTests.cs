using Infra.TestHosts;
using Infra.TestKit;

namespace Infra.Ssh.Tests;

public sealed class BastionHosts() : HostsFixture("bast",
    new TestHostOptions { Name = "bastion", Bastion = true },
    new TestHostOptions { Name = "inner", Isolated = true },
    new TestHostOptions { Name = "inner2", Isolated = true });

public sealed class SshBastionTests(BastionHosts hosts) : IClassFixture<BastionHosts>
{
    private SshTarget Bastion => TestTargets.For(hosts["bastion"], fullKey: true);

    [RealHostFact]
    public async Task ConnectAsync_IsolatedHostDirectly_Unreachable()
    {
        var target = TestTargets.For(hosts["inner"]) with { ConnectTimeout = TimeSpan.FromSeconds(1) };

        var e = await Assert.ThrowsAsync<SshConnectException>(() =>
            SshConnection.ConnectAsync(target, TestTargets.Options with { ConnectRetries = 0 }));

        Assert.Equal("inner", e.Host);
    }

    [RealHostFact]
    public async Task ConnectAsync_ThroughPinnedBastion_RunsAndUploads()
    {
        var target = TestTargets.For(hosts["inner"]) with { Bastion = Bastion };

        await using var ssh = await TestTargets.ConnectAsync(target);
        var r = await ssh.RunAsync("hostname; echo \"$SSH_CONNECTION\" | cut -d' ' -f1");
        await ssh.UploadAsync("/etc/infra/via-bastion", "hello\n"u8.ToArray(), 0b110_100_100);

        // The inner host sees the bastion's address on the isolated segment, not the machine's.
        Assert.Equal($"inner\n{hosts["bastion"].SegmentAddress}\n", r.Stdout);
        Assert.Equal("hello\n", hosts["inner"].ReadDiskFile("/etc/infra/via-bastion"));
    }

    [RealHostFact]
    public async Task ConnectAsync_BastionWithWrongKey_RefusedBeforeReachingTarget()
    {
        var wrong = Bastion with { HostKey = TestTargets.Pin(hosts["inner"].HostKey.PublicKeyLine) };
        var target = TestTargets.For(hosts["inner2"]) with { Bastion = wrong };

        var e = await Assert.ThrowsAsync<HostKeyMismatchException>(() => TestTargets.ConnectAsync(target));

        Assert.Equal("bastion", e.Host);
        Assert.Equal(hosts["bastion"].HostKey.Fingerprint, e.Presented);
        Assert.Equal(hosts["inner"].HostKey.Fingerprint, e.Expected);
    }

    [RealHostFact]
    public async Task ConnectAsync_TargetBehindBastionWithWrongKey_RefusedNamingTheTarget()
    {
        var target = TestTargets.For(hosts["inner2"]) with
        {
            Bastion = Bastion,
            HostKey = TestTargets.Pin(hosts["inner"].HostKey.Fingerprint),
        };

        var e = await Assert.ThrowsAsync<HostKeyMismatchException>(() => TestTargets.ConnectAsync(target));

        Assert.Equal("inner2", e.Host);
        Assert.Equal(hosts["inner2"].HostKey.Fingerprint, e.Presented);
    }
}
