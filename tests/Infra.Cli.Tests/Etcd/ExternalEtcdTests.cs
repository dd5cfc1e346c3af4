using System.Diagnostics;
using System.Text.RegularExpressions;
using Infra.Core.Planning;
using Infra.Ssh;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Cli.Tests.Etcd;

/// <summary>
/// External etcd against real members (Debian's etcd-server 3.4) on systemd harness hosts, through the infra
/// command: apply, etcd status, etcd snapshot, etcd restore. Every test leaves a healthy cluster of
/// <see cref="EtcdHostsFixture.Members"/>.
/// </summary>
[Collection(EtcdHostsGroup.Name)]
public sealed class ExternalEtcdTests(EtcdHostsFixture hosts, ITestOutputHelper output)
{
    private static readonly TimeSpan Rejoin = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Writes <paramref name="key"/> = yes through <paramref name="members"/>. After a member went away they may be
    /// electing a leader (an election timeout, longer on a loaded machine): retried for a bounded time, not once.
    /// </summary>
    private async Task PutOnceWritableAsync(List<string> members, string key)
    {
        var put = await hosts.EtcdctlAsync(members[0], $"put {key} yes", check: false, endpoints: members);
        for (var wait = Stopwatch.StartNew(); put.ExitCode != 0 && wait.Elapsed < TimeSpan.FromSeconds(30);)
        {
            await Task.Delay(500);
            put = await hosts.EtcdctlAsync(members[0], $"put {key} yes", check: false, endpoints: members);
        }
        Assert.True(put.ExitCode == 0, put.Stderr);
        Assert.Equal("OK\n", put.Stdout);
    }

    private void AssertStatusHealthy()
    {
        var status = hosts.Infra("etcd", "status");
        Assert.True(status.ExitCode == 0, $"etcd status exited {status.ExitCode}:\n{status.Out}{status.Err}");
    }

    [RealHostFact]
    public async Task Apply_ThreeMembers_HealthyOverTlsAndASecondApplyChangesNothing()
    {
        output.WriteLine($"time to a healthy 3-member cluster (apply of prepare and etcd): {hosts.TimeToHealthyCluster.TotalSeconds:0.0} s");
        output.WriteLine(hosts.FirstApply.Err);
        var first = hosts.Members[0];

        Assert.Equal("OK\n", (await hosts.EtcdctlAsync(first, "put /infra/written-over-tls yes")).Stdout);
        Assert.Equal("yes\n", (await hosts.EtcdctlAsync(hosts.Members[1], "get --print-value-only /infra/written-over-tls")).Stdout);
        Assert.Equal(hosts.Members.Order(StringComparer.Ordinal), await hosts.MemberNamesAsync(hosts.Members[1]));
        // The member is the etcd user's systemd service, enabled for boot, its data 0700.
        var unit = await hosts[first].ExecInsideAsync("systemctl is-enabled etcd.service; systemctl show -p User --value etcd.service; stat -c '%a %U' /var/lib/etcd");
        Assert.Equal("enabled\netcd\n700 etcd\n", unit.Stdout);
        Assert.Contains("warning: etcd 3.4.23 is older than 3.5.24", hosts.FirstApply.Err, StringComparison.Ordinal);

        // Another test may have changed the stack and back (an input changed): one apply converges, the next does nothing.
        var converge = hosts.ApplyMembers();
        Assert.True(converge.ExitCode == 0, converge.Out + converge.Err);
        var again = hosts.ApplyMembers();
        Assert.True(again.ExitCode == 0, again.Out + again.Err);
        Assert.Contains("nothing to do", again.Out, StringComparison.Ordinal);
    }

    [RealHostFact]
    public async Task Etcdctl_ClientWithoutCertificate_Refused()
    {
        var first = hosts.Members[0];
        var endpoint = $"https://{hosts[first].Address}:2379";

        var r = await hosts[first].ExecInsideAsync(
            $"etcdctl --endpoints={endpoint} --cacert=/etc/etcd/pki/ca.crt --dial-timeout=2s --command-timeout=3s put /infra/no-certificate yes", check: false);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("", (await hosts.EtcdctlAsync(first, "get --print-value-only /infra/no-certificate")).Stdout);
        // Plain HTTP is not served at all.
        var plain = await hosts[first].ExecInsideAsync($"curl -s --max-time 3 http://{hosts[first].Address}:2379/version", check: false);
        Assert.DoesNotContain("etcdserver", plain.Stdout, StringComparison.Ordinal);
    }

