using System.Diagnostics;
using System.Globalization;
using Infra.TestHosts;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Cli.Tests.Etcd;

/// <summary>
/// A writer on one etcd host, a client of every member: each key is tried up to 5 times (a bounded retry), and only a
/// write etcd acknowledged is counted as acknowledged (the same writer as <see cref="CertsRenewTests"/>).
/// </summary>
internal sealed class EtcdWriter(TestHost host, IEnumerable<string> endpoints, string directory)
{
    public async Task StartAsync(int acknowledgedFirst = 20)
    {
        await host.ExecInsideAsync($$"""
            rm -rf {{directory}} && mkdir -p {{directory}}
            cat > {{directory}}/run.sh <<'EOF'
            i=0
            while [ ! -e {{directory}}/stop ]; do
              i=$((i + 1))
              echo "$i" >> {{directory}}/attempted
              for try in 1 2 3 4 5; do
                if etcdctl --endpoints={{string.Join(",", endpoints)}} --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/healthcheck-client.crt \
                    --key=/etc/etcd/pki/healthcheck-client.key --dial-timeout=2s --command-timeout=3s put "writer/$i" "$i" >/dev/null 2>>{{directory}}/errors; then
                  echo "$i" >> {{directory}}/acknowledged
                  break
                fi
                echo "$i $try" >> {{directory}}/retried
                sleep 0.2
              done
            done
            EOF
            setsid bash {{directory}}/run.sh </dev/null >/dev/null 2>&1 &
            """);
        var started = Stopwatch.StartNew();
        while (await LinesAsync("acknowledged") < acknowledgedFirst)
        {
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"the writer acknowledged fewer than {acknowledgedFirst} writes in 30 s");
            await Task.Delay(200);
        }
    }

    public async Task<int> LinesAsync(string file) =>
        int.Parse((await host.ExecInsideAsync($"cat {directory}/{file} 2>/dev/null | wc -l")).Stdout.Trim(), CultureInfo.InvariantCulture);

    public Task StopAsync() => host.ExecInsideAsync($"touch {directory}/stop; sleep 1");

    public async Task<IReadOnlyList<string>> AcknowledgedKeysAsync() =>
        [.. (await host.ExecInsideAsync($"cat {directory}/acknowledged")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(i => "writer/" + i)];
}

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
        var writer = new EtcdWriter(hosts[members[0]], members.Select(m => $"https://{hosts[m].Address}:2379"), "/root/rolling-writer");
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
        var present = (await hosts.EtcdctlAsync(members[^1], "get writer/ --prefix --keys-only")).Stdout
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
