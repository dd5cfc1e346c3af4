using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh.Etcd;

namespace Infra.Ssh.Engine;

/// <summary>
/// Makes node programs true on their hosts: probes every host in one round trip, decides from the journals what
/// must run, refuses changes that need a procedure, then runs the waves — prepare in parallel, etcd members one
/// at a time, the first control plane, the other control planes one at a time, workers in parallel, workloads.
/// A failing host stops only what depends on it.
/// </summary>
public sealed class ClusterConverger(HostSessionFactory connect, Redactor redactor, IProgress<EngineEvent>? progress = null)
{
    private static readonly Phase[] DefaultPhases = [Phase.Prepare, Phase.Etcd, Phase.ControlPlane, Phase.Workers, Phase.Workloads];

    /// <param name="confirm">Shown the pending changes; false declines (nothing runs). Not called on a dry run or when nothing is pending.</param>
    public async Task<ClusterReport> ApplyAsync(ClusterPlan plan, ConvergeOptions options, Func<IReadOnlyList<HostReport>, bool> confirm, CancellationToken ct)
    {
        RegisterSecrets(plan);
        var phases = options.Phases.Count > 0 ? options.Phases.ToHashSet() : DefaultPhases.ToHashSet();
        var programs = plan.Nodes.Where(n => options.Hosts.Count == 0 || options.Hosts.Contains(n.Host.Name)).ToList();
        var run = new HostRun(connect, redactor, options, plan.Spec, progress);
        // One state per host: its session, lock, probe, decision, steps run and why it stopped.
        var hosts = programs.ToDictionary(p => p.Host.Name, p => new HostRunState(p), StringComparer.Ordinal);
        HostRunState? read = null;
        IHostSession? clusterLockSession = null;
        var first = plan.Hosts.FirstOrDefault(h => h.Has(Roles.ControlPlane));
        var shown = programs;
        var remover = new NodeRemover(run, redactor, progress);
        var removal = NodeRemovalPlan.None;
        (IReadOnlyList<RecordedHost> Members, string? Text) record = ([], null);
        var removed = new List<HostReport>();
        List<HostReport> Reports(bool ran = false) =>
        [
            .. shown.Select(p => hosts.TryGetValue(p.Host.Name, out var s) ? s : read!).Select(s => s.Report(ran)).OfType<HostReport>(),
            .. ran ? removed : removal.Removals.Select(NodeRemover.Pending),
        ];
        try
        {
            await ForEachAsync(hosts.Values, options.Concurrency, s => run.ConnectAsync(s, ct));

            // Hosts that join need the first control plane: outside --hosts it is read (probed), never changed.
            string? firstOutside = null;
            if (first is not null && options.Hosts.Count > 0 && !programs.Any(p => p.Host.Name == first.Name)
                && programs.Any(p => p.Host.Has(Roles.ControlPlane) || p.Host.Has(Roles.Worker))
                && plan.Nodes.FirstOrDefault(n => n.Host.Name == first.Name) is { } firstNode)
            {
                (read, var problem) = await ReadFirstAsync(run, firstNode, ct);
                firstOutside = problem ?? "";
                shown = [firstNode, .. programs];
            }

            // One apply per cluster: the lock lives on the first control plane.
            if (options.ClusterLock && !options.DryRun && first is not null)
            {
                clusterLockSession = hosts.GetValueOrDefault(first.Name)?.Session ?? read?.Session ?? await TryConnect(first, ct);
                if (clusterLockSession is not null)
                {
                    var refusal = await TakeClusterLock(clusterLockSession, options, ct);
                    if (refusal is not null)
                    {
                        clusterLockSession = null;
                        return new ClusterReport { Hosts = Reports(), Refusal = refusal };
                    }
                }
            }

            await ForEachAsync(hosts.Values.Where(s => s.Session is not null), options.Concurrency, async s =>
            {
                if (await run.ProbeAsync(s, takeLock: !options.DryRun, ct)) run.Decide(s, phases);
            });
            var decided = hosts.Values.Where(s => s.Stop is null && s.Decision is not null).ToList();

            // The cluster's member record on the first control plane: hosts it has and the stack no longer has are
            // removed, on a whole-cluster apply only (never by --hosts or --phase).
            var firstSession = first is null ? null : hosts.GetValueOrDefault(first.Name)?.Session ?? read?.Session;
            if (firstSession is not null)
            {
                var (members, text, problem) = await remover.ReadAsync(firstSession, first!.Name, ct);
                if (problem is not null) return new ClusterReport { Hosts = Reports(), Refusal = problem };
                record = (members, text);
                if (options.Hosts.Count == 0 && options.Phases.Count == 0) removal = NodeRemovals.Plan(plan, members);
            }

            // Refusals stop the whole run before anything changes.
            foreach (var s in decided.Where(s => s.Decision!.Refusals.Count > 0)) s.Stop = new HostStop.Refused(s.Decision!.Refusals);
            if (decided.Any(s => s.Stop is HostStop.Refused) || removal.Refusals.Count > 0)
            {
                return new ClusterReport
                {
                    Hosts =
                    [
                        .. shown.Select(p => hosts.TryGetValue(p.Host.Name, out var s) ? s : read!)
                            .Select(s => s.Stop is null && s.Decision is not null ? s.PendingReport() : s.Report(ran: false)).OfType<HostReport>(),
                        .. removal.Refusals.Select(r => new HostReport { Host = r.Host, State = HostState.Refused, Refusals = [r.Refusal] }),
                    ],
                };
            }

            // A newer Kubernetes version recorded as allowed: the upgrade procedure runs before everything else.
            var upgrade = UpgradeRun.Prepare(plan, hosts, options);
            if (upgrade.Refusal is { } upgradeRefusal)
            {
                return new ClusterReport
                {
                    Hosts = [.. decided.Select(s => new HostReport { Host = s.Host, State = HostState.Refused, Refusals = [new NodeChangeRefusal("kubernetes.version", upgradeRefusal)] })],
                };
            }
            if (upgrade.Blocked is { } upgradeBlocked)
            {
                foreach (var s in decided.Where(s => s.Stop is null)) run.Block(s, upgradeBlocked);
                return new ClusterReport { Hosts = Reports() };
            }
            IReadOnlyList<string> procedure = upgrade.Run?.Procedure.Describe() ?? [];

            var anyPending = decided.Any(s => s.Decision!.Pending.Count > 0 || s.UpgradeChanges.Count > 0) || removal.Removals.Count > 0;
            if (options.DryRun || !anyPending)
            {
                if (!options.DryRun && firstSession is not null) await NodeRemover.WriteAsync(firstSession, Remembered(plan, record.Members, []), record.Text, ct);
                return new ClusterReport { Hosts = Reports(), DryRun = options.DryRun, Procedure = procedure };
            }

            // What would run, with the hosts that already failed to connect or are locked.
            var preview = Reports();
            if (!confirm(preview))
            {
                return new ClusterReport { Hosts = preview, Declined = true, Procedure = procedure };
            }

            // The rest of the apply (new packages, joins, workloads for the new version) waits for the whole upgrade.
            if (upgrade.Run is null || await upgrade.Run.RunAsync(run, connect, ct))
            {
                await RunWavesAsync(plan, run, programs, hosts, read, options, firstOutside, ct);
            }
            // Removals come after the adds (a replaced node's work has somewhere to go), and only when every host converged.
            var gone = new List<string>();
            if (removal.Removals.Count > 0 && hosts.Values.All(s => s.Stop is null) && firstSession is not null)
            {
                foreach (var (r, report) in await remover.RemoveAsync(firstSession, removal.Removals, ct))
                {
                    removed.Add(report);
                    if (report.State == HostState.Removed) gone.Add(r.Member.Name);
                }
            }
            else
            {
                removed.AddRange(removal.Removals.Select(r => new HostReport
                {
                    Host = r.Member.Name,
                    State = HostState.Blocked,
                    Message = "not removed: other hosts of this apply did not converge; run apply again",
                }));
            }
            if (firstSession is not null && (first is null || hosts.GetValueOrDefault(first.Name)?.Stop is null))
            {
                await NodeRemover.WriteAsync(firstSession, Remembered(plan, record.Members, gone), record.Text, ct);
            }
            return new ClusterReport { Hosts = Reports(ran: true), Procedure = procedure };
        }
        finally
        {
            await ForEachAsync(hosts.Values.Where(s => s.HoldsLock), options.Concurrency, run.UnlockAsync);
            if (clusterLockSession is not null && first is not null) await run.ReleaseAsync(first, clusterLockSession, ClusterUnlockScript(options.LockHolder));
            var open = hosts.Values.Append(read).Select(s => s?.Session).OfType<IHostSession>().ToList();
            foreach (var s in open) await s.DisposeAsync();
            if (clusterLockSession is not null && !open.Contains(clusterLockSession)) await clusterLockSession.DisposeAsync();
        }
    }