    [RealHostFact]
    public async Task PowerOff_OneMember_ClusterWritableStatusShowsItAndItRejoinsAfterBoot()
    {
        var down = hosts.Members[1];
        var up = hosts.Members.Where(m => m != down).ToList();
        await hosts[down].PowerOffAsync();
        try
        {
            // If the member powered off was the leader, the other two elect a new one first.
            await PutOnceWritableAsync(up, "/infra/while-down");

            var status = hosts.Infra("etcd", "status");
            output.WriteLine(status.Out + status.Err);
            Assert.Equal(1, status.ExitCode);
            var row = status.Out.Split('\n').Single(l => l.Contains($" {down} ", StringComparison.Ordinal));
            Assert.Contains("not healthy", row, StringComparison.Ordinal);
            Assert.Contains("2 of 3 voting members healthy", status.Out, StringComparison.Ordinal);
            Assert.Equal(2, status.Out.Split('\n').Count(l => l.Contains(" healthy ", StringComparison.Ordinal) && !l.Contains("not healthy", StringComparison.Ordinal)));
        }
        finally
        {
            await hosts[down].BootAsync();
        }

        // Nothing but systemd starts it: the unit is enabled for boot, the member rejoins with its data.
        var watch = Stopwatch.StartNew();
        await hosts.WaitHealthyAsync(Rejoin);
        output.WriteLine($"{down} healthy {watch.Elapsed.TotalSeconds:0.0} s after boot");
        Assert.Equal("yes\n", (await hosts.EtcdctlAsync(down, "get --print-value-only /infra/while-down", endpoints: [down])).Stdout);
        var after = hosts.Infra("etcd", "status");
        Assert.True(after.ExitCode == 0, after.Out + after.Err);
    }

    [RealHostFact]
    public async Task SnapshotThenRestore_DataBeforeSnapshotBackAfterGone_CorruptSnapshotRefusedFirst()
    {
        var first = hosts.Members[0];
        await hosts.EtcdctlAsync(first, "put /infra/before-snapshot kept");
        var file = hosts.Dir.File($"snapshot-{Guid.NewGuid():N}.db");

        var snap = hosts.Infra("etcd", "snapshot", "--out", file);
        output.WriteLine(snap.Out + snap.Err);
        Assert.True(snap.ExitCode == 0, snap.Out + snap.Err);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Matches(new Regex(@"revision \d+, hash [0-9a-f]{8}, \d+ keys"), snap.Out);
        Assert.True(hosts.Infra("etcd", "snapshot", "--out", file).ExitCode == 2, "an existing file is never overwritten");

        await hosts.EtcdctlAsync(first, "put /infra/after-snapshot gone");

        // One flipped byte in the middle of the database: refused before any member is touched.
        var corrupt = hosts.Dir.File($"corrupt-{Guid.NewGuid():N}.db");
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[bytes.Length / 2] ^= 0x5a;
        await File.WriteAllBytesAsync(corrupt, bytes);
        var refused = hosts.Infra("etcd", "restore", "--from", corrupt, "--yes");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("corrupt", refused.Err, StringComparison.Ordinal);
        Assert.Equal("gone\n", (await hosts.EtcdctlAsync(first, "get --print-value-only /infra/after-snapshot")).Stdout);
        AssertStatusHealthy();

        // Without a terminal to ask on, nothing happens without --yes.
        Assert.Equal(2, hosts.Infra("etcd", "restore", "--from", file).ExitCode);
        Assert.Equal("gone\n", (await hosts.EtcdctlAsync(first, "get --print-value-only /infra/after-snapshot")).Stdout);

        // Stand-in manifests on the control plane (no kubelet runs there): the restore moves them aside, then back.
        const string manifests = "/etc/kubernetes/manifests";
        await hosts["cp-1"].ExecInsideAsync($"mkdir -p {manifests} && for m in kube-apiserver kube-controller-manager kube-scheduler; do echo \"kind: Pod # $m\" > {manifests}/$m.yaml; done");
        var watch = Stopwatch.StartNew();
        var restore = hosts.Infra("etcd", "restore", "--from", file, "--yes");
        output.WriteLine($"restore of {hosts.Members.Count} members: {watch.Elapsed.TotalSeconds:0.0} s (command)");
        output.WriteLine(restore.Out + restore.Err);
        Assert.True(restore.ExitCode == 0, restore.Out + restore.Err);
        var order = new[] { "stopping the API servers, controller managers and schedulers on cp-1", "stopping every member",
            "waiting until every member is healthy", "starting the API servers, controller managers and schedulers on cp-1" };
        Assert.Equal(order, order.OrderBy(line => restore.Err.IndexOf(line, StringComparison.Ordinal)));
        Assert.DoesNotContain(order, line => restore.Err.IndexOf(line, StringComparison.Ordinal) < 0);
        var back = await hosts["cp-1"].ExecInsideAsync($"cat {manifests}/kube-apiserver.yaml {manifests}/kube-controller-manager.yaml {manifests}/kube-scheduler.yaml; ls -A /etc/kubernetes/infra/stopped-manifests");
        Assert.Equal("kind: Pod # kube-apiserver\nkind: Pod # kube-controller-manager\nkind: Pod # kube-scheduler\n", back.Stdout);
        await hosts["cp-1"].ExecInsideAsync("rm -rf /etc/kubernetes/manifests /etc/kubernetes/infra/stopped-manifests");

        Assert.Equal("kept\n", (await hosts.EtcdctlAsync(hosts.Members[2], "get --print-value-only /infra/before-snapshot")).Stdout);
        Assert.Equal("", (await hosts.EtcdctlAsync(hosts.Members[2], "get --print-value-only /infra/after-snapshot")).Stdout);
        Assert.Equal(hosts.Members.Order(StringComparer.Ordinal), await hosts.MemberNamesAsync(first));
        AssertStatusHealthy();
        var again = hosts.ApplyMembers();
        Assert.True(again.ExitCode == 0 && again.Out.Contains("nothing to do", StringComparison.Ordinal), again.Out + again.Err);
    }

