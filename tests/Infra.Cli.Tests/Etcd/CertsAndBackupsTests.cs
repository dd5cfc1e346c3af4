using System.Text.Json;
using System.Text.RegularExpressions;
using Infra.TestKit;

namespace Infra.Cli.Tests.Etcd;

/// <summary>
/// Issue 14 against real hosts: <c>infra certs check</c> reading the certificate files <c>infra apply</c> wrote on the
/// etcd members (checked against the real openssl inside the host), and the scheduled snapshots
/// (<c>etcd.backup</c>) under real systemd with Debian's etcd.
/// </summary>
[Collection(EtcdHostsGroup.Name)]
public sealed class CertsAndBackupsTests(EtcdHostsFixture hosts)
{
    [Trait("Item", "14.1")]
    [RealHostFact]
    public async Task CertsCheck_Members_EveryCertificateReadFromTheHostsExit0_DueWithAWindowPastAYear_Exit1()
    {
        var r = hosts.Infra("certs", "check", "--output", "json");

        Assert.True(r.ExitCode == 0, r.Out + r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var certs = doc.RootElement.GetProperty("certificates").EnumerateArray().ToList();
        foreach (var member in hosts.Members)
        {
            var paths = certs.Where(c => c.GetProperty("host").GetString() == member).Select(c => c.GetProperty("path").GetString()).Order(StringComparer.Ordinal);
            Assert.Equal(["/etc/etcd/pki/ca.crt", "/etc/etcd/pki/healthcheck-client.crt", "/etc/etcd/pki/peer.crt", "/etc/etcd/pki/server.crt"], paths);
        }
        var server = certs.Single(c => c.GetProperty("host").GetString() == "etcd-1" && c.GetProperty("path").GetString() == "/etc/etcd/pki/server.crt");
        // openssl on the host says the same serial and not-after.
        var openssl = await hosts["etcd-1"].ExecInsideAsync("openssl x509 -noout -serial -enddate -in /etc/etcd/pki/server.crt");
        var serial = Regex.Match(openssl.Stdout, "serial=([0-9A-F]+)").Groups[1].Value.ToLowerInvariant().TrimStart('0');
        Assert.Equal(serial, server.GetProperty("serial").GetString()!.TrimStart('0'));
        var notAfter = DateTimeOffset.ParseExact(Regex.Match(openssl.Stdout, "notAfter=(.+)").Groups[1].Value.Replace("  ", " ", StringComparison.Ordinal).Trim(),
            "MMM d HH:mm:ss yyyy 'GMT'", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
        Assert.Equal(notAfter, server.GetProperty("notAfter").GetDateTimeOffset());
        Assert.InRange(server.GetProperty("daysLeft").GetInt32(), 300, 366);
        Assert.True(certs.Single(c => c.GetProperty("host").GetString() == "etcd-1" && c.GetProperty("path").GetString() == "/etc/etcd/pki/ca.crt").GetProperty("ca").GetBoolean());

        // The leaves last a year: a 400-day window makes them due.
        var due = hosts.Infra("certs", "check", "--within", "400");
        Assert.True(due.ExitCode == 1, due.Out + due.Err);
        Assert.Contains("expire within 400 days", due.Out, StringComparison.Ordinal);

        var bad = hosts.Infra("certs", "check", "--within", "-1");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--within is a number of days from 0 to 3650", bad.Out + bad.Err, StringComparison.Ordinal);
    }

    [Trait("Item", "14.2")]
    [RealHostFact]
    public async Task Backup_TimerEnabled_ManualRunsMakeVerifiedSnapshots0600PrunedToKeep()
    {
        const string Keep2 = "      topology: external\n      backup: { keep: 2, schedule: \"*-*-* 03:00:00\" }";
        hosts.WriteStack(hosts.Members, t => t.Replace("      topology: external", Keep2, StringComparison.Ordinal));
        try
        {
            var apply = hosts.ApplyMembers();
            Assert.True(apply.ExitCode == 0, apply.Out + apply.Err);
            var h = hosts["etcd-1"];
            Assert.Equal("enabled\n", (await h.ExecInsideAsync("systemctl is-enabled infra-etcd-snapshot.timer")).Stdout);
            Assert.Contains("OnCalendar=*-*-* 03:00:00", (await h.ExecInsideAsync("systemctl cat infra-etcd-snapshot.timer")).Stdout, StringComparison.Ordinal);
            for (var i = 0; i < 3; i++)
            {
                await hosts.EtcdctlAsync("etcd-1", $"put backup-test-{i} yes");
                var run = await h.ExecInsideAsync("systemctl start infra-etcd-snapshot.service", check: false);
                Assert.True(run.ExitCode == 0, run.Stderr + (await h.ExecInsideAsync("journalctl -u infra-etcd-snapshot.service -n 30 --no-pager", check: false)).Stdout);
                await Task.Delay(1100); // names carry the time to the second
            }
            var listing = (await h.ExecInsideAsync("stat -c '%a %n' /var/lib/infra/etcd-snapshots/*")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, listing.Length);
            Assert.All(listing, l => Assert.Matches("^600 /var/lib/infra/etcd-snapshots/etcd-[0-9]{8}T[0-9]{6}Z-r[0-9]+-[0-9a-f]{8}\\.db$", l));
            var newest = listing.Select(l => l.Split(' ')[1]).Order(StringComparer.Ordinal).Last();
            var status = await h.ExecInsideAsync($"ETCDCTL_API=3 etcdctl snapshot status {newest} -w json");
            var revision = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("revision").GetInt64();
            Assert.Contains($"-r{revision}-", newest, StringComparison.Ordinal);

            var list = hosts.Infra("etcd", "backups", "list");
            Assert.True(list.ExitCode == 0, list.Out + list.Err);
            Assert.Contains(Path.GetFileName(newest), list.Out, StringComparison.Ordinal);

            var dir = hosts.Dir.File("pulled");
            Directory.CreateDirectory(dir);
            var pull = hosts.Infra("etcd", "backups", "pull", "--out", dir);
            Assert.True(pull.ExitCode == 0, pull.Out + pull.Err);
            var pulled = Assert.Single(Directory.GetFiles(dir));
            Assert.StartsWith("etcd-", Path.GetFileName(pulled), StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pulled));
            var sha = (await h.ExecInsideAsync($"sha256sum /var/lib/infra/etcd-snapshots/{Path.GetFileName(pulled)}")).Stdout.Split(' ')[0];
            Assert.Equal(sha, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(pulled))));
            // Pulling again never overwrites the file.
            Assert.Equal(2, hosts.Infra("etcd", "backups", "pull", "--out", dir).ExitCode);
            // restore --from accepts it: its snapshot check passes, and it goes on to read the (here missing) stack.
            var restore = CliRunner.Run(hosts.Dir.Path, ["etcd", "restore", "--from", pulled, "--file", hosts.Dir.File("no-such-stack.yaml"), "--yes"]);
            Assert.Equal(2, restore.ExitCode);
            Assert.DoesNotContain("not a usable etcd snapshot", restore.Err, StringComparison.Ordinal);
            Assert.Contains("no-such-stack.yaml", restore.Err, StringComparison.Ordinal);
        }
        finally
        {
            hosts.WriteStack(hosts.Members);
            Assert.Equal(0, hosts.ApplyMembers().ExitCode);
        }
    }
}
