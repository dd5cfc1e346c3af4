using System.Diagnostics;
using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Security;

namespace Infra.Ssh.Etcd;

/// <summary>How a member of the etcd wave ended when it did not converge.</summary>
public enum EtcdMemberOutcomeKind
{
    /// <summary>A change that needs a procedure (or would lose quorum) was refused before anything changed.</summary>
    Refused,
    /// <summary>The host failed outside its steps (a membership command, a health wait).</summary>
    Failed,
    /// <summary>The host waits for another one that failed or was refused.</summary>
    Blocked,
}

/// <summary>A member that did not converge: its host, how, what failed (for <see cref="EtcdMemberOutcomeKind.Failed"/>) and why.</summary>
public sealed record EtcdMemberOutcome(string Host, EtcdMemberOutcomeKind Kind, string What, string Message);

/// <summary>
/// Runs the etcd phase of external members, one member at a time, around their <c>etcd.member</c> steps: it looks at
/// the cluster from the member's host (etcdctl with the member's health-check certificate), lets
/// <see cref="EtcdMembership"/> decide, removes dead members that are no longer planned, adds the member as a learner,
/// passes the start information to the step (runtime input <c>etcd-start</c>), promotes the learner once it is in
/// sync, waits for it to be healthy, and removes live members the plan dropped once their replacements have joined.
/// </summary>
/// <param name="progress">What a host is doing (host, what), for the run's progress.</param>
public sealed class EtcdMembershipCoordinator(HostSessionFactory connect, Redactor redactor, Action<string, string>? progress, TimeSpan commandTimeout)
{
    public static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(90);

    /// <summary>What every member of a wave is decided against.</summary>
    private sealed record WaveFacts(IReadOnlyList<PlannedMember> Planned, string Token, EtcdVersion? Minimum, string MinimumWhy)
    {
        public IReadOnlyList<string> Endpoints { get; } = Planned.Select(m => m.ClientUrl).ToList();
    }

    private static readonly EtcdCommands Commands = EtcdCommands.MemberHealthcheck;

    /// <param name="programs">Members whose etcd phase is pending, in bootstrap order.</param>
    /// <param name="sessions">Open sessions of the run (the coordinator opens others it needs and closes them).</param>
    /// <param name="runMember">Runs a member's etcd-phase steps with extra environment; true when every step succeeded.</param>
    /// <returns>The members that did not converge other than by a failed step of their own (which the engine reports).</returns>
    public async Task<IReadOnlyList<EtcdMemberOutcome>> RunAsync(ClusterPlan plan, IReadOnlyList<NodeProgram> programs, IReadOnlyDictionary<string, IHostSession> sessions,
        Func<NodeProgram, IReadOnlyDictionary<string, string>, Task<bool>> runMember, CancellationToken ct)
    {
        var outcomes = new List<EtcdMemberOutcome>();
        var release = EtcdRelease.For(plan.Spec.Kubernetes.Version);
        var facts = new WaveFacts(EtcdMembers.Of(plan.Spec, plan.Hosts), EtcdMembers.BootstrapToken(plan.Spec), release?.MinimumForKubeadm,
            release is null ? "" : MinimumWhy(plan.Spec.Kubernetes.Version.MinorString, release.Version.ToString()));
        var deferred = new List<(NodeProgram Program, PlannedMember Member, IHostSession Session)>();
        var opened = new List<IHostSession>();
        NodeProgram? stopped = null;
        string? stopReason = null;
        try
        {
            foreach (var p in programs)
            {
                if (stopped is not null)
                {
                    outcomes.Add(new EtcdMemberOutcome(p.Host.Name, EtcdMemberOutcomeKind.Blocked, "", $"waits for etcd member {stopped.Host.Name}: {stopReason}"));
                    continue;
                }
                var self = facts.Planned.Single(m => m.Name == p.Host.Name);
                var session = sessions[p.Host.Name];
                var (outcome, defer) = await ConvergeMemberAsync(facts, self, session, env => runMember(p, env), (other, c) => PeerStateAsync(other, sessions, opened, c), outcomes, ct);
                if (defer) deferred.Add((p, self, session));
                if (outcome is not null)
                {
                    stopped = p;
                    stopReason = outcome;
                }
            }
            // After a refusal or failure the wave stopped: waiting for a majority that is not coming helps no one.
            foreach (var (_, member, session) in stopped is null ? deferred : [])
            {
                Report(member.Name, "waiting until the member is healthy (its peers were starting too)");
                if (!await WaitHealthyAsync(session, member, ct))
                {
                    outcomes.Add(Failed(member.Name, "etcd health", $"member {member.Name} did not become healthy within {HealthTimeout.TotalSeconds:0} s: " +
                        "a majority of the members must run; see 'infra etcd status' and journalctl -u etcd on the members"));
                }
            }
        }
        finally
        {
            foreach (var s in opened) await s.DisposeAsync();
        }
        return outcomes;
    }

