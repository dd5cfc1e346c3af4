using System.Collections.Concurrent;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Shell;
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
        var sessions = new ConcurrentDictionary<string, IHostSession>(StringComparer.Ordinal);
        var reports = new ConcurrentDictionary<string, HostReport>(StringComparer.Ordinal);
        var locked = new ConcurrentBag<IHostSession>();
        IHostSession? clusterLockSession = null;
        var first = plan.Hosts.FirstOrDefault(h => h.Has(Roles.ControlPlane));
        try
        {
            await ForEachAsync(programs, options.Concurrency, async p =>
            {
                try
                {
                    progress?.Report(new EngineEvent(p.Host.Name, "connecting"));
                    sessions[p.Host.Name] = await connect(p.Host, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    var state = e is HostKeyMismatchException ? HostState.HostKeyRefused : HostState.Unreachable;
                    reports[p.Host.Name] = new HostReport { Host = p.Host.Name, State = state, Message = redactor.Redact(e.Message) };
                    progress?.Report(new EngineEvent(p.Host.Name, state == HostState.HostKeyRefused ? "failed: host key refused" : "failed: unreachable"));
                }
            });

            // Hosts that join need the first control plane: outside --hosts it is read (probed), never changed.
            string? firstOutside = null;
            var shown = programs;
            if (first is not null && options.Hosts.Count > 0 && !programs.Any(p => p.Host.Name == first.Name)
                && programs.Any(p => p.Host.Has(Roles.ControlPlane) || p.Host.Has(Roles.Worker))
                && plan.Nodes.FirstOrDefault(n => n.Host.Name == first.Name) is { } firstNode)
            {
                var (readReport, readSession, problem) = await ReadFirstAsync(plan, firstNode, options, ct);
                reports[first.Name] = readReport;
                if (readSession is not null) sessions[first.Name] = readSession;
                firstOutside = problem ?? "";
                shown = [firstNode, .. programs];
            }

            // One apply per cluster: the lock lives on the first control plane.
            if (options.ClusterLock && !options.DryRun && first is not null)
            {
                clusterLockSession = sessions.GetValueOrDefault(first.Name) ?? await TryConnect(first, ct);
                if (clusterLockSession is not null)
                {
                    var refusal = await TakeClusterLock(clusterLockSession, options, ct);
                    if (refusal is not null)
                    {
                        clusterLockSession = null;
                        return new ClusterReport { Hosts = Ordered(shown, reports), Refusal = refusal };
                    }
                }
            }

            var decisions = new ConcurrentDictionary<string, HostDecision>(StringComparer.Ordinal);
            await ForEachAsync(programs.Where(p => sessions.ContainsKey(p.Host.Name)), options.Concurrency, async p =>
            {
                var session = sessions[p.Host.Name];
                progress?.Report(new EngineEvent(p.Host.Name, "probing"));
                var (result, probed) = await ProbeAsync(session, p.Steps, options.DryRun ? null : options.LockHolder, options, "probe", ct);
                if (probed is null)
                {
                    reports[p.Host.Name] = new HostReport
                    {
                        Host = p.Host.Name,
                        State = HostState.Failed,
                        Failure = new StepFailure("probe", result.ExitCode, redactor.Redact(result.StderrTail()), "the host could not run the probe script: is bash installed and /var/lib writable?"),
                    };
                    return;
                }
                var probe = probed;
                if (probe.Locked)
                {
                    reports[p.Host.Name] = new HostReport
                    {
                        Host = p.Host.Name,
                        State = HostState.Locked,
                        Message = HostProbe.LockedMessage(probe),
                    };
                    return;
                }
                if (!options.DryRun) locked.Add(session);
                var decision = HostDecision.Decide(plan.Spec, p, probe, phases);
                if (decision.Blocked is not null)
                {
                    reports[p.Host.Name] = new HostReport { Host = p.Host.Name, State = HostState.Blocked, Message = decision.Blocked };
                    return;
                }
                decisions[p.Host.Name] = decision;
            });

            // Refusals stop the whole run before anything changes.
            foreach (var (host, d) in decisions.Where(kv => kv.Value.Refusals.Count > 0))
            {
                reports[host] = new HostReport { Host = host, State = HostState.Refused, Refusals = d.Refusals };
            }
            if (decisions.Values.Any(d => d.Refusals.Count > 0))
            {
                foreach (var (host, d) in decisions.Where(kv => kv.Value.Refusals.Count == 0)) reports[host] = Pending(host, d);
                return new ClusterReport { Hosts = Ordered(shown, reports) };
            }

            var anyPending = decisions.Values.Any(d => d.Pending.Count > 0);
            if (options.DryRun || !anyPending)
            {
                foreach (var (host, d) in decisions)
                {
                    reports[host] = d.Pending.Count == 0
                        ? new HostReport { Host = host, State = HostState.Unchanged, Skipped = d.Skipped }
                        : Pending(host, d);
                }
                return new ClusterReport { Hosts = Ordered(shown, reports), DryRun = options.DryRun };
            }

            // What would run, with the hosts that already failed to connect or are locked.
            var preview = new Dictionary<string, HostReport>(reports, StringComparer.Ordinal);
            foreach (var (host, d) in decisions)
            {
                preview[host] = d.Pending.Count == 0 ? new HostReport { Host = host, State = HostState.Unchanged, Skipped = d.Skipped } : Pending(host, d);
            }
            if (!confirm(Ordered(shown, preview)))
            {
                return new ClusterReport { Hosts = Ordered(shown, preview), Declined = true };
            }

            await RunWavesAsync(plan, programs, sessions, decisions, reports, options, firstOutside, ct);
            return new ClusterReport { Hosts = Ordered(shown, reports) };
        }
        finally
        {
            await ForEachAsync(locked, options.Concurrency, s => UnlockAsync(plan, s, HostProbe.UnlockScript(options.LockHolder), options));
            if (clusterLockSession is not null) await UnlockAsync(plan, clusterLockSession, ClusterUnlockScript(options.LockHolder), options);
            foreach (var s in sessions.Values) await s.DisposeAsync();
            if (clusterLockSession is not null && !sessions.Values.Contains(clusterLockSession)) await clusterLockSession.DisposeAsync();
        }
    }

    /// <summary>
    /// The first control plane when it is not selected: connected and probed without its lock, nothing run. The
    /// session is kept only when it is initialized (joins then get their credentials from it); otherwise the problem.
    /// </summary>
    private async Task<(HostReport Report, IHostSession? Session, string? Problem)> ReadFirstAsync(ClusterPlan plan, NodeProgram first,
        ConvergeOptions options, CancellationToken ct)
    {
        HostReport Read(string? problem) => new()
        {
            Host = first.Host.Name,
            State = HostState.Read,
            Message = problem is null
                ? "not in --hosts: only read, as the first control plane the selected hosts join through; nothing was changed on it"
                : $"not in --hosts: only read, and it {problem}",
        };
        progress?.Report(new EngineEvent(first.Host.Name, "reading (not in --hosts)"));
        IHostSession session;
        try
        {
            session = await connect(first.Host, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var problem = $"could not be reached: {redactor.Redact(e.Message)}";
            return (Read(problem), null, problem);
        }
        var (_, probe) = await ProbeAsync(session, first.Steps, null, options, "probe", ct);
        string? notReady = null;
        if (probe is null)
        {
            notReady = "could not be probed";
        }
        else
        {
            var decision = HostDecision.Decide(plan.Spec, first, probe, DefaultPhases.ToHashSet());
            var own = decision.Pending.Count(s => s.Step.Phase is Phase.Prepare or Phase.Etcd or Phase.ControlPlane);
            if (decision.Blocked is not null || own > 0) notReady = $"is not initialized ({own} step(s) of its own pending): include it in --hosts";
        }
        if (notReady is null) return (Read(null), session, null);
        await session.DisposeAsync();
        return (Read(notReady), null, notReady);
    }

    private async Task<IHostSession?> TryConnect(PlannedHost host, CancellationToken ct)
    {
        try { return await connect(host, ct); }
        catch (Exception e) when (e is not OperationCanceledException) { return null; }
    }

    private async Task RunWavesAsync(ClusterPlan plan, IReadOnlyList<NodeProgram> programs, ConcurrentDictionary<string, IHostSession> sessions,
        ConcurrentDictionary<string, HostDecision> decisions, ConcurrentDictionary<string, HostReport> reports, ConvergeOptions options,
        string? firstOutside, CancellationToken ct)
    {
        var ran = new ConcurrentDictionary<string, ConcurrentQueue<string>>(StringComparer.Ordinal);
        var running = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var failed = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        foreach (var host in reports.Keys.Where(h => reports[h].State != HostState.Read)) failed[host] = reports[host].State.ToString().ToLowerInvariant();
        JoinCredentials? credentials = null;
        var first = plan.Hosts.FirstOrDefault(h => h.Has(Roles.ControlPlane));

        bool Runnable(NodeProgram p, Phase phase) =>
            decisions.TryGetValue(p.Host.Name, out var d) && !failed.ContainsKey(p.Host.Name) && d.Pending.Any(s => s.Step.Phase == phase);

        async Task RunHostPhase(NodeProgram p, Phase phase, IReadOnlyDictionary<string, string>? extraEnv)
        {
            var d = decisions[p.Host.Name];
            var session = sessions[p.Host.Name];
            foreach (var (step, _) in d.Pending.Where(s => s.Step.Phase == phase))
            {
                ct.ThrowIfCancellationRequested();
                running[p.Host.Name] = step.Id;
                progress?.Report(new EngineEvent(p.Host.Name, step.Id));
                var env = step.RuntimeInputs.Count > 0 && credentials is not null ? credentials.EnvironmentFor(step.RuntimeInputs) : null;
                if (extraEnv is not null) env = env is null ? extraEnv : env.Concat(extraEnv).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
                // A node that bootstraps records its settings with the step itself: a run cut off right after it
                // must not leave a live node without the record that refuses unsafe changes.
                var record = step.Phase is Phase.Etcd or Phase.ControlPlane or Phase.Workers ? RecordStateCommand(plan.Spec, p) : null;
                var result = await StepRunner.RunAsync(session, step, env, options.BundleDirectory, options.CommandTimeout, ct, record);
                if (!result.Succeeded)
                {
                    failed[p.Host.Name] = step.Id;
                    reports[p.Host.Name] = new HostReport
                    {
                        Host = p.Host.Name,
                        State = HostState.Failed,
                        Ran = [.. ran.GetOrAdd(p.Host.Name, _ => new())],
                        Failure = new StepFailure(step.Id, result.ExitCode, redactor.Redact(result.StderrTail()), Hints.For(step, result)),
                    };
                    progress?.Report(new EngineEvent(p.Host.Name, $"failed: {step.Id} (exit {result.ExitCode})"));
                    return;
                }
                ran.GetOrAdd(p.Host.Name, _ => new()).Enqueue(step.Id);
            }
            progress?.Report(new EngineEvent(p.Host.Name, $"{phase.Name()} done"));
        }

        async Task Guarded(NodeProgram p, Phase phase, IReadOnlyDictionary<string, string>? extraEnv = null)
        {
            try { await RunHostPhase(p, phase, extraEnv); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var step = running.GetValueOrDefault(p.Host.Name) ?? phase.Name();
                failed[p.Host.Name] = step;
                reports[p.Host.Name] = new HostReport
                {
                    Host = p.Host.Name,
                    State = HostState.Failed,
                    Ran = [.. ran.GetOrAdd(p.Host.Name, _ => new())],
                    Failure = new StepFailure(step, -1, redactor.Redact(e.Message),
                        e is SshCommandTimeoutException
                            ? $"the step ran longer than ssh.commandTimeoutSeconds and was stopped; the next apply resumes at {step}"
                            : $"the connection failed during the step; the next apply resumes at {step}"),
                };
                progress?.Report(new EngineEvent(p.Host.Name, $"failed: {step} ({redactor.Redact(e.Message)})"));
            }
        }

        void Block(IEnumerable<NodeProgram> hosts, Phase phase, string why)
        {
            foreach (var p in hosts.Where(h => Runnable(h, phase)))
            {
                failed[p.Host.Name] = why;
                reports[p.Host.Name] = new HostReport { Host = p.Host.Name, State = HostState.Blocked, Message = why, Ran = [.. ran.GetOrAdd(p.Host.Name, _ => new())] };
                progress?.Report(new EngineEvent(p.Host.Name, "blocked: " + why));
            }
        }

        // prepare: every host at once (bounded).
        await ForEachAsync(programs.Where(p => Runnable(p, Phase.Prepare)), options.Concurrency, p => Guarded(p, Phase.Prepare));

        // etcd: one membership change at a time, made by the coordinator around each member's steps.
        var etcdPrograms = programs.Where(p => p.Host.Has(Roles.Etcd) && Runnable(p, Phase.Etcd)).ToList();
        if (etcdPrograms.Count > 0)
        {
            await new EtcdMembershipCoordinator(connect, redactor, progress, options.CommandTimeout).RunAsync(plan, etcdPrograms, sessions, new EtcdWaveHooks
            {
                RunMember = async (p, env) =>
                {
                    await Guarded(p, Phase.Etcd, env);
                    return !failed.ContainsKey(p.Host.Name);
                },
                Refuse = (host, message) =>
                {
                    failed[host] = "refused";
                    reports[host] = new HostReport
                    {
                        Host = host,
                        State = HostState.Refused,
                        Ran = [.. ran.GetOrAdd(host, _ => new())],
                        Refusals = [new NodeChangeRefusal("etcd.membership", message)],
                    };
                },
                Fail = (host, what, message) =>
                {
                    failed[host] = what;
                    reports[host] = new HostReport
                    {
                        Host = host,
                        State = HostState.Failed,
                        Ran = [.. ran.GetOrAdd(host, _ => new())],
                        Failure = new StepFailure(what, -1, message, "fix the cause, then run apply again: it resumes with this member"),
                    };
                },
                Block = (host, why) => Block(programs.Where(p => p.Host.Name == host), Phase.Etcd, why),
            }, ct);
        }
        var etcdFailed = programs.Where(p => p.Host.Has(Roles.Etcd) && failed.ContainsKey(p.Host.Name)).Select(p => p.Host.Name).ToList();

        // control planes: the first initializes, the others join one at a time.
        var cps = programs.Where(p => p.Host.Has(Roles.ControlPlane)).ToList();
        var firstProgram = first is null ? null : cps.FirstOrDefault(p => p.Host.Name == first.Name);
        if (etcdFailed.Count > 0)
        {
            Block(cps, Phase.ControlPlane, $"waits for etcd member(s) {string.Join(", ", etcdFailed)}, which failed");
        }
        else if (firstProgram is not null && Runnable(firstProgram, Phase.ControlPlane))
        {
            await Guarded(firstProgram, Phase.ControlPlane);
        }
        var firstBroken = first is not null && (failed.ContainsKey(first.Name) || !sessions.ContainsKey(first.Name));

        var joiners = cps.Where(p => p.Host.Name != first?.Name).Concat(programs.Where(p => p.Host.Has(Roles.Worker) && !p.Host.Has(Roles.ControlPlane))).ToList();
        var needCredentials = joiners.Any(p => decisions.TryGetValue(p.Host.Name, out var d) && !failed.ContainsKey(p.Host.Name)
            && d.Pending.Any(s => s.Step.Phase is Phase.ControlPlane or Phase.Workers && s.Step.RuntimeInputs.Count > 0));
        if (needCredentials && firstBroken)
        {
            var why = firstOutside is not null
                ? $"waits for the first control plane {first!.Name}, which is not in --hosts and {firstOutside}"
                : $"waits for the first control plane {first!.Name}, which failed or is unreachable";
            Block(joiners, Phase.ControlPlane, why);
            Block(joiners, Phase.Workers, why);
            return;
        }
        IHostSession? firstSession = first is null ? null : sessions.GetValueOrDefault(first.Name);
        if (needCredentials && firstSession is not null)
        {
            progress?.Report(new EngineEvent(first!.Name, "creating a join token (15 min)"));
            // The certificate key uploads the control-plane certificates into the cluster: only when a join needs them.
            var certificates = joiners.Any(p => decisions.TryGetValue(p.Host.Name, out var d)
                && d.Pending.Any(s => s.Step.RuntimeInputs.Contains(JoinCredentials.CertificateKeyInput)));
            (credentials, var r) = await StepRunner.RegisterJoinCredentialsAsync(firstSession, certificates, redactor, options.CommandTimeout, ct);
            if (!r.Succeeded)
            {
                var why = $"could not create join credentials on {first!.Name}: {redactor.Redact(r.StderrTail(5))}";
                Block(joiners, Phase.ControlPlane, why);
                Block(joiners, Phase.Workers, why);
                return;
            }
        }
        try
        {
            foreach (var p in cps.Where(p => p.Host.Name != first?.Name))
            {
                if (Runnable(p, Phase.ControlPlane)) await Guarded(p, Phase.ControlPlane);
            }
            await ForEachAsync(programs.Where(p => Runnable(p, Phase.Workers)), options.Concurrency, p => Guarded(p, Phase.Workers));
        }
        finally
        {
            if (credentials is not null && firstSession is not null)
            {
                await StepRunner.DeleteJoinCredentialsAsync(firstSession, credentials, options.CommandTimeout);
            }
        }

        // workloads: from the first control plane, once the cluster is up.
        if (firstProgram is not null && Runnable(firstProgram, Phase.Workloads)) await Guarded(firstProgram, Phase.Workloads);

        // What each bootstrapped host was bootstrapped with is recorded by its bootstrap step (see RunHostPhase).
        foreach (var p in programs.Where(p => decisions.ContainsKey(p.Host.Name) && !failed.ContainsKey(p.Host.Name)))
        {
            var d = decisions[p.Host.Name];
            var didRun = ran.TryGetValue(p.Host.Name, out var q) ? q.ToList() : [];
            progress?.Report(new EngineEvent(p.Host.Name, didRun.Count == 0 ? "unchanged" : "converged"));
            reports[p.Host.Name] = new HostReport
            {
                Host = p.Host.Name,
                State = didRun.Count == 0 ? HostState.Unchanged : HostState.Converged,
                Ran = didRun,
                Skipped = d.Skipped,
                Changes = d.Pending.Select(s => new StepChange(s.Step.Id, s.Step.Phase, s.Reason)).ToList(),
            };
        }
    }


    /// <summary>
    /// Runs each selected host's reset steps, whatever its journal says (they are idempotent): workers first, in
    /// parallel, then control planes from the last joined to the first, then etcd-only hosts.
    /// </summary>
    public async Task<ClusterReport> ResetAsync(ClusterPlan plan, ConvergeOptions options, CancellationToken ct)
    {
        RegisterSecrets(plan);
        var programs = plan.Nodes.Where(n => options.Hosts.Count == 0 || options.Hosts.Contains(n.Host.Name)).ToList();
        var reports = new ConcurrentDictionary<string, HostReport>(StringComparer.Ordinal);
        // Like an apply, a reset holds the cluster lock and each host's lock.
        IHostSession? clusterLockSession = null;
        if (options.ClusterLock && plan.Hosts.FirstOrDefault(h => h.Has(Roles.ControlPlane)) is { } first
            && (clusterLockSession = await TryConnect(first, ct)) is not null)
        {
            if (await TakeClusterLock(clusterLockSession, options, ct) is { } refusal)
            {
                await clusterLockSession.DisposeAsync();
                return new ClusterReport { Hosts = [], Refusal = refusal };
            }
        }
        // External etcd members reset while others stay leave the member list first.
        if (plan.Spec.Etcd.Topology == EtcdTopology.External)
        {
            var leaving = programs.Where(p => p.Host.Has(Roles.Etcd)).Select(p => p.Host.Name).ToList();
            if (leaving.Count > 0 && await new EtcdMembershipCoordinator(connect, redactor, progress, options.CommandTimeout)
                    .RemoveLeavingAsync(plan, leaving, ct) is { } left)
            {
                if (clusterLockSession is not null)
                {
                    await UnlockAsync(plan, clusterLockSession, ClusterUnlockScript(options.LockHolder), options);
                    await clusterLockSession.DisposeAsync();
                }
                return left.Quorum
                    ? new ClusterReport { Hosts = [new HostReport { Host = left.Host, State = HostState.Refused, Message = left.Message }] }
                    : new ClusterReport { Hosts = [], Refusal = left.Message };
            }
        }
        async Task ResetHost(NodeProgram p)
        {
            IHostSession? session = null;
            var locked = false;
            var ran = new List<string>();
            try
            {
                progress?.Report(new EngineEvent(p.Host.Name, "connecting"));
                session = await connect(p.Host, ct);
                var (probe, probed) = await ProbeAsync(session, [], options.LockHolder, options, "lock", ct);
                var held = probed ?? HostProbe.Parse(probe.Stdout, []);
                if (held.Locked)
                {
                    reports[p.Host.Name] = new HostReport
                    {
                        Host = p.Host.Name,
                        State = HostState.Locked,
                        Message = HostProbe.LockedMessage(held),
                    };
                    return;
                }
                locked = true;
                foreach (var step in p.Steps.Where(s => s.Phase == Phase.Reset))
                {
                    progress?.Report(new EngineEvent(p.Host.Name, step.Id));
                    await StepRunner.UploadAsync(session, step, options.BundleDirectory, ct);
                    var r = await session.RunAsync(step.Script, null, options.CommandTimeout, step.Id, ct);
                    if (!r.Succeeded)
                    {
                        reports[p.Host.Name] = new HostReport
                        {
                            Host = p.Host.Name,
                            State = HostState.Failed,
                            Ran = ran,
                            Failure = new StepFailure(step.Id, r.ExitCode, redactor.Redact(r.StderrTail()), Hints.For(step, r)),
                        };
                        progress?.Report(new EngineEvent(p.Host.Name, $"failed: {step.Id} (exit {r.ExitCode})"));
                        return;
                    }
                    ran.Add(step.Id);
                }
                reports[p.Host.Name] = new HostReport { Host = p.Host.Name, State = HostState.Converged, Ran = ran };
                progress?.Report(new EngineEvent(p.Host.Name, "reset"));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                reports[p.Host.Name] = new HostReport
                {
                    Host = p.Host.Name,
                    Ran = ran,
                    Message = redactor.Redact(e.Message),
                    State = session is null ? (e is HostKeyMismatchException ? HostState.HostKeyRefused : HostState.Unreachable) : HostState.Failed,
                };
            }
            finally
            {
                if (session is not null)
                {
                    if (locked) await UnlockAsync(plan, session, HostProbe.UnlockScript(options.LockHolder), options);
                    await session.DisposeAsync();
                }
            }
        }
        try
        {
            var workers = programs.Where(p => !p.Host.Has(Roles.ControlPlane) && p.Host.Has(Roles.Worker)).ToList();
            await ForEachAsync(workers, options.Concurrency, ResetHost);
            foreach (var p in programs.Where(p => p.Host.Has(Roles.ControlPlane)).Reverse()) await ResetHost(p);
            foreach (var p in programs.Where(p => !p.Host.Has(Roles.ControlPlane) && !p.Host.Has(Roles.Worker))) await ResetHost(p);
            return new ClusterReport { Hosts = Ordered(programs, reports) };
        }
        finally
        {
            if (clusterLockSession is not null)
            {
                await UnlockAsync(plan, clusterLockSession, ClusterUnlockScript(options.LockHolder), options);
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

    internal static string WireJsonState(ClusterSpec spec, NodeProgram p) => WireJson.Serialize(NodeState.Of(spec, p));

    private static string RecordStateCommand(ClusterSpec spec, NodeProgram p) =>
        $"(umask 077; printf '%s\\n' {Bash.Quote(WireJsonState(spec, p))} > {HostPaths.State}.tmp && mv {HostPaths.State}.tmp {HostPaths.State})";

    private Task<(CommandResult Result, ProbeResult? Probe)> ProbeAsync(IHostSession session, IReadOnlyList<Step> steps, string? holder,
        ConvergeOptions options, string label, CancellationToken ct) =>
        HostProbe.RunAsync(session, steps, holder, options.BreakLock, options.HolderIsGone, options.CommandTimeout, label,
            what => progress?.Report(new EngineEvent(session.Host, what)), ct);

    private async Task<string?> TakeClusterLock(IHostSession session, ConvergeOptions options, CancellationToken ct, string? staleHolder = null)
    {
        var takeOver = options.BreakLock ? $"rm -rf {HostPaths.ClusterLock}"
            : staleHolder is null ? ""
            : $"grep -qxF {Bash.Quote(staleHolder)} {HostPaths.ClusterLock}/holder 2>/dev/null && rm -rf {HostPaths.ClusterLock}";
        var script = $"""
            set -uo pipefail
            mkdir -p {HostPaths.LockDir} && chmod 0700 {HostPaths.LockDir}
            {takeOver}
            if mkdir {HostPaths.ClusterLock} 2>/dev/null; then
              printf '%s\n' {Bash.Quote(options.LockHolder)} > {HostPaths.ClusterLock}/holder
              echo acquired
            else
              echo "held $(( $(date +%s) - $(stat -c %Y {HostPaths.ClusterLock}) )) $(cat {HostPaths.ClusterLock}/holder 2>/dev/null)"
            fi
            """;
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

    /// <summary>Releases a lock; over a new connection when the run's one broke (a lock left behind is taken over or broken by a later run).</summary>
    private async Task UnlockAsync(ClusterPlan plan, IHostSession session, string script, ConvergeOptions options)
    {
        try
        {
            await session.RunAsync(script, null, options.CommandTimeout, "unlock", CancellationToken.None);
            return;
        }
        catch (Exception)
        {
            // The connection broke: try once more below.
        }
        if (plan.Hosts.FirstOrDefault(h => h.Name == session.Host) is not { } host) return;
        await Quietly(async () =>
        {
            await using var fresh = await connect(host, CancellationToken.None);
            await fresh.RunAsync(script, null, options.CommandTimeout, "unlock", CancellationToken.None);
        });
    }

    private static string ClusterUnlockScript(string holder) =>
        $"grep -qxF {Bash.Quote(holder)} {HostPaths.ClusterLock}/holder 2>/dev/null && rm -rf {HostPaths.ClusterLock} || true";

    private static HostReport Pending(string host, HostDecision d) => new()
    {
        Host = host,
        State = HostState.Pending,
        Skipped = d.Skipped,
        Changes = d.Pending.Select(s => new StepChange(s.Step.Id, s.Step.Phase, s.Reason)).ToList(),
    };

    private static List<HostReport> Ordered(IReadOnlyList<NodeProgram> programs, IReadOnlyDictionary<string, HostReport> reports) =>
        programs.Where(p => reports.ContainsKey(p.Host.Name)).Select(p => reports[p.Host.Name]).ToList();

    private static async Task Quietly(Func<Task> action)
    {
        try { await action(); }
        catch (Exception) { /* best effort: the lock or state is reported stale next time */ }
    }

    private static Task ForEachAsync<T>(IEnumerable<T> items, int concurrency, Func<T, Task> body) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency) }, async (item, _) => await body(item));
}
