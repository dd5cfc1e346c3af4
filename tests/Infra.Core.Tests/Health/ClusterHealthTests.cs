using Infra.Core.Health;
using static Infra.TestKit.KubeAnswers;

namespace Infra.Core.Tests.Health;

/// <summary>The health model of <c>infra status</c>: kubectl's and Alertmanager's JSON read, each part judged, exit code and JSON form.</summary>
public class ClusterHealthTests
{
    [Fact]
    [Trait("Item", "15.5")]
    public void Nodes_ReadyAndPressure_ReadFromConditions()
    {
        var nodes = KubeHealthParser.Nodes(NodesJson(("w-1", "True", []), ("cp-1", "True", ["DiskPressure"]), ("w-2", "Unknown", [])));

        Assert.Equal(["cp-1", "w-1", "w-2"], nodes.Select(n => n.Name));
        Assert.Equal(["DiskPressure"], nodes[0].Pressures);
        Assert.True(nodes[1].Healthy);
        Assert.False(nodes[2].Ready);
        var part = ClusterHealth.NodesPartOf(nodes, ["cp-1", "w-1", "w-2", "w-3"]);
        Assert.Equal(PartState.Degraded, part.State);
        Assert.Equal("cp-1 (DiskPressure); w-2 NotReady; not registered: w-3", part.Reason);
    }

    [Fact]
    [Trait("Item", "15.5")]
    public void ControlPlanePods_EveryComponentOnEveryControlPlane()
    {
        var pods = KubeHealthParser.Pods(PodsJson(
            ("etcd-cp-1", "cp-1", "Running", true), ("kube-apiserver-cp-1", "cp-1", "Running", true),
            ("kube-controller-manager-cp-1", "cp-1", "Running", false), ("kube-scheduler-cp-1", "cp-1", "Running", true)));

        Assert.Equal("kube-controller-manager-cp-1 Running, not ready", ClusterHealth.ControlPlanePartOf(pods, ["cp-1"], stackedEtcd: true).Reason);
        Assert.Equal("etcd-cp-2 missing; kube-apiserver-cp-2 missing; kube-controller-manager-cp-2 missing; kube-scheduler-cp-2 missing",
            ClusterHealth.ControlPlanePartOf([.. pods.Where(p => p.Ready)], ["cp-2"], stackedEtcd: true).Reason);
        var fixedPods = pods.Select(p => p with { Ready = true }).ToList();
        Assert.Equal(PartState.Healthy, ClusterHealth.ControlPlanePartOf(fixedPods, ["cp-1"], stackedEtcd: true).State);
        Assert.Equal(PartState.Healthy, ClusterHealth.ControlPlanePartOf([.. fixedPods.Where(p => !p.Name.StartsWith("etcd", StringComparison.Ordinal))], ["cp-1"], stackedEtcd: false).State);
    }

    [Fact]
    [Trait("Item", "15.5")]
    public void FiringAlerts_ActiveCountedBySeveritySuppressedNot()
    {
        var firing = KubeHealthParser.FiringAlerts(AlertsJson(("Watchdog", "none", "active"), ("KubeNodeNotReady", "warning", "active"),
            ("EtcdMembersDown", "critical", "active"), ("TargetDown", "warning", "suppressed"), ("KubePodCrashLooping", "warning", "active")));

        Assert.Equal(new Dictionary<string, int> { ["critical"] = 1, ["none"] = 1, ["warning"] = 2 }, firing);
        Assert.Equal("1 critical, 2 warning firing", ClusterHealth.AlertsPartOf(firing).Reason);
        Assert.Equal(PartState.Healthy, ClusterHealth.AlertsPartOf(new Dictionary<string, int> { ["none"] = 1 }).State);
    }

    [Theory]
    [Trait("Item", "15.5")]
    [InlineData("not json")]
    [InlineData("{\"kind\": \"Status\"}")]
    public void Parsers_AnswerNotReadable_FormatException(string text)
    {
        Assert.Throws<FormatException>(() => KubeHealthParser.Nodes(text));
        Assert.Throws<FormatException>(() => KubeHealthParser.FiringAlerts(text));
    }