    /// <summary>
    /// The member record to keep: the plan's hosts, and every recorded host not yet removed (a --hosts apply or a
    /// failed removal forgets nobody).
    /// </summary>
    private static IEnumerable<RecordedHost> Remembered(ClusterPlan plan, IReadOnlyList<RecordedHost> recorded, IReadOnlyList<string> gone)
    {
        var planned = ClusterMembers.Of(plan.Hosts);
        var names = planned.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        return [.. planned, .. recorded.Where(m => !names.Contains(m.Name) && !gone.Contains(m.Name))];
    }

    /// <summary>
    /// The first control plane when it is not selected: connected and probed without its lock, nothing run. The
    /// session is kept only when it is initialized (joins then get their credentials from it); otherwise the problem.
    /// </summary>
    private async Task<(HostRunState State, string? Problem)> ReadFirstAsync(HostRun run, NodeProgram first, CancellationToken ct)
    {
        var state = new HostRunState(first);
        void Read(string? problem) => state.ReadMessage = problem is null
            ? "not in --hosts: only read, as the first control plane the selected hosts join through; nothing was changed on it"
            : $"not in --hosts: only read, and it {problem}";
        progress?.Report(new EngineEvent(first.Host.Name, "reading (not in --hosts)"));
        var probing = new HostRunState(first);
        if (!await run.ConnectAsync(probing, ct))
        {
            var problem = $"could not be reached: {((HostStop.Unreachable)probing.Stop!).Message}";
            Read(problem);
            return (state, problem);
        }
        string? notReady = null;
        if (!await run.ProbeAsync(probing, takeLock: false, ct))
        {
            notReady = "could not be probed";
        }
        else
        {
            run.Decide(probing, DefaultPhases.ToHashSet());
            var decision = probing.Decision!;
            var own = decision.Pending.Count(s => s.Step.Phase is Phase.Prepare or Phase.Etcd or Phase.ControlPlane);
            if (decision.Blocked is not null || own > 0) notReady = $"is not initialized ({own} step(s) of its own pending): include it in --hosts";
        }
        Read(notReady);
        if (notReady is null)
        {
            state.Session = probing.Session;
            return (state, null);
        }
        await probing.Session!.DisposeAsync();
        return (state, notReady);
    }

