using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.Spec;
using Infra.Ssh.Etcd;
using Infra.TestKit;

namespace Infra.Ssh.Tests;

/// <summary>How <c>infra etcd status</c> joins the plan, the member list, health, status and alarms.</summary>
public class EtcdStatusReportTests
{
    private static PlannedMember P(string name, int i) => new()
    {
        Name = name,
        Address = $"10.0.0.{50 + i}",
        Host = new PlannedHost { Name = name, Address = $"10.0.0.{50 + i}", Port = 22, User = "root", HostKey = null, Roles = [Roles.Etcd], Os = OsFamily.Debian12 },
    };

    private static readonly PlannedMember[] Planned = [P("etcd-1", 1), P("etcd-2", 2), P("etcd-3", 3)];

    private static EtcdMemberInfo M(ulong id, PlannedMember p) =>
        new() { Id = id, Name = p.Name, PeerUrls = [p.PeerUrl], ClientUrls = [p.ClientUrl], IsLearner = false };

    private static EtcdEndpointStatus S(ulong id, PlannedMember p, ulong leader) => new()
    {
        Endpoint = p.ClientUrl,
        MemberId = id,
        Version = "3.4.23",
        DbSize = 20480,
        DbSizeInUse = 16384,
        Leader = leader,
        RaftIndex = 42,
        RaftAppliedIndex = 42,
        Revision = 7,
        ClusterId = 1,
    };

    [Fact]
    public void Report_AllHealthy_LeaderMarkedAndHealthy()
    {
        var obs = new EtcdObservation
        {
            HasData = true,
            Members = [M(1, Planned[0]), M(2, Planned[1]), M(3, Planned[2])],
            Health = [.. Planned.Select(p => new EtcdEndpointHealth(p.ClientUrl, true, null))],
            Status = [S(1, Planned[0], 2), S(2, Planned[1], 2), S(3, Planned[2], 2)],
            Alarms = [],
        };

        var r = EtcdOperations.Report(Planned, obs, "etcd-1", new Dictionary<string, string>());

        Assert.True(r.Healthy);
        Assert.Equal(["etcd-2"], r.Members.Where(m => m.IsLeader).Select(m => m.Name));
        Assert.Equal(20480, r.Members[0].DbSize);
        Assert.Equal("3 of 3 voting members healthy; a majority is 2; 1 more may fail", r.Quorum);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void Report_AlarmListDidNotAnswer_AlarmsUnknownWithWhy()
    {
        var obs = EtcdObservation.Parse("@@version\netcd Version: 3.5.21\n@@data\nyes\n@@members\n\n@@health\n\n@@status\n\n@@alarms\n\n@@end\n");

        var r = EtcdOperations.Report(Planned, obs, "etcd-1", new Dictionary<string, string>());

        Assert.Empty(r.Alarms);
        Assert.Equal("the alarm list did not answer through etcd-1", r.AlarmsUnknown);
    }

    [Fact]
    public void Report_DownMemberStaleMemberMissingMemberAndAlarm_NotHealthyWithReasons()
    {
        var stale = P("etcd-9", 9);
        var obs = new EtcdObservation
        {
            HasData = true,
            Members = [M(1, Planned[0]), M(2, Planned[1]), M(9, stale)],
            Health = [new EtcdEndpointHealth(Planned[0].ClientUrl, true, null), new EtcdEndpointHealth(Planned[1].ClientUrl, false, "context deadline exceeded"),
                new EtcdEndpointHealth(stale.ClientUrl, true, null)],
            Status = [S(1, Planned[0], 1)],
            Alarms = [new EtcdAlarm(1, "NOSPACE")],
        };

        var r = EtcdOperations.Report(Planned, obs, "etcd-1", new Dictionary<string, string> { ["etcd-2"] = "connection refused" });

        Assert.False(r.Healthy);
        Assert.Equal(["etcd-1", "etcd-2", "etcd-3", "etcd-9"], r.Members.Select(m => m.Name));
        Assert.Equal("not healthy: context deadline exceeded; host unreachable over SSH: connection refused", r.Members[1].Problem);
        Assert.Equal("planned, but not a member of the cluster", r.Members[2].Problem);
        Assert.Equal("a member the plan does not have", r.Members[3].Problem);
        Assert.Equal(["NOSPACE on etcd-1"], r.Alarms);
    }

    [Fact]
    public void AccessFor_StackedThroughTheControlPlanesExternalOnTheMembers()
    {
        Assert.Equal(EtcdAccess.StaticPod, EtcdOperations.AccessFor(SampleSpecs.BareMetal()));
        Assert.Equal(EtcdAccess.Host, EtcdOperations.AccessFor(SampleSpecs.BareMetal(etcd: EtcdTopology.External)));
    }
}