    [Fact]
    [Trait("Item", "14.status")]
    public void Certificates_EarliestWithinThirtyDays_Degraded()
    {
        var now = DateTimeOffset.Parse("2026-12-07T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        HostExpiry At(string host, int days) => new(host, now.AddDays(days), days, "CN=x", null);

        Assert.Equal(PartState.Healthy, ClusterHealth.CertificatesPartOf([At("cp-1", 364), At("w-1", 30)]).State);
        Assert.Equal("expiring within 30 days: w-1 in 29 days", ClusterHealth.CertificatesPartOf([At("cp-1", 364), At("w-1", 29)]).Reason);
        Assert.Equal(PartState.Unknown, ClusterHealth.CertificatesPartOf([At("cp-1", 364), new HostExpiry("w-1", null, null, null, "unreachable")]).State);
    }

    [Fact]
    [Trait("Item", "14.status")]
    public void Backups_NewestOlderThanADay_DegradedNoneYetUnknown()
    {
        var now = DateTimeOffset.Parse("2026-12-07T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(PartState.Healthy, ClusterHealth.BackupsPartOf([new HostBackup("cp-1", now.AddHours(-6), 4, null)], now).State);
        var stale = ClusterHealth.BackupsPartOf([new HostBackup("cp-1", now.AddHours(-30), 4, null), new HostBackup("cp-2", now.AddHours(-1), 4, null)], now);
        Assert.Equal((PartState.Degraded, "cp-1's newest is 30 h old"), (stale.State, stale.Reason));
        var none = ClusterHealth.BackupsPartOf([new HostBackup("cp-1", now.AddHours(-1), 4, null), new HostBackup("cp-2", null, 0, null)], now);
        Assert.Equal(PartState.Unknown, none.State);
        Assert.StartsWith("cp-2 has no snapshot yet", none.Reason, StringComparison.Ordinal);
        Assert.Equal(PartState.NotApplicable, ClusterHealth.BackupsPartOf([], now).State);
    }

    [Fact]
    [Trait("Item", "14.3")]
    public void Backups_LastRunFailedWhileNewestIsFresh_DegradedWithTheReason()
    {
        var now = DateTimeOffset.Parse("2026-12-07T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var failed = new Core.Etcd.SnapshotServiceRun("exit-code", 1, "Mon 2026-12-07 12:00:03 UTC", ["no running etcd container on this host (kubeadm static pod etcd)"]);
        var succeeded = new Core.Etcd.SnapshotServiceRun("success", 0, "Mon 2026-12-07 06:00:03 UTC", ["snapshot written"]);

        var part = ClusterHealth.BackupsPartOf([new HostBackup("cp-1", now.AddHours(-6), 4, null, failed), new HostBackup("cp-2", now.AddHours(-6), 4, null, succeeded)], now);

        Assert.Equal(PartState.Degraded, part.State);
        Assert.Equal("cp-1's last run failed (exit-code, exit status 1) at Mon 2026-12-07 12:00:03 UTC: no running etcd container on this host (kubeadm static pod etcd)", part.Reason);
        Assert.Equal(PartState.Healthy, ClusterHealth.BackupsPartOf([new HostBackup("cp-2", now.AddHours(-6), 4, null, succeeded)], now).State);
    }

    private static ClusterHealth Healthy(DateTimeOffset now) => new()
    {
        Now = now,
        Hosts = [new HostReach("cp-1", true, false, null)],
        HostsPart = HealthPart.Healthy,
        Nodes = [],
        NodesPart = HealthPart.Healthy,
        ControlPlanePods = [],
        ControlPlanePart = HealthPart.Healthy,
        EtcdMembers = [],
        EtcdPart = HealthPart.Healthy,
        Certificates = [],
        CertificatesPart = HealthPart.Healthy,
        Backups = [],
        BackupsPart = HealthPart.Healthy,
        FiringAlerts = new Dictionary<string, int>(),
        AlertsPart = HealthPart.NotApplicable("workloads.monitoring is off"),
    };

    [Fact]
    [Trait("Item", "15.5")]
    public void ExitCode_DegradedOne_UnknownAloneZero()
    {
        var h = Healthy(DateTimeOffset.UnixEpoch);

        Assert.Equal((0, "healthy"), (h.ExitCode, h.State));
        Assert.Equal((0, "unknown"), ((h with { EtcdPart = HealthPart.Unknown("no kept secrets") }).ExitCode, (h with { EtcdPart = HealthPart.Unknown("x") }).State));
        Assert.Equal((1, "degraded"), ((h with { NodesPart = HealthPart.Degraded("w-1 NotReady") }).ExitCode, (h with { NodesPart = HealthPart.Degraded("x") }).State));
    }

    [Fact]
    [Trait("Item", "15.5")]
    public void ToJson_EveryPartWithStateAndReason()
    {
        var json = (Healthy(DateTimeOffset.UnixEpoch) with { NodesPart = HealthPart.Degraded("w-1 NotReady") }).ToJson();

        Assert.Equal("degraded", (string?)json["state"]);
        foreach (var part in new[] { "hosts", "nodes", "controlPlane", "etcd", "certificates", "backups", "alerts" })
        {
            Assert.NotNull(json[part]?["part"]?["state"]);
        }
        Assert.Equal("w-1 NotReady", (string?)json["nodes"]!["part"]!["reason"]);
        Assert.Equal("not applicable", (string?)json["alerts"]!["part"]!["state"]);
    }
}