    private async Task<IHostSession?> TryConnect(PlannedHost host, CancellationToken ct)
    {
        try { return await connect(host, ct); }
        catch (Exception e) when (e is not OperationCanceledException) { return null; }
    }

    private async Task RunWavesAsync(ClusterPlan plan, HostRun run, IReadOnlyList<NodeProgram> programs, IReadOnlyDictionary<string, HostRunState> hosts,
        HostRunState? read, ConvergeOptions options, string? firstOutside, CancellationToken ct)
    {
        JoinCredentials? credentials = null;
        IHostSession? credentialsSession = null;
        HostRunState? StateOf(string host) => hosts.GetValueOrDefault(host) ?? (read?.Host == host ? read : null);

        bool Runnable(NodeProgram p, Phase phase) => hosts[p.Host.Name].Runnable(phase);
        bool Stopped(string host) => StateOf(host)?.Stop is not null;

        IReadOnlyDictionary<string, string>? Environment(Step step, IReadOnlyDictionary<string, string>? extraEnv)
        {
            var env = step.RuntimeInputs.Count > 0 && credentials is not null ? credentials.EnvironmentFor(step.RuntimeInputs) : null;
            if (extraEnv is not null) env = env is null ? extraEnv : env.Concat(extraEnv).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            return env;
        }

        // One host's pending steps of one phase: the host run does the steps, checks and journal; a failure stops that host.
        Task Guarded(NodeProgram p, Phase phase, IReadOnlyDictionary<string, string>? extraEnv = null) =>
            run.RunPhaseAsync(hosts[p.Host.Name], phase, step => Environment(step, extraEnv), ct);

        void Block(IEnumerable<NodeProgram> blocked, Phase phase, string why)
        {
            foreach (var p in blocked.Where(h => Runnable(h, phase))) run.Block(hosts[p.Host.Name], why);
        }

        async Task DeleteCredentialsAsync()
        {
            if (credentials is not null && credentialsSession is not null)
            {
                await StepRunner.DeleteJoinCredentialsAsync(credentialsSession, credentials, options.CommandTimeout);
            }
            credentialsSession = null;
        }

        // etcd: one membership change at a time, made by the coordinator around each member's steps.
        async Task RunEtcdWaveAsync(IReadOnlyList<NodeProgram> members)
        {
            if (members.Count == 0) return;
            var sessions = hosts.Values.Append(read).OfType<HostRunState>().Where(s => s.Session is not null)
                .ToDictionary(s => s.Host, s => s.Session!, StringComparer.Ordinal);
            var outcomes = await new EtcdMembershipCoordinator(connect, redactor, Report, options.CommandTimeout)
                .RunAsync(plan, members, sessions, async (p, env) =>
                {
                    await Guarded(p, Phase.Etcd, env);
                    return !Stopped(p.Host.Name);
                }, ct);
            foreach (var o in outcomes)
            {
                switch (o.Kind)
                {
                    case EtcdMemberOutcomeKind.Refused:
                        hosts[o.Host].Stop = new HostStop.Refused([new NodeChangeRefusal("etcd.membership", o.Message)]);
                        break;
                    case EtcdMemberOutcomeKind.Failed:
                        hosts[o.Host].Stop = new HostStop.Failed(
                            new StepFailure(o.What, -1, o.Message, "fix the cause, then run apply again: it resumes with this member"));
                        break;
                    case EtcdMemberOutcomeKind.Blocked:
                        Block(members.Where(p => p.Host.Name == o.Host), Phase.Etcd, o.Message);
                        break;
                }
            }
        }

        // The execution plan's waves, for the selected hosts, one after another; each wave's hosts as it paces them.
        var execution = plan.Execution.Only(programs.Select(p => p.Host.Name).ToHashSet(StringComparer.Ordinal));
        var byName = programs.ToDictionary(p => p.Host.Name, StringComparer.Ordinal);
        var joinWaves = execution.Waves.Where(w => w.Needs.JoinCredentialsFrom is not null).ToList();
        var credentialsAsked = false;
        try
        {
            foreach (var wave in execution.Waves)
            {
                var waveHosts = wave.Hosts.Select(h => byName[h.Name]).ToList();
                // A control plane needs every etcd member (the first initializes against them, the others join them).
                var etcdFailed = wave.Needs.EtcdMembers.Where(Stopped).ToList();
                if (etcdFailed.Count > 0)
                {
                    Block(waveHosts, wave.Phase, $"waits for etcd member(s) {string.Join(", ", etcdFailed)}, which failed");
                    continue;
                }
                // Join credentials: made on the first control plane before the first wave that joins, deleted after the last.
                if (wave.Needs.JoinCredentialsFrom is { } via && !credentialsAsked)
                {
                    credentialsAsked = true;
                    var joiners = joinWaves.SelectMany(w => w.Hosts).Select(h => byName[h.Name]).ToList();
                    var needCredentials = joiners.Any(p => hosts[p.Host.Name] is { Stop: null, Decision: { } d }
                        && d.Pending.Any(s => s.Step.Phase is Phase.ControlPlane or Phase.Workers && s.Step.RuntimeInputs.Count > 0));
                    var viaSession = StateOf(via) is { Stop: null, Session: { } s } ? s : null;
                    if (needCredentials && viaSession is null)
                    {
                        var why = firstOutside is not null
                            ? $"waits for the first control plane {via}, which is not in --hosts and {firstOutside}"
                            : $"waits for the first control plane {via}, which failed or is unreachable";
                        Block(joiners, Phase.ControlPlane, why);
                        Block(joiners, Phase.Workers, why);
                        return;
                    }
                    if (needCredentials && viaSession is not null)
                    {
                        progress?.Report(new EngineEvent(via, $"creating a join token ({JoinCredentials.TokenTtl.TotalMinutes:0} min)"));
                        // The certificate key uploads the control-plane certificates into the cluster: only when a join needs them.
                        var certificates = joiners.Any(p => hosts[p.Host.Name].Decision is { } d
                            && d.Pending.Any(s => s.Step.RuntimeInputs.Contains(JoinCredentials.CertificateKeyInput)));
                        (credentials, var r) = await StepRunner.RegisterJoinCredentialsAsync(viaSession, certificates, redactor, options.CommandTimeout, ct);
                        if (!r.Succeeded)
                        {
                            var why = $"could not create join credentials on {via}: {redactor.Redact(r.StderrTail(5))}";
                            Block(joiners, Phase.ControlPlane, why);
                            Block(joiners, Phase.Workers, why);
                            return;
                        }
                        credentialsSession = viaSession;
                    }
                }

                if (wave.Needs.EtcdMembership == EtcdMembershipChange.Join)
                {
                    await RunEtcdWaveAsync(waveHosts.Where(p => Runnable(p, Phase.Etcd)).ToList());
                }
                else
                {
                    var failedInWave = new System.Collections.Concurrent.ConcurrentQueue<string>();
                    foreach (var batch in wave.Pacing.Split(waveHosts))
                    {
                        // Control planes change one at a time, each healthy before the next (a join, a reconfigure):
                        // one that failed stops those after it.
                        if (wave.Phase == Phase.ControlPlane && batch.Count == 1
                            && waveHosts.TakeWhile(p => p != batch[0]).FirstOrDefault(p => hosts[p.Host.Name].Stop is HostStop.Failed) is { } failed)
                        {
                            Block(batch, wave.Phase, $"waits for control plane {failed.Host.Name}, which failed: control planes change one at a time, each healthy before the next");
                            continue;
                        }
                        // Workers' kubelets restart one at a time, each healthy before the next: one whose restart failed in
                        // this wave stops those after it (a worker that failed to join does not).
                        if (wave.OnlySteps.Count > 0 && batch.Count == 1 && failedInWave.FirstOrDefault() is { } stopped)
                        {
                            Block(batch, wave.Phase, $"waits for {stopped}, whose kubelet configuration failed: kubelets restart one node at a time, each healthy before the next");
                            continue;
                        }
                        // A wave runs its own steps of the phase (the kubelet configuration of workers has a wave of its own).
                        bool Mine(NodeProgram p) => hosts[p.Host.Name].Runnable(wave.Runs);
                        async Task Run(NodeProgram p)
                        {
                            if (!await run.RunPhaseAsync(hosts[p.Host.Name], wave.Phase, wave.Runs, step => Environment(step, null), ct)) failedInWave.Enqueue(p.Host.Name);
                        }
                        if (batch.Count == 1) { if (Mine(batch[0])) await Run(batch[0]); }
                        else await ForEachAsync(batch.Where(Mine), options.Concurrency, Run);
                    }
                }

                if (joinWaves.Count > 0 && wave == joinWaves[^1]) await DeleteCredentialsAsync();
            }
        }
        finally
        {
            await DeleteCredentialsAsync();
        }

        // What each bootstrapped host was bootstrapped with is recorded by its bootstrap step (see HostRun.RunStepAsync).
        foreach (var s in programs.Select(p => hosts[p.Host.Name]).Where(s => s is { Stop: null, Decision: not null }))
        {
            progress?.Report(new EngineEvent(s.Host, s.Ran.Count == 0 ? "unchanged" : "converged"));
        }
    }


