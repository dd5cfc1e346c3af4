namespace Infra.Core.Etcd;

/// <summary>The cluster as one place sees it: the member list, and which members passed a quorum read (endpoint health).</summary>
public sealed record EtcdClusterView
{
    public required IReadOnlyList<EtcdMemberInfo> Members { get; init; }
    /// <summary>Ids of the members whose client URL answered endpoint health.</summary>
    public required IReadOnlySet<ulong> Healthy { get; init; }

    public IReadOnlyList<EtcdMemberInfo> Voters => Members.Where(m => !m.IsLearner).ToList();
    public int HealthyVoters => Voters.Count(m => Healthy.Contains(m.Id));
    public bool HasQuorum => EtcdQuorum.Holds(Voters.Count, HealthyVoters);
    public string QuorumText => EtcdQuorum.Describe(Voters.Count, HealthyVoters);

    /// <summary>The member of a planned host: same peer URL, else same name.</summary>
    public EtcdMemberInfo? Find(PlannedMember p) =>
        Members.FirstOrDefault(m => m.PeerUrls.Contains(p.PeerUrl, StringComparer.Ordinal))
        ?? Members.FirstOrDefault(m => m.Started && m.Name == p.Name);

    /// <summary>Joins the member list with endpoint health results by client URL.</summary>
    public static EtcdClusterView From(IReadOnlyList<EtcdMemberInfo> members, IReadOnlyList<EtcdEndpointHealth> health)
    {
        var healthyUrls = health.Where(h => h.Healthy).Select(h => h.Endpoint).ToHashSet(StringComparer.Ordinal);
        var healthy = members.Where(m => m.ClientUrls.Any(healthyUrls.Contains)).Select(m => m.Id).ToHashSet();
        return new EtcdClusterView { Members = members, Healthy = healthy };
    }
}

/// <summary>What the host of another planned member holds, asked when no member answers (over SSH, or at its peer port).</summary>
public enum PeerHostState { Empty, HasData, Unreachable }

public enum MemberStart
{
    /// <summary>The host has the member's data: the step (re)starts it.</summary>
    Existing,
    /// <summary>A new cluster of this one member; the others join it one at a time.</summary>
    Bootstrap,
    /// <summary>Added as a learner (or added before and never started), started with the current members, promoted once in sync.</summary>
    Join,
}

/// <summary>What must happen around one member's etcd steps; <see cref="Refusal"/> set means nothing may change.</summary>
public sealed record MemberPlan
{
    public string? Refusal { get; init; }
    public MemberStart Start { get; init; }
    /// <summary>Dead members to remove before this one is added (stale ones, or this host's own former member).</summary>
    public IReadOnlyList<EtcdMemberInfo> RemoveFirst { get; init; } = [];
    /// <summary>Add this member as a learner before it starts (false when it was added before and never started).</summary>
    public bool AddLearner { get; init; }
    /// <summary>Promote after the start: a learner that has not been promoted yet.</summary>
    public bool Promote { get; init; }
    /// <summary>Wait for the member to pass a quorum read; false in a cold start, where the others may start after it.</summary>
    public bool WaitForHealth { get; init; } = true;

    public static MemberPlan Refuse(string reason) => new() { Refusal = reason };
}

/// <summary>A change to the member list after the members of a wave converged.</summary>
public sealed record MemberRemoval(EtcdMemberInfo Member, string Reason);

/// <summary>
/// Membership decisions, one change at a time: a first member bootstraps a cluster of one; every other member is
/// added as a learner and promoted once in sync; members that are not in the plan are removed (dead ones first,
/// live ones only once every planned member has joined); nothing that would leave the voters without a healthy
/// majority is done.
/// </summary>
public static class EtcdMembership
{
    /// <summary>Decides how <paramref name="self"/> starts.</summary>
    /// <param name="planned">The plan's members in bootstrap order; the first one bootstraps a new cluster.</param>
    /// <param name="selfHasData">Whether the member's data folder holds a member (<c>/var/lib/etcd/member</c>).</param>
    /// <param name="view">The cluster as the planned members' client URLs show it; null when none answered.</param>
    /// <param name="others">When <paramref name="view"/> is null: what each other planned member's host holds.</param>
    public static MemberPlan BeforeMember(IReadOnlyList<PlannedMember> planned, PlannedMember self, bool selfHasData, EtcdClusterView? view,
        IReadOnlyDictionary<string, PeerHostState> others)
    {
        if (view is null) return WithoutCluster(planned, self, selfHasData, others);

        var match = view.Find(self);
        if (match is { Started: true } && !match.PeerUrls.Contains(self.PeerUrl, StringComparer.Ordinal))
        {
            return MemberPlan.Refuse($"member {match.Label} advertises {string.Join(",", match.PeerUrls)}, the plan gives {self.Name} {self.PeerUrl}: " +
                "a member's address cannot change in place; give the new address a new host name (its member is added and the old one removed)");
        }
        if (!view.HasQuorum)
        {
            return selfHasData && match is not null
                ? new MemberPlan { Start = MemberStart.Existing, Promote = match.IsLearner, WaitForHealth = false }
                : MemberPlan.Refuse($"the etcd cluster has no quorum ({view.QuorumText}); adding {self.Name} is a membership change, " +
                    "which needs a healthy majority: start the members that are down, or restore from a snapshot ('infra etcd restore')");
        }
        if (selfHasData)
        {
            return match is null
                ? MemberPlan.Refuse($"{self.Name} holds etcd data of a member the cluster no longer has (removed or replaced); " +
                    $"reset the host ('infra reset --hosts {self.Name}') so that it joins as a new member")
                : new MemberPlan { Start = MemberStart.Existing, Promote = match.IsLearner };
        }

        var removeFirst = new List<EtcdMemberInfo>();
        var addLearner = true;
        if (match is { Started: true })
        {
            if (view.Healthy.Contains(match.Id))
            {
                return MemberPlan.Refuse($"member {match.Label} answers at {string.Join(",", match.ClientUrls)}, but {self.Name} has no etcd data: " +
                    "two hosts claim the same member; check the host's address");
            }
            // The host was wiped or replaced under the same name: its old member is dead and goes first.
            removeFirst.Add(match);
        }
        else if (match is not null)
        {
            addLearner = false;
        }
        foreach (var m in view.Members.Where(m => m.Id != match?.Id))
        {
            var owner = planned.FirstOrDefault(p => view.Find(p)?.Id == m.Id);
            if (owner is null)
            {
                if (!view.Healthy.Contains(m.Id)) removeFirst.Add(m);
            }
            else if (!m.Started)
            {
                return MemberPlan.Refuse($"member {m.Label} of {owner.Name} was added but never started; converge {owner.Name} first (one change at a time)");
            }
            else if (m.IsLearner && addLearner)
            {
                return MemberPlan.Refuse($"{owner.Name} is a learner not promoted yet; converge it first (etcd allows one learner at a time)");
            }
        }
        var voters = view.Voters.Count;
        var healthy = view.HealthyVoters;
        foreach (var r in removeFirst)
        {
            if (!r.IsLearner) voters--;
            if (!EtcdQuorum.Holds(voters, healthy))
            {
                return MemberPlan.Refuse($"removing {r.Label} would leave {EtcdQuorum.Describe(voters, healthy)}");
            }
        }
        return new MemberPlan { Start = MemberStart.Join, RemoveFirst = removeFirst, AddLearner = addLearner, Promote = true };
    }

