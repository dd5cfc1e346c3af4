using Infra.Core.Etcd;

namespace Infra.Core.Tests.Etcd;

/// <summary>etcdctl's JSON as etcd 3.4.23 prints it (captured from Debian's etcd-server), and 3.5/3.6 where it differs.</summary>
public class EtcdJsonTests
{
    private const string MemberList34 = """
        {"header":{"cluster_id":324952591200643719,"member_id":3319814642761637952,"raft_term":2},"members":[{"ID":3319814642761637952,"name":"a","peerURLs":["http://127.0.0.1:23800"],"clientURLs":["http://127.0.0.1:23790"]},{"ID":7214105749198767011,"peerURLs":["http://127.0.0.1:23801"],"isLearner":true}]}
        """;

    [Fact]
    public void MemberList_34_IdsAsUnsignedLearnerFlagAndUnstartedMember()
    {
        var members = EtcdJson.MemberList(MemberList34);

        Assert.Equal(2, members.Count);
        Assert.Equal("2e1259d415f2a040", members[0].HexId);
        Assert.Equal("a", members[0].Name);
        Assert.False(members[0].IsLearner);
        Assert.True(members[0].Started);
        Assert.True(members[1].IsLearner);
        Assert.False(members[1].Started);
        Assert.Equal("unstarted member 641da6f4f91883a3 (http://127.0.0.1:23801)", members[1].Label);
    }

    [Fact]
    public void MemberAdd_NewIdAndTheListWithIt()
    {
        const string json = """
            {"header":{"cluster_id":1,"member_id":2,"raft_term":2},"member":{"ID":7214105749198767011,"peerURLs":["https://10.0.0.53:2380"],"isLearner":true},"members":[{"ID":2,"name":"etcd-1","peerURLs":["https://10.0.0.51:2380"],"clientURLs":["https://10.0.0.51:2379"]},{"ID":7214105749198767011,"peerURLs":["https://10.0.0.53:2380"],"isLearner":true}]}
            """;

        var (added, members) = EtcdJson.MemberAdd(json);

        Assert.Equal(7214105749198767011UL, added);
        Assert.Equal(2, members.Count);
    }

    [Fact]
    public void EndpointStatus_34_LeaderSizesAndRevision()
    {
        const string json = """
            [{"Endpoint":"http://127.0.0.1:23790","Status":{"header":{"cluster_id":324952591200643719,"member_id":3319814642761637952,"revision":2,"raft_term":2},"version":"3.4.23","dbSize":20480,"leader":3319814642761637952,"raftIndex":10,"raftTerm":2,"raftAppliedIndex":10,"dbSizeInUse":16384}}]
            """;

        var s = Assert.Single(EtcdJson.EndpointStatus(json));

        Assert.Equal("3.4.23", s.Version);
        Assert.Equal(20480, s.DbSize);
        Assert.Equal(16384, s.DbSizeInUse);
        Assert.Equal(s.MemberId, s.Leader);
        Assert.Equal(2, s.Revision);
        Assert.Equal(10UL, s.RaftIndex);
    }

    [Fact]
    public void EndpointHealth_UnhealthyEndpointKeepsItsError()
    {
        const string json = """
            [{"endpoint":"http://127.0.0.1:23790","health":true,"took":"1.386898ms"},{"endpoint":"http://127.0.0.1:23792","health":false,"took":"5.001351097s","error":"context deadline exceeded"}]
            """;

        var h = EtcdJson.EndpointHealth(json);

        Assert.True(h[0].Healthy);
        Assert.False(h[1].Healthy);
        Assert.Equal("context deadline exceeded", h[1].Error);
    }

    [Fact]
    public void SnapshotStatus_HashRevisionKeysSize()
    {
        var s = EtcdJson.SnapshotStatus("""{"hash":3442602820,"revision":2,"totalKey":5,"totalSize":20480}""");

        Assert.Equal(3442602820u, s.Hash);
        Assert.Equal(2, s.Revision);
        Assert.Equal(5, s.TotalKeys);
        Assert.Equal(20480, s.TotalSize);
    }

    [Fact]
    public void AlarmList_NumbersAndNamesBecomeNames()
    {
        Assert.Equal([new EtcdAlarm(7, "NOSPACE"), new EtcdAlarm(8, "CORRUPT")],
            EtcdJson.AlarmList("""{"header":{},"alarms":[{"memberID":7,"alarm":1},{"memberID":8,"alarm":"CORRUPT"}]}"""));
        Assert.Empty(EtcdJson.AlarmList("""{"header":{"cluster_id":1}}"""));
    }

    [Fact]
    public void MemberList_NotJson_FormatErrorNamingTheCommand()
    {
        var e = Assert.Throws<FormatException>(() => EtcdJson.MemberList("Error: context deadline exceeded"));
        Assert.Contains("member list", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Observation_Parse_SectionsAndSilentFailures()
    {
        var stdout = "@@version\netcd Version: 3.4.23\n@@data\nyes\n@@members\n" + MemberList34 + "\n" +
            "@@health\n[{\"endpoint\":\"http://127.0.0.1:23790\",\"health\":true}]\n\n@@end\n";

        var o = EtcdObservation.Parse(stdout);

        Assert.Equal(new EtcdVersion(3, 4, 23), o.Version);
        Assert.True(o.HasData);
        Assert.Equal(2, o.Members!.Count);
        Assert.Equal([3319814642761637952UL], o.View!.Healthy);
        Assert.Empty(o.Status);

        var none = EtcdObservation.Parse("@@version\n@@data\nno\n@@members\n\n@@end\n");
        Assert.Null(none.Version);
        Assert.Null(none.Members);
        Assert.Null(none.View);
        Assert.Throws<FormatException>(() => EtcdObservation.Parse("@@version\netcd Version: 3.4.23\n"));
    }
}