    /// <summary>
    /// Runs each selected host's reset steps, whatever its journal says (they are idempotent), in the execution plan's
    /// reset waves: workers first, in parallel, then control planes from the last joined to the first, then etcd-only hosts.
    /// </summary>
    public async Task<ClusterReport> ResetAsync(ClusterPlan plan, ConvergeOptions options, CancellationToken ct)
    {
        RegisterSecrets(plan);
        var programs = plan.Nodes.Where(n => options.Hosts.Count == 0 || options.Hosts.Contains(n.Host.Name)).ToList();
        var run = new HostRun(connect, redactor, options, plan.Spec, progress);
        // Like an apply, a reset holds the cluster lock and each host's lock.
        IHostSession? clusterLockSession = null;
        var first = plan.Hosts.FirstOrDefault(h => h.Has(Roles.ControlPlane));
        if (options.ClusterLock && first is not null && (clusterLockSession = await TryConnect(first, ct)) is not null)
        {
            if (await TakeClusterLock(clusterLockSession, options, ct) is { } refusal)
            {
                await clusterLockSession.DisposeAsync();
                return new ClusterReport { Hosts = [], Refusal = refusal };
            }
        }
        // The execution plan's reset waves for the selected hosts: external etcd members reset while others stay leave
        // the member list first, then workers, control planes from the last joined to the first, etcd-only hosts.
        var execution = plan.Execution.Only(programs.Select(p => p.Host.Name).ToHashSet(StringComparer.Ordinal));
        if (execution.ResetWaves.FirstOrDefault(w => w.Needs.EtcdMembership == EtcdMembershipChange.Leave) is { } leave)
        {
            var leaving = leave.Hosts.Select(h => h.Name).ToList();
            if (await new EtcdMembershipCoordinator(connect, redactor, Report, options.CommandTimeout)
                    .RemoveLeavingAsync(plan, leaving, ct) is { } left)
            {
                if (clusterLockSession is not null)
                {
                    await run.ReleaseAsync(first!, clusterLockSession, ClusterUnlockScript(options.LockHolder));
                    await clusterLockSession.DisposeAsync();
                }
                return left.Quorum
                    ? new ClusterReport { Hosts = [new HostReport { Host = left.Host, State = HostState.Refused, Message = left.Message }] }
                    : new ClusterReport { Hosts = [], Refusal = left.Message };
            }
        }
        var hosts = programs.ToDictionary(p => p.Host.Name, p => new HostRunState(p), StringComparer.Ordinal);
        async Task ResetHost(NodeProgram p)
        {
            var s = hosts[p.Host.Name];
            try
            {
                if (await run.ConnectAsync(s, ct) && await run.ProbeAsync(s, takeLock: true, ct, label: "lock", checks: false)
                    && await run.RunResetAsync(s, ct))
                {
                    progress?.Report(new EngineEvent(p.Host.Name, "reset"));
                }
            }
            finally
            {
                await run.UnlockAsync(s);
                if (s.Session is not null) await s.Session.DisposeAsync();
            }
        }
        try
        {
            var byName = programs.ToDictionary(p => p.Host.Name, StringComparer.Ordinal);
            foreach (var wave in execution.ResetWaves.Where(w => w.Needs.EtcdMembership != EtcdMembershipChange.Leave))
            {
                foreach (var batch in wave.Pacing.Split([.. wave.Hosts.Select(h => byName[h.Name])]))
                {
                    if (batch.Count == 1) await ResetHost(batch[0]);
                    else await ForEachAsync(batch, options.Concurrency, ResetHost);
                }
            }
            return new ClusterReport
            {
                Hosts = programs.Select(p => hosts[p.Host.Name])
                    .Select(s => s.Stop is null ? new HostReport { Host = s.Host, State = HostState.Converged, Ran = [.. s.Ran] } : s.Report(ran: false)!).ToList(),
            };
        }
        finally
        {
            if (clusterLockSession is not null)
            {
                await run.ReleaseAsync(first!, clusterLockSession, ClusterUnlockScript(options.LockHolder));
                await clusterLockSession.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The key material the plan places on hosts (private keys, the encryption key), word by word: a host that
    /// prints part of it — a stderr tail cut through a PEM block, a configuration dump — is masked too.
    /// </summary>
    private void RegisterSecrets(ClusterPlan plan)
    {
        // The alert receivers' secrets are no key material by shape (a URL, a password): each is registered whole, also as base64.
        foreach (var value in plan.SecretMaterial.AlertReceivers.Values)
        {
            redactor.Add(value);
            redactor.Add(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value)));
        }
        foreach (var file in plan.Nodes.SelectMany(n => n.Steps).SelectMany(s => s.Files).Where(f => f.Secret))
        {
            foreach (var word in System.Text.Encoding.UTF8.GetString(file.Content).Split([' ', '\n', '\r', '\t', ':', '"', '\''], StringSplitOptions.RemoveEmptyEntries))
            {
                // Base64 of random bytes; plain words (no digit, '+', '/' or '=') are not key material.
                if (word.Length >= 8 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')
                    && word.Any(c => char.IsAsciiDigit(c) || c is '+' or '/' or '='))
                {
                    redactor.Add(word);
                }
            }
        }
    }

    private void Report(string host, string what) => progress?.Report(new EngineEvent(host, what));

    internal static string WireJsonState(ClusterSpec spec, NodeProgram p) => WireJson.Serialize(NodeState.Of(spec, p));

    private async Task<string?> TakeClusterLock(IHostSession session, ConvergeOptions options, CancellationToken ct, string? staleHolder = null)
    {
        var script = EngineScripts.TakeClusterLock(options.LockHolder, options.BreakLock, staleHolder);
        var r = await session.RunAsync(script, null, options.CommandTimeout, "cluster lock", ct);
        var line = r.Stdout.Trim();
        if (line == "acquired") return null;
        var parts = line.Split(' ', 3);
        if (parts.Length == 3 && parts[0] == "held" && staleHolder is null && !options.BreakLock && options.HolderIsGone(parts[2]))
        {
            progress?.Report(new EngineEvent(session.Host, $"taking over the cluster lock left by {parts[2]}: that process no longer runs on this machine"));
            return await TakeClusterLock(session, options, ct, parts[2]);
        }
        return parts.Length == 3
            ? $"another apply holds the cluster lock on {session.Host}: {parts[2]} (for {parts[1]} s); wait for it, or pass --break-lock if that run is gone"
            : $"could not take the cluster lock on {session.Host}: {redactor.Redact(r.StderrTail(5))}";
    }

    private static string ClusterUnlockScript(string holder) => EngineScripts.Unlock(HostPaths.ClusterLock, holder);

    private static Task ForEachAsync<T>(IEnumerable<T> items, int concurrency, Func<T, Task> body) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency) }, async (item, _) => await body(item));
}
