using System.Diagnostics;
using System.Globalization;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Cli.Tests.Etcd;

/// <summary>
/// Issue 13, external etcd: a rolling member restart that apply rolls out keeps the cluster writable. With
/// packages.source preinstalled, an etcd upgrade is the operator's new etcd binary on every member, then apply: the
/// etcd.member step sees a member running another binary than the one installed and restarts it, one member at a time
/// behind the etcd wave's health gates. Here every member gets another build of its binary (Debian's etcd-server 3.4
/// with bytes appended: the same version, another file) while a writer runs; no acknowledged write is lost.
/// </summary>
[Collection(EtcdHostsGroup.Name)]
public sealed class EtcdRollingRestartTests(EtcdHostsFixture hosts, ITestOutputHelper output)
{
    private async Task<long> ActiveSinceAsync(string member) => long.Parse(
        (await hosts[member].ExecInsideAsync("systemctl show -p ActiveEnterTimestampMonotonic --value etcd.service")).Stdout.Trim(), CultureInfo.InvariantCulture);

    [Trait("Item", "13.5")]
    [RealHostFact]
    public async Task Apply_NewEtcdBinaryOnEveryMemberWhileAWriterRuns_MembersRestartedOneAtATimeNoWriteLost()
    {
        await hosts.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        var members = hosts.Members.ToList();
        var before = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var m in members) before[m] = await ActiveSinceAsync(m);
        var writer = new EtcdWriter(hosts[members[0]], members.Select(m => $"https://{hosts[m].Address}:2379"), "/root/rolling-writer", "rolling-writer/");
        await writer.StartAsync();

        // The operator's new build on every member (the running members keep the old file open until they restart).
        await Task.WhenAll(members.Select(m => hosts[m].ExecInsideAsync("""
            set -e
            etcd=$(command -v etcd)
            cp -p "$etcd" "$etcd.new"
            printf '\ninfra-test: another build of this etcd\n' >> "$etcd.new"
            mv -f "$etcd.new" "$etcd"
            """)));
        var watch = Stopwatch.StartNew();
        var apply = hosts.ApplyMembers();
        var rollout = watch.Elapsed;
        await Task.Delay(1000); // the writer goes on a little after the last restart
        await writer.StopAsync();
        Assert.True(apply.ExitCode == 0, apply.Out + apply.Err);

        var attempted = await writer.LinesAsync("attempted");
        var acknowledged = await writer.LinesAsync("acknowledged");
        var retried = await writer.LinesAsync("retried");
        var present = (await hosts.EtcdctlAsync(members[^1], "get rolling-writer/ --prefix --keys-only")).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var lost = (await writer.AcknowledgedKeysAsync()).Count(k => !present.Contains(k));
        output.WriteLine($"rolling restart of {members.Count} etcd members by apply: {rollout.TotalSeconds:0.0} s; writes attempted {attempted}, "
            + $"acknowledged {acknowledged}, retried attempts {retried}, unacknowledged after 5 tries {attempted - acknowledged}, acknowledged but lost {lost}");
        Assert.Equal(0, lost);
        // The last attempt may have been cut by the stop; every earlier key went through within its retries.
        Assert.InRange(attempted - acknowledged, 0, 1);

        // Every member restarted once, in the plan's order (the hosts share one kernel, so their monotonic clocks compare).
        var after = new List<long>();
        foreach (var m in members)
        {
            var since = await ActiveSinceAsync(m);
            Assert.True(since > before[m], $"{m} was not restarted");
            after.Add(since);
        }
        Assert.Equal(after.Order(), after);
        await hosts.WaitHealthyAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(members.Order(StringComparer.Ordinal), await hosts.MemberNamesAsync(members[0]));
        var again = hosts.Infra("apply", "--phase", "prepare,etcd", "--hosts", string.Join(",", members), "--dry-run");
        Assert.True(again.ExitCode == 0, again.Out + again.Err);
        Assert.DoesNotContain("etcd.member", again.Out, StringComparison.Ordinal);
    }
}