    private static EtcdMemberOutcome Failed(string host, string what, string message) => new(host, EtcdMemberOutcomeKind.Failed, what, message);

    private static EtcdMemberOutcome Refused(string host, string message) => new(host, EtcdMemberOutcomeKind.Refused, "", message);

    private static string MinimumWhy(string kubernetesMinor, string release) =>
        $"the oldest kubeadm accepts as external etcd for Kubernetes {kubernetesMinor}: the members run, but the control-plane phase will refuse them " +
        $"(packages.source repository or bundle installs v{release})";

    /// <summary>
    /// One member on its own, for the Pulumi provider's per-host engine (the Pulumi engine orders the members): what
    /// the wave knows from the plan comes from the program's membership facts, and whether another member's host may
    /// hold a cluster is asked from this host (a listening peer port counts as a member). Throws with the reason on a
    /// refusal or failure.
    /// </summary>
    /// <param name="runMember">Runs the member's etcd step with the start information; true on success.</param>
    public async Task ConvergeOneAsync(NodeProgram program, IHostSession session,
        Func<IReadOnlyDictionary<string, string>, Task<bool>> runMember, CancellationToken ct)
    {
        var plannedFacts = program.EtcdMembership ?? throw new InvalidOperationException($"host {program.Host.Name} is not an external etcd member");
        var planned = EtcdMembers.Of(plannedFacts);
        var facts = new WaveFacts(planned, plannedFacts.Token, EtcdVersion.Parse(plannedFacts.MinimumForKubeadm),
            MinimumWhy(plannedFacts.KubernetesMinor, plannedFacts.Release));
        var self = planned.Single(m => m.Name == program.Host.Name);
        var outcomes = new List<EtcdMemberOutcome>();
        await ConvergeMemberAsync(facts, self, session, runMember, (other, c) => PeerPortStateAsync(session, other, c), outcomes, ct);
        if (outcomes.FirstOrDefault() is { } o)
        {
            throw new InvalidOperationException(o.Kind switch
            {
                EtcdMemberOutcomeKind.Refused => $"host {o.Host}: refused: {o.Message}",
                EtcdMemberOutcomeKind.Failed => $"host {o.Host}: {o.What}: {o.Message}",
                _ => $"host {o.Host}: {o.Message}",
            });
        }
    }