    private static MemberPlan WithoutCluster(IReadOnlyList<PlannedMember> planned, PlannedMember self, bool selfHasData,
        IReadOnlyDictionary<string, PeerHostState> others)
    {
        // Every member is down (a power loss): the ones with data start and find each other.
        if (selfHasData) return new MemberPlan { Start = MemberStart.Existing, WaitForHealth = false };
        var unsure = planned.Where(p => p.Name != self.Name)
            .Select(p => (p.Name, State: others.GetValueOrDefault(p.Name, PeerHostState.Unreachable)))
            .Where(x => x.State != PeerHostState.Empty)
            .ToList();
        if (unsure.Count > 0)
        {
            var what = string.Join(", ", unsure.Select(x => x.State == PeerHostState.HasData ? $"{x.Name} has etcd data (or runs a member)" : $"{x.Name} cannot be reached"));
            return MemberPlan.Refuse($"no etcd member answers and {what}: a new cluster started here could split the data from an existing one; " +
                "start the members that hold data (or restore from a snapshot) and apply again");
        }
        if (planned.Count == 0 || planned[0].Name != self.Name)
        {
            return MemberPlan.Refuse($"no etcd cluster exists yet and {(planned.Count > 0 ? planned[0].Name : "the first member")} is the member that starts it: converge it first");
        }
        return new MemberPlan { Start = MemberStart.Bootstrap };
    }

    /// <summary>
    /// etcd's --initial-cluster for a member joining <paramref name="view"/> (taken after its member add): every
    /// member, this one under its planned name. etcd refuses a join whose list differs from the cluster's.
    /// </summary>
    public static string JoinInitialCluster(EtcdClusterView view, PlannedMember self) =>
        EtcdMembers.InitialCluster(view.Members
            .SelectMany(m => m.PeerUrls.Select(u => (Name: m.PeerUrls.Contains(self.PeerUrl, StringComparer.Ordinal) ? self.Name : m.Name, PeerUrl: u))));

    /// <summary>
    /// The next member to remove because the plan no longer has it: dead ones first; live ones only when every
    /// planned member is a started voter (so a replacement has joined before the member it replaces leaves).
    /// Null when nothing is left to remove; a refusal when the removal would leave no healthy majority.
    /// </summary>
    public static (MemberRemoval? Removal, string? Refusal) NextRemoval(IReadOnlyList<PlannedMember> planned, EtcdClusterView view)
    {
        var owned = planned.Select(view.Find).Where(m => m is not null).Select(m => m!.Id).ToHashSet();
        var stale = view.Members.Where(m => !owned.Contains(m.Id)).ToList();
        if (stale.Count == 0) return (null, null);
        var allJoined = planned.All(p => view.Find(p) is { Started: true, IsLearner: false });
        var next = stale.FirstOrDefault(m => !view.Healthy.Contains(m.Id)) ?? (allJoined ? stale[0] : null);
        if (next is null) return (null, null);
        if (!view.HasQuorum)
        {
            return (null, $"member {next.Label} is not in the plan, but the cluster has no quorum ({view.QuorumText}); a membership change needs a healthy majority");
        }
        var voters = view.Voters.Count - (next.IsLearner ? 0 : 1);
        var healthy = view.HealthyVoters - (!next.IsLearner && view.Healthy.Contains(next.Id) ? 1 : 0);
        if (!EtcdQuorum.Holds(voters, healthy))
        {
            return (null, $"member {next.Label} is not in the plan, but removing it would leave {EtcdQuorum.Describe(voters, healthy)}; " +
                "bring the members that are down back first");
        }
        var why = view.Healthy.Contains(next.Id) ? "not in the plan" : "not in the plan and not answering";
        return (new MemberRemoval(next, why), null);
    }
}
