using Infra.Core.NodePrograms;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestHosts;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Provider;

public sealed class NodeEngineEtcdHosts() : HostsFixture("nee",
    new TestHostOptions { Name = "m1", Systemd = true },
    new TestHostOptions { Name = "m2", Systemd = true },
    new TestHostOptions { Name = "m3", Systemd = true });

/// <summary>
/// External etcd members through the Pulumi provider's per-host engine, one host after the other as the Pulumi
/// program orders them, against Debian's etcd-server 3.4: the same membership changes as infra apply.
/// </summary>
public class NodeEngineEtcdTests(NodeEngineEtcdHosts hosts) : IClassFixture<NodeEngineEtcdHosts>
{
    private static readonly string[] Members = ["m1", "m2", "m3"];

    private ClusterSpec Spec()
    {
        var b = SampleSpecs.BareMetal(controlPlanes: 1, workers: 0);
        HostSpec Member(string name) => new()
        {
            Name = name,
            Address = hosts[name].Address,
            Port = 22,
            User = "root",
            HostKey = TestTargets.Pin(hosts[name].HostKey.PublicKeyLine),
            Roles = [Roles.Etcd],
        };
        return b with
        {
            Etcd = new EtcdSpec { Topology = EtcdTopology.External, Count = 0 },
            Hosts = [.. b.Hosts, .. Members.Select(Member)],
            Packages = b.Packages with { Source = PackageSource.Preinstalled },
        };
    }

    /// <summary>etcdctl on a member's host, against its own member, with the health-check client certificate.</summary>
    private Task<ProcessResult> EtcdctlAsync(string host, string args, bool check = true) => hosts[host].ExecInsideAsync(
        "etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/healthcheck-client.crt " +
        $"--key=/etc/etcd/pki/healthcheck-client.key {args}", check: check);

    private NodeConnection Connection => TestTargets.NodeConnection(hosts.Network, commandTimeoutSeconds: 120);

    [RealHostFact]
    public async Task ApplyAsync_MembersOneAfterTheOther_ClusterOfThreeVotersAndNothingRunsTwice()
    {
        var spec = Spec();
        var planned = HostInventory.Plan(spec);
        var secrets = ClusterPki.Ensure(spec, planned, null, DateTimeOffset.UtcNow);
        var programs = NodeProgramBuilder.Build(spec, planned, secrets).Where(p => p.Host.Has(Roles.Etcd)).ToList();
        var cp = planned.Single(h => h.Has(Roles.ControlPlane));
        using var engine = new NodeEngine();

        foreach (var p in programs)
        {
            // The Pulumi program names the first control plane as joinVia for every host after it: etcd members must not need it.
            var result = await engine.ApplyAsync(p, cp, Connection, CancellationToken.None);
            Assert.Contains("etcd.member", result.Ran);
        }

        var list = await EtcdctlAsync("m3", "member list -w simple");
        Assert.Equal(["m1/false", "m2/false", "m3/false"],
            list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(", ")).Select(f => $"{f[2]}/{f[5]}").Order(StringComparer.Ordinal));
        foreach (var p in programs) Assert.Empty((await engine.ApplyAsync(p, cp, Connection, CancellationToken.None)).Ran);

        // With m2 down, m3 leaving would leave 1 healthy voter of 2: refused before anything is reset.
        await hosts["m2"].PowerOffAsync();
        try
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => engine.ResetAsync(programs.Single(p => p.Host.Name == "m3"), Connection, CancellationToken.None));
            Assert.Contains("would leave quorum lost", refused.Message, StringComparison.Ordinal);
            Assert.Equal(0, (await hosts["m3"].ExecInsideAsync("test -d /var/lib/etcd/member", check: false)).ExitCode);
        }
        finally
        {
            await hosts["m2"].BootAsync();
            await hosts["m2"].ExecInsideAsync("systemctl start etcd.service");
        }
        for (var wait = System.Diagnostics.Stopwatch.StartNew(); ;)
        {
            var health = await EtcdctlAsync("m1", "endpoint health --cluster", check: false);
            if (health.ExitCode == 0) break;
            Assert.True(wait.Elapsed < TimeSpan.FromSeconds(60), "m2 did not rejoin within 60 s: " + health.Stderr);
            await Task.Delay(500);
        }

        // Pulumi deletes m3: it leaves the member list first, its data goes, and the two others keep a quorum.
        await engine.ResetAsync(programs.Single(p => p.Host.Name == "m3"), Connection, CancellationToken.None);
        // If m3 led, m1 and m2 elect a new leader first: ask again for a bounded time.
        var left = await EtcdctlAsync("m1", "member list -w simple", check: false);
        for (var wait = System.Diagnostics.Stopwatch.StartNew(); left.ExitCode != 0 && wait.Elapsed < TimeSpan.FromSeconds(30);)
        {
            await Task.Delay(500);
            left = await EtcdctlAsync("m1", "member list -w simple", check: false);
        }
        Assert.True(left.ExitCode == 0, left.Stderr);
        Assert.Equal(["m1", "m2"], left.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(", ")[2]).Order(StringComparer.Ordinal));
        Assert.NotEqual(0, (await hosts["m3"].ExecInsideAsync("test -d /var/lib/etcd/member", check: false)).ExitCode);
        // Created again, it joins as a learner and is promoted.
        Assert.Contains("etcd.member", (await engine.ApplyAsync(programs.Single(p => p.Host.Name == "m3"), cp, Connection, CancellationToken.None)).Ran);
        var back = await EtcdctlAsync("m1", "member list -w simple");
        Assert.Equal(["m1/false", "m2/false", "m3/false"],
            back.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(", ")).Select(f => $"{f[2]}/{f[5]}").Order(StringComparer.Ordinal));
    }
}
