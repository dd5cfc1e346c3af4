using System.Diagnostics;
using System.Text.Json;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Cli.Tests.Etcd;

/// <summary>
/// Issue 14, <c>infra certs renew</c> against real hosts: three external etcd members (Debian's etcd-server 3.4 under
/// systemd) renewed one at a time while a writer keeps writing to the cluster; no acknowledged write is lost, every
/// member is healthy after, and <c>certs check</c> shows new serials and later expiries. The renewal time and the
/// writes attempted, acknowledged and lost are written to the test output.
/// </summary>
[Collection(EtcdHostsGroup.Name)]
public sealed class CertsRenewTests(EtcdHostsFixture hosts, ITestOutputHelper output)
{
    private const string Writer = "/root/renew-writer";

    private Dictionary<(string Host, string Path), (string Serial, DateTimeOffset NotAfter)> Check()
    {
        var r = hosts.Infra("certs", "check", "--output", "json");
        Assert.True(r.ExitCode == 0, r.Out + r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        return doc.RootElement.GetProperty("certificates").EnumerateArray().ToDictionary(
            c => (c.GetProperty("host").GetString()!, c.GetProperty("path").GetString()!),
            c => (c.GetProperty("serial").GetString()!, c.GetProperty("notAfter").GetDateTimeOffset()));
    }

    [Trait("Item", "14.1")]
    [RealHostFact]
    public async Task Renew_ThreeMembersWhileAWriterRuns_NoWriteLostEveryMemberHealthyNewSerialsLaterExpiry()
    {
        await hosts.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        var before = Check();
        var members = hosts.Members.ToList();
        // A writer on etcd-1, as a client of every member: each key is tried up to 5 times (a bounded retry), and only
        // a write etcd acknowledged is counted as acknowledged.
        var writer = new EtcdWriter(hosts["etcd-1"], members.Select(m => $"https://{hosts[m].Address}:2379"), Writer, "renew-writer/");
        await writer.StartAsync();

        var watch = Stopwatch.StartNew();
        var renew = hosts.Infra("certs", "renew", "--hosts", string.Join(",", members), "--yes");
        var renewal = watch.Elapsed;
        await Task.Delay(1000); // the writer goes on a little after the last restart
        await writer.StopAsync();
        Assert.True(renew.ExitCode == 0, renew.Out + renew.Err);

        var attempted = await writer.LinesAsync("attempted");
        var acknowledged = await writer.LinesAsync("acknowledged");
        var retried = await writer.LinesAsync("retried");
        var present = await hosts.EtcdctlAsync("etcd-2", "get renew-writer/ --prefix --keys-only");
        var presentKeys = present.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var lost = (await writer.AcknowledgedKeysAsync()).Count(k => !presentKeys.Contains(k));
        output.WriteLine($"certs renew of {members.Count} etcd members: {renewal.TotalSeconds:0.0} s; writes attempted {attempted}, acknowledged {acknowledged}, " +
            $"retried attempts {retried}, unacknowledged after 5 tries {attempted - acknowledged}, acknowledged but lost {lost}");
        Assert.Equal(0, lost);
        // The last attempt may have been cut by the stop; every earlier key went through within its retries.
        Assert.InRange(attempted - acknowledged, 0, 1);

        // Every member healthy, each serving its renewed certificates.
        await hosts.WaitHealthyAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(members.Order(StringComparer.Ordinal), await hosts.MemberNamesAsync("etcd-1"));
        var after = Check();
        foreach (var m in members)
        {
            foreach (var path in new[] { "/etc/etcd/pki/server.crt", "/etc/etcd/pki/peer.crt" })
            {
                Assert.NotEqual(before[(m, path)].Serial, after[(m, path)].Serial);
                Assert.True(after[(m, path)].NotAfter > before[(m, path)].NotAfter, $"{m} {path}");
            }
            // The CA is not renewed.
            Assert.Equal(before[(m, "/etc/etcd/pki/ca.crt")], after[(m, "/etc/etcd/pki/ca.crt")]);
        }
        // apply's own certificate step placed the files: a following apply has nothing to do for them.
        var apply = hosts.Infra("apply", "--phase", "prepare,etcd", "--hosts", string.Join(",", members), "--dry-run");
        Assert.True(apply.ExitCode == 0, apply.Out + apply.Err);
        Assert.DoesNotContain("prepare.etcd-pki", apply.Out, StringComparison.Ordinal);
    }

    [Trait("Item", "14.1")]
    [RealHostFact]
    public async Task Renew_AnotherMemberDown_MemberNotRestartedExit1_RenewedOnceTheClusterIsHealthy()
    {
        await hosts.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        var first = hosts.Members[0];
        var down = hosts.Members[^1];
        async Task<string> Started() => (await hosts[first].ExecInsideAsync("systemctl show -p ActiveEnterTimestampMonotonic etcd.service")).Stdout;
        var startedBefore = await Started();
        await hosts[down].ExecInsideAsync("systemctl stop etcd.service");
        try
        {
            var r = hosts.Infra("certs", "renew", "--hosts", first, "--yes");
            Assert.True(r.ExitCode == 1, r.Out + r.Err);
            Assert.Contains("not every etcd member is healthy", r.Out + r.Err, StringComparison.Ordinal);
            Assert.Equal(startedBefore, await Started());
        }
        finally
        {
            await hosts[down].ExecInsideAsync("systemctl start etcd.service");
        }
        await hosts.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        var again = hosts.Infra("certs", "renew", "--hosts", first, "--yes");
        Assert.True(again.ExitCode == 0, again.Out + again.Err);
        Assert.NotEqual(startedBefore, await Started());
    }

    [Trait("Item", "14.1")]
    [RealHostFact]
    public async Task Apply_LeavesWithinRenewBeforeDays_RenewedAndMembersRestartedOneAtATime_ThenNothingDue()
    {
        await hosts.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        var before = Check();
        var members = hosts.Members.ToList();
        // The kept leaves of the members made to look 300 days old (65 days left, within the default 90), as the
        // kept secrets of a cluster built 300 days ago are.
        var read = Core.Planning.StackFile.Read(hosts.StackFile, File.ReadAllText(hosts.StackFile));
        var spec = read.Spec!;
        var planned = Core.Planning.HostInventory.Plan(spec);
        var kept = SecretsFolder.Load(hosts.SecretsDir)!;
        var aged = Core.Pki.CertificateRenewal.Renew(spec, planned, kept, Core.Pki.CertificateRenewal.Leaves(spec, planned, members),
            DateTimeOffset.UtcNow.AddDays(-300));
        SecretsFolder.Save(hosts.SecretsDir, aged.Secrets);
        string[] apply = ["apply", "--phase", "prepare,etcd", "--hosts", string.Join(",", members), "--yes"];

        // Without the prepare phase, which places the files, nothing is renewed: apply says so.
        var etcdOnly = hosts.Infra("apply", "--phase", "etcd", "--hosts", string.Join(",", members), "--dry-run");
        Assert.True(etcdOnly.ExitCode == 0, etcdOnly.Out + etcdOnly.Err);
        Assert.Contains("an apply with the prepare phase renews them (this one runs only --phase etcd)", etcdOnly.Out, StringComparison.Ordinal);

        var dry = hosts.Infra([.. apply[..^1], "--dry-run"]);
        Assert.True(dry.ExitCode == 0, dry.Out + dry.Err);
        Assert.Contains($"{2 * members.Count} certificate(s) expire within 90 days (certificates.renewBeforeDays)", dry.Out, StringComparison.Ordinal);
        Assert.Equal(before, Check()); // a dry run changes nothing on the hosts
        Assert.Equal(aged.Secrets.Issued[Core.Pki.IssuedNames.EtcdServer(members[0])].CertificatePem,
            SecretsFolder.Load(hosts.SecretsDir)!.Issued[Core.Pki.IssuedNames.EtcdServer(members[0])].CertificatePem); // nor the kept secrets

        var r = hosts.Infra(apply);
        Assert.True(r.ExitCode == 0, r.Out + r.Err);
        Assert.Contains("renew etcd members' certificates, each member healthy before the next", r.Out, StringComparison.Ordinal);
        await hosts.WaitHealthyAsync(TimeSpan.FromSeconds(10));
        var after = Check();
        foreach (var m in members)
        {
            foreach (var path in new[] { "/etc/etcd/pki/server.crt", "/etc/etcd/pki/peer.crt" })
            {
                Assert.NotEqual(before[(m, path)].Serial, after[(m, path)].Serial);
                Assert.True(after[(m, path)].NotAfter > before[(m, path)].NotAfter, $"{m} {path}");
            }
        }

        // Renewed: nothing is due any more, and the hosts have nothing to do.
        var again = hosts.Infra([.. apply[..^1], "--dry-run"]);
        Assert.True(again.ExitCode == 0, again.Out + again.Err);
        Assert.DoesNotContain("certificates.renewBeforeDays", again.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("prepare.etcd-pki", again.Out, StringComparison.Ordinal);
    }
}