    [RealHostFact]
    public async Task Reset_OneMember_LeavesTheMemberListFirstAndApplyBringsItBack_RefusedWhenThatWouldBreakQuorum()
    {
        var leaving = hosts.Members[2];
        var staying = hosts.Members.Where(m => m != leaving).ToList();

        // With another member down, taking this one out would leave 1 healthy voter of 2: refused, nothing touched.
        await hosts[staying[1]].PowerOffAsync();
        try
        {
            var refused = hosts.Infra("reset", "--hosts", leaving, "--yes");
            output.WriteLine(refused.Out + refused.Err);
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains($"resetting {leaving} takes it out of the etcd cluster, which would leave", refused.Out + refused.Err, StringComparison.Ordinal);
            Assert.Equal(0, (await hosts[leaving].ExecInsideAsync("test -d /var/lib/etcd/member", check: false)).ExitCode);
        }
        finally
        {
            await hosts[staying[1]].BootAsync();
        }
        await hosts.WaitHealthyAsync(Rejoin);

        var reset = hosts.Infra("reset", "--hosts", leaving, "--yes");
        output.WriteLine(reset.Out + reset.Err);
        Assert.True(reset.ExitCode == 0, reset.Out + reset.Err);
        Assert.Contains($"removing member {leaving} from the etcd cluster before its reset", reset.Err, StringComparison.Ordinal);
        // If the member that left was the leader, the two that stay elect a new one first.
        await PutOnceWritableAsync(staying, "/infra/after-reset");
        Assert.Equal(staying.Order(StringComparer.Ordinal), await hosts.MemberNamesAsync(staying[0], endpoints: staying));
        Assert.NotEqual(0, (await hosts[leaving].ExecInsideAsync("test -d /var/lib/etcd/member", check: false)).ExitCode);
        // Issue 14 (etcd backups): the scheduled snapshots' timer is stopped, its units and the script are gone.
        var backupGone = await hosts[leaving].ExecInsideAsync("systemctl is-active infra-etcd-snapshot.timer || true; " +
            "ls /etc/systemd/system/infra-etcd-snapshot.timer /etc/systemd/system/infra-etcd-snapshot.service /usr/local/sbin/infra-etcd-snapshot 2>&1 || true");
        Assert.DoesNotContain("\nactive", "\n" + backupGone.Stdout, StringComparison.Ordinal);
        Assert.Equal(3, backupGone.Stdout.Split('\n').Count(l => l.Contains("No such file", StringComparison.Ordinal)));

        var back = hosts.ApplyMembers();
        output.WriteLine(back.Out + back.Err);
        Assert.True(back.ExitCode == 0, back.Out + back.Err);
        Assert.Contains($"adding {leaving}", back.Err, StringComparison.Ordinal);
        await hosts.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(hosts.Members.Order(StringComparer.Ordinal), await hosts.MemberNamesAsync(staying[0]));
        AssertStatusHealthy();
    }

