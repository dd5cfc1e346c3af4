using System.Diagnostics;
using System.Text;
using Infra.Core.Etcd;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Etcd;

/// <summary>etcd.backup: the schedule's rules, the snapshot script (shellcheck), the units and the names of snapshots.</summary>
public class EtcdBackupsTests
{
    private static string Run(string file, string args, out int exitCode)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        exitCode = p.ExitCode;
        return output;
    }

    [Trait("Item", "14.2")]
    [Theory]
    [InlineData("*-*-* 00/6:00:00")]
    [InlineData("daily")]
    [InlineData("Mon..Fri *-*-* 02:30:00 Europe/Berlin")]
    [InlineData("*-*-* *:0/15")]
    public void CheckSchedule_CalendarExpressions_Accepted(string schedule) => Assert.Null(EtcdBackupSpec.CheckSchedule(schedule));

    [Trait("Item", "14.2")]
    [Theory]
    [InlineData("daily\nExecStart=/bin/sh", "U+000A")]
    [InlineData("daily%n", "specifier")]
    [InlineData("daily\\", "'\\'")]
    [InlineData("daily;reboot", "';'")]
    [InlineData("\"daily\"", "'\"'")]
    [InlineData(" daily", "spaces")]
    [InlineData("", "empty")]
    public void CheckSchedule_WhatBreaksTheUnitFile_Refused(string schedule, string said) =>
        Assert.Contains(said, EtcdBackupSpec.CheckSchedule(schedule), StringComparison.Ordinal);

    /// <summary>systemd's own parser (systemd-analyze calendar, systemd 252 on Debian 12) accepts the default and keeps it as written: every 6 hours from midnight.</summary>
    [Trait("Item", "14.2")]
    [Fact]
    public void DefaultSchedule_SystemdAnalyzeCalendar_NormalizedToItselfEverySixHours()
    {
        if (!File.Exists("/usr/bin/systemd-analyze")) Assert.Fail("systemd-analyze is needed (Debian package systemd)");
        var output = Run("/usr/bin/systemd-analyze", $"calendar --iterations=4 \"{EtcdBackupSpec.DefaultSchedule}\"", out var exit);

        Assert.True(exit == 0, output);
        Assert.Contains($"Normalized form: {EtcdBackupSpec.DefaultSchedule}", output, StringComparison.Ordinal);
        var times = output.Split('\n').Where(l => l.Contains("Iter. #", StringComparison.Ordinal) || l.Contains("Next elapse:", StringComparison.Ordinal))
            .Select(l => l.Trim().Split(' ')[^2]).ToList();
        Assert.Equal(4, times.Count);
        Assert.All(times, t => Assert.Matches("^(00|06|12|18):00:00$", t));
    }

    [Trait("Item", "14.2")]
    [Fact]
    public void Script_Shellcheck_Clean()
    {
        var tls = new EtcdBackups.ClientTls("/etc/etcd/pki/ca.crt", "/etc/etcd/pki/healthcheck-client.crt", "/etc/etcd/pki/healthcheck-client.key");
        var file = Path.Combine(Path.GetTempPath(), $"infra-etcd-snapshot-{Guid.NewGuid():N}.sh");
        File.WriteAllText(file, EtcdBackups.Script(tls, "https://127.0.0.1:2379", 28));
        try
        {
            var output = Run("shellcheck", $"-S warning -f gcc {file}", out var exit);
            Assert.True(exit == 0, output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Trait("Item", "14.2")]
    [Fact]
    public void StackedControlPlanes_EachInstallsTheUnits_SnapshotTakenInKubeadmsEtcdContainer_ShellcheckClean_ResetRemovesThem()
    {
        var stacked = ClusterPlanner.Plan(SampleSpecs.BareMetal(controlPlanes: 3, workers: 1));
        foreach (var node in stacked.Nodes)
        {
            var install = node.Steps.SingleOrDefault(s => s.Id == "control-plane.etcd-backup");
            Assert.Equal(node.Host.Has(Roles.ControlPlane), install is not null);
            Assert.Equal(node.Host.Has(Roles.ControlPlane), node.Steps.Any(s => s.Id == "reset.etcd-backup"));
            if (install is null) continue;
            Assert.Equal(Core.Model.Phase.ControlPlane, install.Phase);
            // After the node's kubeadm init or join: etcd runs by then.
            Assert.True(node.Steps.ToList().FindIndex(s => s.Id is "control-plane.init" or "control-plane.join") < node.Steps.ToList().IndexOf(install));
            var script = Encoding.UTF8.GetString(install.Files.Single(f => f.Path == EtcdBackups.ScriptPath).Content);
            Assert.Contains("crictl --runtime-endpoint unix:///run/containerd/containerd.sock exec \"$etcd_container\" etcdctl", script, StringComparison.Ordinal);
            Assert.Contains("--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt", script, StringComparison.Ordinal);
            Assert.Contains("/var/lib/etcd/infra-scheduled-snapshot.db", script, StringComparison.Ordinal);
            var file = Path.Combine(Path.GetTempPath(), $"infra-etcd-snapshot-{Guid.NewGuid():N}.sh");
            File.WriteAllText(file, script);
            try
            {
                var output = Run("shellcheck", $"-S warning -f gcc {file}", out var exit);
                Assert.True(exit == 0, output);
            }
            finally
            {
                File.Delete(file);
            }
        }
        // External etcd: the members have it (etcd.backup), the control planes do not.
        var external = ClusterPlanner.Plan(SampleSpecs.BareMetal(controlPlanes: 2, workers: 1, etcd: EtcdTopology.External));
        Assert.All(external.Nodes, n => Assert.DoesNotContain(n.Steps, s => s.Id is "control-plane.etcd-backup" or "reset.etcd-backup"));
        Assert.Contains(external.Nodes, n => n.Steps.Any(s => s.Id == "etcd.backup"));
    }

    [Trait("Item", "14.2")]
    [Fact]
    public void TimerUnit_CarriesTheScheduleOnOneLine()
    {
        var unit = EtcdBackups.TimerUnit(EtcdBackupSpec.DefaultSchedule);
        Assert.Contains("\nOnCalendar=*-*-* 00/6:00:00\n", unit, StringComparison.Ordinal);
        Assert.Contains("WantedBy=timers.target", unit, StringComparison.Ordinal);
    }

    [Trait("Item", "14.2")]
    [Theory]
    [InlineData("etcd-20261207T060000Z-r42-0a1b2c3d.db", true)]
    [InlineData("etcd-20261207T060000Z-r42-0a1b2c3d.db.partial", false)]
    [InlineData(".partial.ab12", false)]
    [InlineData("etcd-20261207T060000Z-r42-0A1B2C3D.db", false)]
    public void SnapshotName_OnlyVerifiedSnapshots(string name, bool matches) => Assert.Equal(matches, EtcdBackups.SnapshotName().IsMatch(name));

    /// <summary>What <see cref="EtcdBackups.ListScript"/> prints on a member whose last scheduled run failed (systemctl show, journalctl -o cat).</summary>
    private const string FailedListing = """
        etcd-20261207T060000Z-r42-0a1b2c3d.db 1024
        @@infra-snapshot-service
        Result=exit-code
        ExecMainExitTimestamp=Mon 2026-12-07 12:00:03 UTC
        ExecMainStatus=1
        InvocationID=0a1b2c3d4e5f40718293a4b5c6d7e8f9
        @@infra-snapshot-log
        no running etcd container on this host (kubeadm static pod etcd)
        etcd-20261207T070000Z-r43-0a1b2c3d.db 2048

        """;

    [Trait("Item", "14.3")]
    [Fact]
    public void ParseServiceRun_FailedRun_ResultStatusTimeAndOutput_ListingStopsBeforeIt()
    {
        var run = EtcdBackups.ParseServiceRun(FailedListing)!;

        Assert.True(run.Failed);
        Assert.Equal(("exit-code", 1, "Mon 2026-12-07 12:00:03 UTC"), (run.Result, run.ExitStatus, run.Finished));
        Assert.Equal("last run failed (exit-code, exit status 1) at Mon 2026-12-07 12:00:03 UTC: etcd-20261207T070000Z-r43-0a1b2c3d.db 2048", run.Describe());
        // A line of the run's output that looks like a snapshot is not one: the listing ends at the marker.
        Assert.Equal(["etcd-20261207T060000Z-r42-0a1b2c3d.db"], EtcdBackups.ParseListing("cp-1", FailedListing).Select(s => s.Name));
    }

    [Trait("Item", "14.3")]
    [Theory]
    [InlineData("@@infra-snapshot-service\nResult=success\nExecMainExitTimestamp=\nExecMainStatus=0\nInvocationID=\n", false)]
    [InlineData("@@infra-snapshot-service\nResult=timeout\nExecMainStatus=0\n", true)]
    public void ParseServiceRun_NeverRunOrTimedOut_FailedOnlyWhenSystemdSaysSo(string text, bool failed)
    {
        var run = EtcdBackups.ParseServiceRun(text)!;

        Assert.Equal(failed, run.Failed);
        Assert.Empty(run.Output);
    }

    [Trait("Item", "14.3")]
    [Fact]
    public void ParseServiceRun_NoMarkerOrNoResult_Null()
    {
        Assert.Null(EtcdBackups.ParseServiceRun("etcd-20261207T060000Z-r42-0a1b2c3d.db 1024\n"));
        Assert.Null(EtcdBackups.ParseServiceRun("@@infra-snapshot-service\n"));
    }

    [Trait("Item", "14.3")]
    [Fact]
    public void ListScript_Shellcheck_Clean()
    {
        var file = Path.Combine(Path.GetTempPath(), $"infra-etcd-list-{Guid.NewGuid():N}.sh");
        File.WriteAllText(file, "#!/bin/bash\n" + EtcdBackups.ListScript);
        try
        {
            var output = Run("shellcheck", $"-S warning -f gcc {file}", out var exit);
            Assert.True(exit == 0, output);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
