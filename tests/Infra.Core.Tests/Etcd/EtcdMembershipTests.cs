using Infra.Core.Etcd;

namespace Infra.Core.Tests.Etcd;

public class EtcdMembershipTests
{
    private static readonly PlannedMember[] Planned =
    [
        EtcdCommandsTests.Member("etcd-1", "10.0.0.51"),
        EtcdCommandsTests.Member("etcd-2", "10.0.0.52"),
        EtcdCommandsTests.Member("etcd-3", "10.0.0.53"),
    ];

    private static readonly Dictionary<string, PeerHostState> NoPeers = [];

    private static EtcdMemberInfo M(ulong id, PlannedMember p, bool learner = false, bool started = true) => new()
    {
        Id = id,
        Name = started ? p.Name : "",
        PeerUrls = [p.PeerUrl],
        ClientUrls = started ? [p.ClientUrl] : [],
        IsLearner = learner,
    };

    private static EtcdClusterView View(IEnumerable<EtcdMemberInfo> members, params ulong[] healthy) =>
        new() { Members = [.. members], Healthy = healthy.ToHashSet() };

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(2, 2, 0)]
    [InlineData(3, 2, 1)]
    [InlineData(4, 3, 1)]
    [InlineData(5, 3, 2)]
    [InlineData(7, 4, 3)]
    public void Quorum_MajorityAndTolerance(int voters, int quorum, int tolerance)
    {
        Assert.Equal(quorum, EtcdQuorum.Of(voters));
        Assert.Equal(tolerance, EtcdQuorum.Tolerance(voters));
        Assert.True(EtcdQuorum.Holds(voters, quorum));
        Assert.False(EtcdQuorum.Holds(voters, quorum - 1));
    }

    [Fact]
    public void BeforeMember_NoClusterAllPeersEmpty_FirstBootstrapsOthersWait()
    {
        var empty = new Dictionary<string, PeerHostState> { ["etcd-2"] = PeerHostState.Empty, ["etcd-3"] = PeerHostState.Empty, ["etcd-1"] = PeerHostState.Empty };

        Assert.Equal(MemberStart.Bootstrap, EtcdMembership.BeforeMember(Planned, Planned[0], false, null, empty).Start);
        var second = EtcdMembership.BeforeMember(Planned, Planned[1], false, null, empty);
        Assert.Contains("etcd-1 is the member that starts it", second.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PeerHostState.HasData, "etcd-3 has etcd data")]
    [InlineData(PeerHostState.Unreachable, "etcd-3 cannot be reached")]
    public void BeforeMember_NoClusterButAPeerMayHoldOne_RefusesToStartASecondCluster(PeerHostState state, string why)
    {
        var peers = new Dictionary<string, PeerHostState> { ["etcd-2"] = PeerHostState.Empty, ["etcd-3"] = state };

        var plan = EtcdMembership.BeforeMember(Planned, Planned[0], false, null, peers);

        Assert.Contains(why, plan.Refusal, StringComparison.Ordinal);
        Assert.Contains("split", plan.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void BeforeMember_NoClusterAnswersButLocalData_StartsWithoutWaitingForHealth()
    {
        var plan = EtcdMembership.BeforeMember(Planned, Planned[1], true, null, NoPeers);

        Assert.Null(plan.Refusal);
        Assert.Equal(MemberStart.Existing, plan.Start);
        Assert.False(plan.WaitForHealth);
    }

    [Fact]
    public void BeforeMember_NewHostInAHealthyCluster_AddedAsLearnerAndPromoted()
    {
        var view = View([M(1, Planned[0]), M(2, Planned[1])], 1, 2);

        var plan = EtcdMembership.BeforeMember(Planned, Planned[2], false, view, NoPeers);

        Assert.Null(plan.Refusal);
        Assert.Equal(MemberStart.Join, plan.Start);
        Assert.True(plan.AddLearner);
        Assert.True(plan.Promote);
        Assert.Empty(plan.RemoveFirst);
    }

    [Fact]
    public void BeforeMember_ReplacementOfADeadStaleMember_RemovesItFirst()
    {
        var old = EtcdCommandsTests.Member("etcd-old", "10.0.0.59");
        var view = View([M(1, Planned[0]), M(2, Planned[1]), M(9, old)], 1, 2);

        var plan = EtcdMembership.BeforeMember(Planned, Planned[2], false, view, NoPeers);

        Assert.Equal(MemberStart.Join, plan.Start);
        Assert.Equal([9UL], plan.RemoveFirst.Select(m => m.Id));
    }

    [Fact]
    public void BeforeMember_HostWipedUnderTheSameName_ItsDeadMemberRemovedThenAddedAgain()
    {
        var view = View([M(1, Planned[0]), M(2, Planned[1]), M(3, Planned[2])], 1, 2);

        var plan = EtcdMembership.BeforeMember(Planned, Planned[2], false, view, NoPeers);

        Assert.Equal([3UL], plan.RemoveFirst.Select(m => m.Id));
        Assert.True(plan.AddLearner);
    }

    [Fact]
    public void BeforeMember_AddedBeforeNeverStarted_StartsWithoutAddingAgain()
    {
        var view = View([M(1, Planned[0]), M(2, Planned[1]), M(3, Planned[2], learner: true, started: false)], 1, 2);

        var plan = EtcdMembership.BeforeMember(Planned, Planned[2], false, view, NoPeers);

        Assert.Equal(MemberStart.Join, plan.Start);
        Assert.False(plan.AddLearner);
        Assert.Equal("etcd-1=https://10.0.0.51:2380,etcd-2=https://10.0.0.52:2380,etcd-3=https://10.0.0.53:2380",
            EtcdMembership.JoinInitialCluster(view, Planned[2]));
    }

    [Fact]
    public void BeforeMember_NoQuorum_MembershipChangeRefusedExistingMemberStillStarts()
    {
        var view = View([M(1, Planned[0]), M(2, Planned[1]), M(3, EtcdCommandsTests.Member("etcd-old", "10.0.0.59"))], 1);

        var refused = EtcdMembership.BeforeMember(Planned, Planned[2], false, view, NoPeers);
        Assert.Contains("no quorum (quorum lost: 1 of 3 voting members healthy, a majority needs 2)", refused.Refusal, StringComparison.Ordinal);

        var existing = EtcdMembership.BeforeMember(Planned, Planned[0], true, view, NoPeers);
        Assert.Null(existing.Refusal);
        Assert.False(existing.WaitForHealth);
    }

    [Fact]
    public void BeforeMember_DataOfARemovedMember_RefusedWithTheResetHint()
    {
        var view = View([M(1, Planned[0]), M(2, Planned[1])], 1, 2);

        var plan = EtcdMembership.BeforeMember(Planned, Planned[2], true, view, NoPeers);

        Assert.Contains("infra reset --hosts etcd-3", plan.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void BeforeMember_SameNameOtherAddress_Refused()
    {
        var moved = M(3, EtcdCommandsTests.Member("etcd-3", "10.0.0.99"));
        var view = View([M(1, Planned[0]), M(2, Planned[1]), moved], 1, 2, 3);

        var plan = EtcdMembership.BeforeMember(Planned, Planned[2], true, view, NoPeers);

        Assert.Contains("cannot change in place", plan.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void BeforeMember_AnotherPlannedMemberStillALearner_OneChangeAtATime()
    {
        var view = View([M(1, Planned[0]), M(2, Planned[1], learner: true)], 1);

        var plan = EtcdMembership.BeforeMember(Planned, Planned[2], false, view, NoPeers);

        Assert.Contains("etcd-2 is a learner not promoted yet", plan.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void NextRemoval_LiveStaleMemberWaitsUntilEveryPlannedMemberJoined()
    {
        var leaving = EtcdCommandsTests.Member("etcd-old", "10.0.0.59");
        var before = View([M(1, Planned[0]), M(2, Planned[1]), M(9, leaving)], 1, 2, 9);
        Assert.Equal((null, null), EtcdMembership.NextRemoval(Planned, before));

        var after = View([M(1, Planned[0]), M(2, Planned[1]), M(3, Planned[2]), M(9, leaving)], 1, 2, 3, 9);
        var (removal, refusal) = EtcdMembership.NextRemoval(Planned, after);
        Assert.Null(refusal);
        Assert.Equal(9UL, removal!.Member.Id);
        Assert.Equal("not in the plan", removal.Reason);
    }

    [Fact]
    public void NextRemoval_DeadStaleMember_RemovedAtOnce()
    {
        var gone = EtcdCommandsTests.Member("etcd-old", "10.0.0.59");
        var view = View([M(1, Planned[0]), M(2, Planned[1]), M(9, gone)], 1, 2);

        var (removal, _) = EtcdMembership.NextRemoval(Planned, view);

        Assert.Equal("not in the plan and not answering", removal!.Reason);
    }

    [Fact]
    public void NextRemoval_RemovingALiveMemberWouldLoseQuorum_Refused()
    {
        // Five voters, etcd-4 and etcd-5 down; the plan drops live etcd-3: four voters would be left, two healthy, a majority needs three.
        var p = Enumerable.Range(1, 5).Select(i => EtcdCommandsTests.Member($"etcd-{i}", $"10.0.0.{50 + i}")).ToArray();
        var view = View(p.Select((m, i) => M((ulong)i + 1, m)), 1, 2, 3);
        var planned = new[] { p[0], p[1], p[3], p[4] };

        var (removal, refusal) = EtcdMembership.NextRemoval(planned, view);

        Assert.Null(removal);
        Assert.Contains("removing it would leave quorum lost: 2 of 4 voting members healthy, a majority needs 3", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void NextRemoval_NoQuorum_Refused()
    {
        var view = View([M(1, Planned[0]), M(2, Planned[1]), M(9, EtcdCommandsTests.Member("etcd-old", "10.0.0.59"))], 1);

        var (_, refusal) = EtcdMembership.NextRemoval(Planned.Take(2).ToList(), view);

        Assert.Contains("the cluster has no quorum", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void View_From_HealthByClientUrl()
    {
        var members = new[] { M(1, Planned[0]), M(2, Planned[1]), M(3, Planned[2], learner: true) };
        var health = new[] { new EtcdEndpointHealth(Planned[0].ClientUrl, true, null), new EtcdEndpointHealth(Planned[1].ClientUrl, false, "deadline") };

        var view = EtcdClusterView.From(members, health);

        Assert.Equal([1UL], view.Healthy);
        Assert.Equal(2, view.Voters.Count);
        Assert.False(view.HasQuorum);
        Assert.Equal(3UL, view.Find(Planned[2])!.Id);
    }
}
