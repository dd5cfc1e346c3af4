using System.Diagnostics;
using Infra.TestHosts;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests;

public sealed class HarnessHosts() : HostsFixture("harn",
    new TestHostOptions { Name = "plain" },
    new TestHostOptions { Name = "other" },
    new TestHostOptions { Name = "sd", Systemd = true });

/// <summary>The harness itself: disks survive power loss, hosts are apart, teardown leaves nothing.</summary>
public sealed class TestHostHarnessTests(HarnessHosts hosts, ITestOutputHelper output) : IClassFixture<HarnessHosts>
{
    [RealHostTheory]
    [InlineData("plain")]
    [InlineData("sd")]
    public async Task PowerOffThenBoot_FileWrittenBefore_IsStillThere(string name)
    {
        var host = hosts[name];
        var target = TestTargets.For(host) with { ConnectTimeout = TimeSpan.FromSeconds(1) };
        await using (var ssh = await TestTargets.ConnectAsync(target))
        {
            Assert.Equal(0, (await ssh.RunAsync("mkdir -p /var/lib/app && echo before > /var/lib/app/state && sync")).ExitCode);
        }

        await host.PowerOffAsync();

        Assert.False(host.IsRunning);
        Assert.Equal("before\n", host.ReadDiskFile("/var/lib/app/state"));
        await Assert.ThrowsAsync<SshConnectException>(() => SshConnection.ConnectAsync(target, TestTargets.Options with { ConnectRetries = 0 }));

        await host.BootAsync();

        await using var again = await TestTargets.ConnectAsync(target);
        Assert.Equal("before\n", (await again.RunAsync("cat /var/lib/app/state")).Stdout);
    }

    [RealHostFact]
    public async Task Hosts_WriteTheSamePath_EachSeesOnlyItsOwnFile()
    {
        await using var a = await TestTargets.ConnectAsync(TestTargets.For(hosts["plain"]));
        await using var b = await TestTargets.ConnectAsync(TestTargets.For(hosts["other"]));

        await a.RunAsync("echo a > /etc/which-host");
        await b.RunAsync("echo b > /etc/which-host");

        Assert.Equal("a\n", (await a.RunAsync("cat /etc/which-host")).Stdout);
        Assert.Equal("b\n", (await b.RunAsync("cat /etc/which-host")).Stdout);
        Assert.Equal("a\n", hosts["plain"].ReadDiskFile("/etc/which-host"));
        Assert.False(File.Exists("/etc/which-host"));
        // The machine's /root (slow shell init, unrelated files) is not the host's.
        Assert.Equal(".ssh\n", (await a.RunAsync("ls -A /root")).Stdout);
    }

    [RealHostFact]
    public async Task SystemdHost_EnableNowAUnit_RunsAndLogsToJournal()
    {
        var host = hosts["sd"];
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(host));
        await ssh.UploadAsync("/etc/systemd/system/hello.service",
            "[Service]\nExecStart=/bin/sh -c 'echo hello-from-unit; sleep infinity'\n[Install]\nWantedBy=multi-user.target\n"u8.ToArray(), 0b110_100_100);

        var r = await ssh.RunAsync("""
            systemctl is-system-running --wait
            systemctl daemon-reload
            systemctl enable --now hello.service 2>/dev/null
            systemctl is-active hello.service
            for i in $(seq 50); do journalctl -u hello.service | grep -q hello-from-unit && break; sleep 0.1; done
            journalctl -u hello.service --no-pager | grep -c hello-from-unit
            """);