    [RealHostFact]
    public async Task Apply_DeadMemberReplacedByNewHost_JoinsAsLearnerAndClusterIsFullyHealthy()
    {
        var dead = hosts.Members[^1];
        const string spare = "etcd-4";
        await hosts[dead].PowerOffAsync();
        var members = hosts.Members.Select(m => m == dead ? spare : m).ToList();
        hosts.WriteStack(members);

        var apply = hosts.ApplyMembers(members);
        output.WriteLine(apply.Out + apply.Err);
        Assert.True(apply.ExitCode == 0, apply.Out + apply.Err);
        hosts.Members.Clear();
        hosts.Members.AddRange(members);

        Assert.Contains($"removing member {dead}", apply.Err, StringComparison.Ordinal);
        Assert.Contains($"adding {spare}", apply.Err, StringComparison.Ordinal);
        Assert.Contains($"promoted {spare} to a voting member", apply.Err, StringComparison.Ordinal);
        Assert.Equal(members.Order(StringComparer.Ordinal), await hosts.MemberNamesAsync(members[0]));
        await hosts.WaitHealthyAsync(TimeSpan.FromSeconds(10));
        AssertStatusHealthy();
        var again = hosts.ApplyMembers();
        Assert.True(again.ExitCode == 0 && again.Out.Contains("nothing to do", StringComparison.Ordinal), again.Out + again.Err);
    }

    [RealHostFact]
    public async Task Apply_ReplacementWhileAMajorityIsDown_RefusedWithExit2AndNoMemberChange()
    {
        var survivor = hosts.Members[0];
        var down = hosts.Members.Skip(1).ToList();
        const string spare = "etcd-5";
        foreach (var d in down) await hosts[d].PowerOffAsync();
        try
        {
            hosts.WriteStack([survivor, down[0], spare]);
            var apply = hosts.ApplyMembers([survivor, spare]);
            output.WriteLine(apply.Out + apply.Err);

            Assert.Equal(2, apply.ExitCode);
            Assert.Contains("no quorum", apply.Out, StringComparison.Ordinal);
            Assert.Equal(hosts.Members.Order(StringComparer.Ordinal), await hosts.MemberNamesAsync(survivor, endpoints: [survivor]));
        }
        finally
        {
            hosts.WriteStack(hosts.Members);
            foreach (var d in down) await hosts[d].BootAsync();
        }
        await hosts.WaitHealthyAsync(Rejoin);
        var back = hosts.ApplyMembers();
        Assert.True(back.ExitCode == 0, back.Out + back.Err);
    }

    [RealHostFact]
    public async Task Apply_BadInput_RefusedBeforeAnythingChanges()
    {
        var first = hosts.Members[0];
        var journal = hosts[first].ReadDiskFile("/var/lib/infra/journal");
        try
        {
            hosts.WriteStack(hosts.Members.Take(2));
            var even = hosts.ApplyMembers(hosts.Members.Take(2));
            Assert.Equal(2, even.ExitCode);
            Assert.Contains("2 etcd members: an etcd cluster has 1, 3, 5 or 7 members", even.Err, StringComparison.Ordinal);

            var noAddress = hosts.Members[1];
            hosts.WriteStack(hosts.Members, text => Regex.Replace(text, $@"(- name: {noAddress}\n)\s+address: [0-9.]+\n", "$1"));
            var missing = hosts.ApplyMembers();
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains("missing required key 'address'", missing.Err, StringComparison.Ordinal);
        }
        finally
        {
            hosts.WriteStack(hosts.Members);
        }
        Assert.Equal(journal, hosts[first].ReadDiskFile("/var/lib/infra/journal"));
        Assert.Equal(hosts.Members.Order(StringComparer.Ordinal), await hosts.MemberNamesAsync(first));
    }

    [RealHostFact]
    public async Task ControlPlaneEtcdVersionStep_Etcd34Members_RefusesWithTheReason()
    {
        // The step kubeadm init would follow, run on the control plane against the real members.
        var read = Core.Planning.StackFile.Read(hosts.StackFile, await File.ReadAllTextAsync(hosts.StackFile));
        var spec = read.Spec!;
        var plan = ClusterPlanner.Plan(spec, SecretsFolder.Load(hosts.SecretsDir));
        var cp = plan.Nodes.Single(n => n.Host.Name == "cp-1");
        var check = cp.Steps.Single(s => s.Id == "control-plane.etcd-version");
        var pki = cp.Steps.Single(s => s.Id == "prepare.pki").Files;
        var host = plan.Hosts.Single(h => h.Name == "cp-1");
        await using var session = await SshHostSession.Factory(spec.Ssh)(host, CancellationToken.None);
        foreach (var f in pki.Where(f => f.Path.Contains("etcd", StringComparison.Ordinal)))
        {
            await session.UploadAsync(f.Path, f.Content, Convert.ToInt32(f.Mode, 8), CancellationToken.None);
        }

        var r = await session.RunAsync(check.Script, null, TimeSpan.FromSeconds(60), check.Id, CancellationToken.None);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("runs etcd 3.4.23; kubeadm for Kubernetes 1.36 needs external etcd ≥ 3.5.24", r.Stderr, StringComparison.Ordinal);
    }
}

[CollectionDefinition(Name)]
public sealed class EtcdHostsGroup : ICollectionFixture<EtcdHostsFixture>
{
    public const string Name = "external etcd hosts";
}