    /// <returns>Why the wave stops (null when the member converged), and whether its health is waited for at the end of the wave.</returns>
    private async Task<(string? Stop, bool Deferred)> ConvergeMemberAsync(WaveFacts facts, PlannedMember self, IHostSession session,
        Func<IReadOnlyDictionary<string, string>, Task<bool>> runMember, Func<PlannedMember, CancellationToken, Task<PeerHostState>> peerState,
        List<EtcdMemberOutcome> outcomes, CancellationToken ct)
    {
        var name = self.Name;
        try
        {
            var planned = facts.Planned;
            var endpoints = facts.Endpoints;
            var obs = await ObserveAsync(session, endpoints, ct);
            if (obs.Version is null)
            {
                outcomes.Add(Failed(name, "etcd", "etcd is not installed on the host (the prepare phase installs or checks it)"));
                return ("etcd is not installed", false);
            }
            if (facts.Minimum is { } minimum && obs.Version < minimum)
            {
                Report(name, $"warning: etcd {obs.Version} is older than {minimum}, {facts.MinimumWhy}");
            }
            var others = new Dictionary<string, PeerHostState>(StringComparer.Ordinal);
            if (obs.View is null && !obs.HasData)
            {
                foreach (var other in planned.Where(m => m.Name != name))
                {
                    others[other.Name] = await peerState(other, ct);
                }
            }
            var decision = EtcdMembership.BeforeMember(planned, self, obs.HasData, obs.View, others);
            if (decision.Refusal is { } refusal)
            {
                outcomes.Add(Refused(name, refusal));
                return ("its change was refused", false);
            }

            var env = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["INFRA_ETCD_START"] = decision.Start.ToString().ToLowerInvariant(),
                ["INFRA_ETCD_WAIT"] = decision.WaitForHealth ? "yes" : "no",
                ["INFRA_ETCD_INITIAL_CLUSTER_TOKEN"] = facts.Token,
            };
            if (decision.Start == MemberStart.Bootstrap)
            {
                Report(name, "starting a new etcd cluster with this member (the others join it one at a time)");
                env["INFRA_ETCD_INITIAL_CLUSTER"] = EtcdMembers.InitialCluster([self]);
            }
            else if (decision.Start == MemberStart.Join)
            {
                foreach (var dead in decision.RemoveFirst)
                {
                    Report(name, $"removing member {dead.Label}: not answering, and its place goes to {name}");
                    await CtlAsync(session, Commands.MemberRemove(endpoints, dead), $"member remove {dead.HexId}", ct);
                }
                IReadOnlyList<EtcdMemberInfo> members;
                if (decision.AddLearner)
                {
                    Report(name, $"adding {name} ({self.PeerUrl}) as a learner");
                    var added = await CtlAsync(session, Commands.MemberAddLearner(endpoints, name, self.PeerUrl), "member add --learner", ct);
                    members = EtcdJson.MemberAdd(added).Members;
                }
                else
                {
                    Report(name, $"{name} was added as a learner before and never started: starting it now");
                    members = (await ObserveAsync(session, endpoints, ct)).Members ?? [];
                }
                env["INFRA_ETCD_INITIAL_CLUSTER"] = EtcdMembership.JoinInitialCluster(new EtcdClusterView { Members = members, Healthy = new HashSet<ulong>() }, self);
            }

            if (!await runMember(env)) return ("its etcd step failed", false);

            if (decision.Promote && !await PromoteAsync(session, endpoints, self, ct))
            {
                outcomes.Add(Failed(name, "member promote", $"learner {name} did not catch up with the leader within {HealthTimeout.TotalSeconds:0} s and was not promoted; " +
                    "apply again once it has (see 'infra etcd status')"));
                return ("its learner was not promoted", false);
            }
            if (!decision.WaitForHealth) return (null, true);
            if (!await WaitHealthyAsync(session, self, ct))
            {
                outcomes.Add(Failed(name, "etcd health", $"member {name} did not become healthy within {HealthTimeout.TotalSeconds:0} s; see journalctl -u etcd on {name}"));
                return ("it did not become healthy", false);
            }
            return (await RemoveStaleAsync(planned, endpoints, name, session, outcomes, ct), false);
        }
        catch (EtcdCommandException e)
        {
            outcomes.Add(Failed(name, e.Label, redactor.Redact(e.Message)));
            return (e.Message, false);
        }
    }

    /// <summary>Why members about to be reset could not leave the etcd cluster first; <see cref="Quorum"/>: it would lose quorum.</summary>
    public sealed record LeaveRefusal(string Host, string Message, bool Quorum);

    /// <summary>
    /// Before a reset of some members while others stay: removes each from the member list, one at a time, through a
    /// member that stays, so that quorum is counted over the members that remain (a wiped member still counted as a
    /// voter would be a permanent vote against). Nothing is removed when that would leave no healthy majority.
    /// </summary>
    /// <returns>Null when every leaving member is out of the member list (or never was in it).</returns>
    public async Task<LeaveRefusal?> RemoveLeavingAsync(ClusterPlan plan, IReadOnlyCollection<string> leaving, CancellationToken ct)
    {
        var planned = EtcdMembers.Of(plan.Spec, plan.Hosts);
        var staying = planned.Where(m => !leaving.Contains(m.Name)).ToList();
        var going = planned.Where(m => leaving.Contains(m.Name)).ToList();
        if (going.Count == 0 || staying.Count == 0) return null;
        IHostSession? session = null;
        string? via = null;
        var unreachable = new List<string>();
        foreach (var m in staying.Where(m => m.Host is not null))
        {
            try
            {
                session = await connect(m.Host!, ct);
                via = m.Name;
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                unreachable.Add($"{m.Name}: {redactor.Redact(e.Message)}");
            }
        }
        if (session is null)
        {
            return new LeaveRefusal(going[0].Name, $"no member that stays can be reached to remove {string.Join(", ", going.Select(m => m.Name))} " +
                $"from the etcd cluster before the reset ({string.Join("; ", unreachable)}); nothing was reset", Quorum: false);
        }
        await using (session)
        {
            var endpoints = staying.Select(m => m.ClientUrl).ToList();
            var removed = 0;
            foreach (var m in going)
            {
                try
                {
                    var view = (await ObserveAsync(session, endpoints, ct)).View;
                    // After a removal (perhaps of the leader) the members that stay may still be electing: let them settle.
                    for (var settle = Stopwatch.StartNew(); removed > 0 && settle.Elapsed < TimeSpan.FromSeconds(20)
                        && !(view is not null && staying.All(s => view.Find(s) is { } i && view.Healthy.Contains(i.Id)));)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1), ct);
                        view = (await ObserveAsync(session, endpoints, ct)).View;
                    }
                    if (view is null)
                    {
                        return new LeaveRefusal(m.Name, $"the members that stay ({string.Join(", ", staying.Select(s => s.Name))}) do not answer: " +
                            $"{m.Name} cannot leave the etcd cluster before its reset; nothing was reset", Quorum: false);
                    }
                    if (view.Find(m) is not { } info) continue;
                    var voters = view.Voters.Count - (info.IsLearner ? 0 : 1);
                    var healthy = view.HealthyVoters - (!info.IsLearner && view.Healthy.Contains(info.Id) ? 1 : 0);
                    if (!EtcdQuorum.Holds(voters, healthy))
                    {
                        return new LeaveRefusal(m.Name, $"resetting {m.Name} takes it out of the etcd cluster, which would leave {EtcdQuorum.Describe(voters, healthy)}; " +
                            "bring the other members back first (infra etcd status), or reset every member", Quorum: true);
                    }
                    Report(m.Name, $"removing member {m.Name} from the etcd cluster before its reset (through {via})");
                    await CtlAsync(session, Commands.MemberRemove(endpoints, info), $"member remove {info.HexId}", ct);
                    removed++;
                }
                catch (EtcdCommandException e)
                {
                    return new LeaveRefusal(m.Name, $"{m.Name} could not leave the etcd cluster before its reset: {redactor.Redact(e.Message)}; nothing was reset", Quorum: false);
                }
            }
        }
        return null;
    }

    /// <summary>
    /// The provider's reset of one member (Pulumi deletes it): the member asks the other members, from its own host,
    /// to remove it, unless that would leave them without a healthy majority (refused: throws). When no other member
    /// answers (the rest of the cluster is gone too, as in a destroy), there is nothing to leave.
    /// </summary>
    public async Task LeaveOwnAsync(NodeProgram program, IHostSession session, CancellationToken ct)
    {
        if (program.EtcdMembership is not { } facts) return;
        var planned = EtcdMembers.Of(facts);
        var self = planned.Single(m => m.Name == program.Host.Name);
        var others = planned.Where(m => m.Name != self.Name).ToList();
        if (others.Count == 0) return;
        var endpoints = others.Select(m => m.ClientUrl).ToList();
        var view = (await ObserveAsync(session, endpoints, ct)).View;
        if (view?.Find(self) is not { } info) return;
        var voters = view.Voters.Count - (info.IsLearner ? 0 : 1);
        var healthy = view.HealthyVoters - (!info.IsLearner && view.Healthy.Contains(info.Id) ? 1 : 0);
        if (!EtcdQuorum.Holds(voters, healthy))
        {
            throw new InvalidOperationException($"host {self.Name}: resetting it takes it out of the etcd cluster, which would leave " +
                $"{EtcdQuorum.Describe(voters, healthy)}; bring the other members back first");
        }
        Report(self.Name, $"removing member {self.Name} from the etcd cluster before its reset");
        await CtlAsync(session, Commands.MemberRemove(endpoints, info), $"member remove {info.HexId}", ct);
    }

    /// <summary>Removes, one at a time, the members the plan no longer has, as far as quorum allows.</summary>
    private async Task<string?> RemoveStaleAsync(IReadOnlyList<PlannedMember> planned, IReadOnlyList<string> endpoints,
        string host, IHostSession session, List<EtcdMemberOutcome> outcomes, CancellationToken ct)
    {
        for (var i = 0; i < 16; i++)
        {
            var view = (await ObserveAsync(session, endpoints, ct)).View;
            if (view is null) return null;
            var (removal, refusal) = EtcdMembership.NextRemoval(planned, view);
            if (refusal is not null)
            {
                outcomes.Add(Refused(host, refusal));
                return "a member removal was refused";
            }
            if (removal is null) return null;
            Report(host, $"removing member {removal.Member.Label}: {removal.Reason}");
            await CtlAsync(session, Commands.MemberRemove(endpoints, removal.Member), $"member remove {removal.Member.HexId}", ct);
        }
        return null;
    }

    private async Task<bool> PromoteAsync(IHostSession session, IReadOnlyList<string> endpoints, PlannedMember self, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < HealthTimeout)
        {
            var list = await session.RunAsync(Commands.MemberList(endpoints), null, commandTimeout, "member list", ct);
            var me = list.Succeeded ? new EtcdClusterView { Members = EtcdJson.MemberList(list.Stdout), Healthy = new HashSet<ulong>() }.Find(self) : null;
            if (me is { IsLearner: false }) return true;
            if (me is not null)
            {
                var r = await session.RunAsync(Commands.MemberPromote(endpoints, me), null, commandTimeout, "member promote", ct);
                if (r.Succeeded)
                {
                    Report(self.Name, $"promoted {self.Name} to a voting member");
                    return true;
                }
                // "can only promote a learner member which is in sync with leader": it is still catching up.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
        return false;
    }

    private async Task<bool> WaitHealthyAsync(IHostSession session, PlannedMember member, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < HealthTimeout)
        {
            var r = await session.RunAsync(Commands.EndpointHealth([member.ClientUrl]), null, commandTimeout, "endpoint health", ct);
            if (r.Succeeded && r.Stdout.TrimStart().StartsWith('[') && EtcdJson.EndpointHealth(r.Stdout).All(h => h.Healthy)) return true;
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
        return false;
    }

    private async Task<EtcdObservation> ObserveAsync(IHostSession session, IReadOnlyList<string> endpoints, CancellationToken ct)
    {
        var r = await session.RunAsync(EtcdObservation.Script(Commands, endpoints, full: false), null, commandTimeout, "etcd probe", ct);
        try
        {
            return EtcdObservation.Parse(r.Stdout);
        }
        catch (FormatException e)
        {
            throw new EtcdCommandException("etcd probe", $"could not read the etcd probe's output (exit {r.ExitCode}): {e.Message} {r.StderrTail(3)}");
        }
    }

    /// <summary>Whether another planned member's host holds etcd data, asked over SSH.</summary>
    private async Task<PeerHostState> PeerStateAsync(PlannedMember other, IReadOnlyDictionary<string, IHostSession> sessions, List<IHostSession> opened, CancellationToken ct)
    {
        try
        {
            if (!sessions.TryGetValue(other.Name, out var s))
            {
                if (other.Host is null) return PeerHostState.Unreachable;
                s = await connect(other.Host, ct);
                opened.Add(s);
            }
            var r = await s.RunAsync($"if [ -d {EtcdObservation.MemberDataDir} ]; then echo yes; else echo no; fi\n", null, commandTimeout, "etcd data", ct);
            return !r.Succeeded ? PeerHostState.Unreachable : r.Stdout.Trim() == "no" ? PeerHostState.Empty : PeerHostState.HasData;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return PeerHostState.Unreachable;
        }
    }

    /// <summary>
    /// Without SSH to the other member: its peer port seen from this member's host. Listening means a member runs
    /// there; refused means the host is up without etcd; no answer means it cannot be told.
    /// </summary>
    private async Task<PeerHostState> PeerPortStateAsync(IHostSession session, PlannedMember other, CancellationToken ct)
    {
        var script = $"if timeout 3 bash -c 'exec 3<>/dev/tcp/{other.Address}/{PlannedMember.PeerPort}' 2>/dev/null; then echo open; " +
            "elif [ $? -eq 124 ]; then echo silent; else echo refused; fi\n";
        var r = await session.RunAsync(script, null, commandTimeout, "etcd peer port", ct);
        return r.Stdout.Trim() switch
        {
            "refused" => PeerHostState.Empty,
            "open" => PeerHostState.HasData,
            _ => PeerHostState.Unreachable,
        };
    }

    /// <summary>
    /// Runs a membership command. etcd's strict reconfiguration check answers "unhealthy cluster" until the leader
    /// has been connected to every voter for 5 s (also right after a promotion): that is waited out.
    /// </summary>
    private async Task<string> CtlAsync(IHostSession session, string command, string label, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var r = await session.RunAsync("set -euo pipefail\n" + command + "\n", null, commandTimeout, label, ct);
            if (r.Succeeded) return r.Stdout;
            if (!r.Stderr.Contains("unhealthy cluster", StringComparison.Ordinal) || watch.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new EtcdCommandException(label, $"etcdctl {label} failed (exit {r.ExitCode}): {redactor.Redact(r.StderrTail(3))}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
    }

    private void Report(string host, string what) => progress?.Invoke(host, redactor.Redact(what));
}

/// <summary>An etcd command the tool ran failed; the message names the command and the end of its error output.</summary>
public sealed class EtcdCommandException(string label, string message) : Exception(message)
{
    public string Label { get; } = label;

    public EtcdCommandException() : this("etcd", "an etcd command failed") { }
}