        Assert.Equal("running\nactive\n1\n", r.Stdout);
    }

    [RealHostFact]
    public async Task DisposeAsync_NetworkWithHosts_LeavesNothingWithThePrefix()
    {
        var prefix = TestHostNetwork.PrefixFor("gone");
        var network = await TestHostNetwork.CreateAsync(prefix);
        await network.StartHostsAsync(
            new TestHostOptions { Name = "a" },
            new TestHostOptions { Name = "b", Systemd = true },
            new TestHostOptions { Name = "c", Bastion = true });
        Assert.NotEmpty(Leftovers(prefix));

        await network.DisposeAsync();

        Assert.Empty(Leftovers(prefix));
    }

    [RealHostFact]
    public async Task CreateAsync_LeftoversOfAKilledRun_AreCleanedFirst()
    {
        var prefix = TestHostNetwork.PrefixFor("left");
        // A run that died without disposing (no finalizer will clean this up).
        var abandoned = await TestHostNetwork.CreateAsync(prefix);
        var old = (await abandoned.StartHostsAsync(new TestHostOptions { Name = "a" }))[0];
        var oldInit = old.InitPid()!.Value;

        await using var network = await TestHostNetwork.CreateAsync(prefix);
        var fresh = (await network.StartHostsAsync(new TestHostOptions { Name = "a" }))[0];

        Assert.False(IsRunningSshd(oldInit));
        Assert.NotEqual(old.HostKey, fresh.HostKey);
        await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(fresh));
        Assert.Equal("a\n", (await ssh.RunAsync("hostname")).Stdout);
    }

    [RealHostFact]
    public async Task StartHostsAsync_TwentyPlainAndTwentySystemd_AllServe()
    {
        var prefix = TestHostNetwork.PrefixFor("many");
        await using var network = await TestHostNetwork.CreateAsync(prefix);
        var watch = Stopwatch.StartNew();
        var plain = await network.StartHostsAsync([.. Enumerable.Range(1, 20).Select(i => new TestHostOptions { Name = $"p{i}" })], CancellationToken.None);
        var plainTime = watch.Elapsed;
        watch.Restart();
        var systemd = await network.StartHostsAsync([.. Enumerable.Range(1, 20).Select(i => new TestHostOptions { Name = $"s{i}", Systemd = true })], CancellationToken.None);
        var systemdTime = watch.Elapsed;
        output.WriteLine($"20 plain hosts up in {plainTime.TotalMilliseconds:0} ms, 20 systemd hosts in {systemdTime.TotalMilliseconds:0} ms");

        var states = await Task.WhenAll(systemd.Concat(plain).Select(async h =>
        {
            await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(h));
            return (await ssh.RunAsync(h.Options.Systemd ? "systemctl is-system-running --wait" : "hostname")).Stdout.Trim();
        }));
        Assert.All(states.Take(20), s => Assert.Equal("running", s));
        Assert.Equal(plain.Select(h => h.Name), states.Skip(20));
        Assert.Equal(40, plain.Concat(systemd).Select(h => h.Address).Distinct().Count());
        watch.Restart();
        await network.DisposeAsync();
        output.WriteLine($"40 hosts down in {watch.ElapsedMilliseconds} ms");
    }

    [RealHostFact]
    public void Require_MissingBinary_NamesTheAptPackage()
    {
        var e = Assert.Throws<TestHostPreconditionException>(() =>
            Preconditions.Require([("/usr/sbin/no-such-daemon", "no-such-package")]));
        Assert.Contains("apt-get install no-such-package", e.Message, StringComparison.Ordinal);
    }

    [RealHostFact]
    public async Task CreateAsync_BadPrefix_Refused()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => TestHostNetwork.CreateAsync("Bad-Prefix"));
        Assert.Contains("Bad-Prefix", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A live (not zombie) sshd; killed processes are reaped a moment later by the machine's init.</summary>
    private static bool IsRunningSshd(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat.Contains("(sshd)", StringComparison.Ordinal) && stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Everything of a prefix that may outlive a network: namespaces, links, processes, cgroups, state.</summary>
    private static List<string> Leftovers(string prefix)
    {
        var found = new List<string>();
        if (Directory.Exists("/run/netns"))
        {
            found.AddRange(Directory.GetFiles("/run/netns", prefix + "-*").Select(f => "netns " + f));
        }
        found.AddRange(Directory.GetDirectories("/sys/class/net", prefix + "*").Select(l => "link " + l));
        var state = TestHostNetwork.StateDirectoryOf(prefix);
        if (Directory.Exists(state)) found.Add("state " + state);
        foreach (var proc in Directory.GetDirectories("/proc").Where(d => char.IsAsciiDigit(Path.GetFileName(d)[0])))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Join(proc, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(state + "/", StringComparison.Ordinal)) found.Add("process " + proc + " " + cmdline);
            }
            catch (IOException)
            {
                // Exited while we looked.
            }
        }
        foreach (var hierarchy in Directory.GetDirectories("/sys/fs/cgroup"))
        {
            var parent = Path.Join(hierarchy, "infra-testhosts");
            if (Directory.Exists(parent)) found.AddRange(Directory.GetDirectories(parent, prefix + "-*").Select(d => "cgroup " + d));
        }
        return found;
    }
}
