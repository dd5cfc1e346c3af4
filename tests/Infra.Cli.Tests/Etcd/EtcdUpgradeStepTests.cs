using System.Globalization;
using Infra.Core.Etcd;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Ssh;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Cli.Tests.Etcd;

/// <summary>
/// Issue 13, external etcd members upgraded one at a time with a health gate between them, on real etcd (Debian's
/// etcd-server under systemd, packages.source preinstalled): the upgrade procedure's upgrade.etcd step of each member,
/// as a catalogue whose new minor needs a newer etcd plans it (injected: the old minor's etcd older than the installed
/// one, which the operator "installed" for the new minor), run member after member while a writer runs: every member
/// restarted once, in order, each only after the previous one and every member answered again; no acknowledged write lost.
/// </summary>
[Collection(EtcdHostsGroup.Name)]
public sealed class EtcdUpgradeStepTests(EtcdHostsFixture hosts, ITestOutputHelper output)
{
    private async Task<long> ActiveSinceAsync(string member) => long.Parse(
        (await hosts[member].ExecInsideAsync("systemctl show -p ActiveEnterTimestampMonotonic --value etcd.service")).Stdout.Trim(), CultureInfo.InvariantCulture);

    [Trait("Item", "13.2")]
    [RealHostFact]
    public async Task UpgradeEtcdSteps_MemberAfterMemberWhileAWriterRuns_RestartedOnceEachInOrderEveryMemberHealthyNoWriteLost()
    {
        await hosts.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        var members = hosts.Members.ToList();
        var installed = EtcdVersion.Parse((await hosts[members[0]].ExecInsideAsync("etcd --version")).Stdout);
        var spec = Core.Planning.StackFile.Read(hosts.StackFile, await File.ReadAllTextAsync(hosts.StackFile)).Spec!;
        var plan = ClusterPlanner.Plan(spec, SecretsFolder.Load(hosts.SecretsDir));
        var real = EtcdRelease.For(spec.Kubernetes.Version)!;
        var procedure = UpgradePlanner.Plan(plan, VersionMoves.Decide(new KubernetesVersion(1, 35, 4), spec.Kubernetes.Version), null,
            k => k.Minor == 35 ? real with { Version = new EtcdVersion(3, 4, 0) } : real with { Version = installed });
        var before = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var m in members) before[m] = await ActiveSinceAsync(m);
        var writer = new EtcdWriter(hosts[members[0]], members.Select(m => $"https://{hosts[m].Address}:2379"), "/root/upgrade-writer", "upgrade-writer/");
        await writer.StartAsync();

        var after = new List<long>();
        foreach (var m in members)
        {
            var step = procedure.Actions[m].Single().Step;
            await using var session = await SshHostSession.Factory(spec.Ssh)(plan.Hosts.Single(h => h.Name == m), CancellationToken.None);
            var r = await session.RunAsync(step.Script, null, TimeSpan.FromSeconds(180), step.Id, CancellationToken.None);
            output.WriteLine($"{m}: exit {r.ExitCode} {r.Stdout.Trim()} {r.StderrTail(3)}");
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
            // The gate: this member and every member answer before the next member's step starts.
            Assert.Equal(0, (await hosts.EtcdctlAsync(m, "endpoint health", check: false)).ExitCode);
            after.Add(await ActiveSinceAsync(m));
        }
        await Task.Delay(1000);
        await writer.StopAsync();

        var attempted = await writer.LinesAsync("attempted");
        var acknowledged = await writer.LinesAsync("acknowledged");
        var present = (await hosts.EtcdctlAsync(members[^1], "get upgrade-writer/ --prefix --keys-only")).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var lost = (await writer.AcknowledgedKeysAsync()).Count(k => !present.Contains(k));
        output.WriteLine($"etcd upgrade steps on {members.Count} members: writes attempted {attempted}, acknowledged {acknowledged}, acknowledged but lost {lost}");
        Assert.Equal(0, lost);
        Assert.InRange(attempted - acknowledged, 0, 1);
        for (var i = 0; i < members.Count; i++) Assert.True(after[i] > before[members[i]], $"{members[i]} was not restarted");
        Assert.Equal(after.Order(), after);
        Assert.Equal(members.Order(StringComparer.Ordinal), await hosts.MemberNamesAsync(members[0]));
    }
}
