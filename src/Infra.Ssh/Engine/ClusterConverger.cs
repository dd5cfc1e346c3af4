using System.Collections.Concurrent;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;

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
                    reports[p.Host.Name] = new HostReport
                    {
                        Host = p.Host.Name,
                        State = e.GetType().Name.Contains("HostKey", StringComparison.Ordinal) ? HostState.HostKeyRefused : HostState.Unreachable,
                        Message = redactor.Redact(e.Message),
                    };
                }
            });

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
                        return new ClusterReport { Hosts = Ordered(programs, reports), Refusal = refusal };
                    }
                }
            }

            var decisions = new ConcurrentDictionary<string, HostDecision>(StringComparer.Ordinal);
            await ForEachAsync(programs.Where(p => sessions.ContainsKey(p.Host.Name)), options.Concurrency, async p =>
            {
                var session = sessions[p.Host.Name];
                progress?.Report(new EngineEvent(p.Host.Name, "probing"));
                var probeScript = HostProbe.Script(p.Steps, options.DryRun ? null : options.LockHolder, options.BreakLock);
                var result = await session.RunAsync(probeScript, null, options.CommandTimeout, "probe", ct);
                if (!result.Succeeded)
                {
                    reports[p.Host.Name] = new HostReport
                    {
                        Host = p.Host.Name,
                        State = HostState.Failed,
                        Failure = new StepFailure("probe", result.ExitCode, redactor.Redact(result.StderrTail()), "the host could not run the probe script: is bash installed and /var/lib writable?"),
                    };
                    return;
                }
                var probe = HostProbe.Parse(result.Stdout, p.Steps);
                if (probe.Locked)
                {
                    reports[p.Host.Name] = new HostReport
                    {
                        Host = p.Host.Name,
                        State = HostState.Locked,
                        Message = $"held by {probe.LockHolder} for {probe.LockAgeSeconds} s; if that run is gone, pass --break-lock",
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
                return new ClusterReport { Hosts = Ordered(programs, reports) };
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
                return new ClusterReport { Hosts = Ordered(programs, reports), DryRun = options.DryRun };
            }

            // What would run, with the hosts that already failed to connect or are locked.
            var preview = new Dictionary<string, HostReport>(reports, StringComparer.Ordinal);
            foreach (var (host, d) in decisions)
            {
                preview[host] = d.Pending.Count == 0 ? new HostReport { Host = host, State = HostState.Unchanged, Skipped = d.Skipped } : Pending(host, d);
            }
            if (!confirm(Ordered(programs, preview)))
            {
                return new ClusterReport { Hosts = Ordered(programs, preview), Declined = true };
            }

            await RunWavesAsync(plan, programs, sessions, decisions, reports, options, ct);
            return new ClusterReport { Hosts = Ordered(programs, reports) };
        }
        finally
        {
            foreach (var s in locked)
            {
                await Quietly(() => s.RunAsync(HostProbe.UnlockScript(options.LockHolder), null, options.CommandTimeout, "unlock", CancellationToken.None));
            }
            if (clusterLockSession is not null)
            {
                await Quietly(() => clusterLockSession.RunAsync(ClusterUnlockScript(options.LockHolder), null, options.CommandTimeout, "cluster unlock", CancellationToken.None));
            }
            foreach (var s in sessions.Values) await s.DisposeAsync();
            if (clusterLockSession is not null && !sessions.Values.Contains(clusterLockSession)) await clusterLockSession.DisposeAsync();
        }
    }

    private async Task<IHostSession?> TryConnect(PlannedHost host, CancellationToken ct)
    {
        try { return await connect(host, ct); }
        catch (Exception e) when (e is not OperationCanceledException) { return null; }
    }

    private async Task RunWavesAsync(ClusterPlan plan, IReadOnlyList<NodeProgram> programs, ConcurrentDictionary<string, IHostSession> sessions,
        ConcurrentDictionary<string, HostDecision> decisions, ConcurrentDictionary<string, HostReport> reports, ConvergeOptions options, CancellationToken ct)
    {
        var ran = new ConcurrentDictionary<string, ConcurrentQueue<string>>(StringComparer.Ordinal);
        var failed = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        foreach (var host in reports.Keys) failed[host] = reports[host].State.ToString().ToLowerInvariant();
        JoinCredentials? credentials = null;
        var first = plan.Hosts.FirstOrDefault(h => h.Has(Roles.ControlPlane));

        bool Runnable(NodeProgram p, Phase phase) =>
            decisions.TryGetValue(p.Host.Name, out var d) && !failed.ContainsKey(p.Host.Name) && d.Pending.Any(s => s.Step.Phase == phase);

        async Task RunHostPhase(NodeProgram p, Phase phase)
        {
            var d = decisions[p.Host.Name];
            var session = sessions[p.Host.Name];
            foreach (var (step, _) in d.Pending.Where(s => s.Step.Phase == phase))
            {
                ct.ThrowIfCancellationRequested();
                progress?.Report(new EngineEvent(p.Host.Name, step.Id));
                foreach (var f in step.Files)
                {
                    await session.UploadAsync(f.Path, f.Content, Convert.ToInt32(f.Mode, 8), ct);
                }
                var env = step.RuntimeInputs.Count > 0 && credentials is not null ? credentials.EnvironmentFor(step.RuntimeInputs) : null;
                var script = $"set -euo pipefail\n{Shell.Nested(step.Script, "STEP")}\n{Journal.AppendCommand(step.Id, step.InputHash)}\n";
                var result = await session.RunAsync(script, env, options.CommandTimeout, step.Id, ct);
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
        }

        async Task Guarded(NodeProgram p, Phase phase)
        {
            try { await RunHostPhase(p, phase); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed[p.Host.Name] = phase.Name();
                reports[p.Host.Name] = new HostReport
                {
                    Host = p.Host.Name,
                    State = HostState.Failed,
                    Ran = [.. ran.GetOrAdd(p.Host.Name, _ => new())],
                    Failure = new StepFailure(phase.Name(), -1, redactor.Redact(e.Message), "the connection failed mid-step; the next apply resumes at this step"),
                };
            }
        }

        void Block(IEnumerable<NodeProgram> hosts, Phase phase, string why)
        {
            foreach (var p in hosts.Where(h => Runnable(h, phase)))
            {
                failed[p.Host.Name] = why;
                reports[p.Host.Name] = new HostReport { Host = p.Host.Name, State = HostState.Blocked, Message = why, Ran = [.. ran.GetOrAdd(p.Host.Name, _ => new())] };
            }
        }

        // prepare: every host at once (bounded).
        await ForEachAsync(programs.Where(p => Runnable(p, Phase.Prepare)), options.Concurrency, p => Guarded(p, Phase.Prepare));

        // etcd: one membership change at a time.
        foreach (var p in programs.Where(p => p.Host.Has(Roles.Etcd)))
        {
            if (Runnable(p, Phase.Etcd)) await Guarded(p, Phase.Etcd);
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
            Block(joiners, Phase.ControlPlane, $"waits for the first control plane {first!.Name}, which failed or is unreachable");
            Block(joiners, Phase.Workers, $"waits for the first control plane {first!.Name}, which failed or is unreachable");
            return;
        }
        IHostSession? firstSession = first is null ? null : sessions.GetValueOrDefault(first.Name);
        if (needCredentials && firstSession is not null)
        {
            credentials = JoinCredentials.Create();
            redactor.Add(credentials.Token);
            redactor.Add(credentials.CertificateKey);
            progress?.Report(new EngineEvent(first!.Name, "creating a join token (15 min)"));
            var r = await firstSession.RunAsync(JoinCredentials.RegisterScript, credentials.Environment, options.CommandTimeout, "join credentials", ct);
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
                await Quietly(() => firstSession.RunAsync(JoinCredentials.DeleteScript, credentials.Environment, options.CommandTimeout, "delete join credentials", CancellationToken.None));
            }
        }

        // workloads: from the first control plane, once the cluster is up.
        if (firstProgram is not null && Runnable(firstProgram, Phase.Workloads)) await Guarded(firstProgram, Phase.Workloads);

        // Record what each finished host was bootstrapped with, so that later applies can refuse unsafe changes.
        await ForEachAsync(programs.Where(p => decisions.ContainsKey(p.Host.Name) && !failed.ContainsKey(p.Host.Name)), options.Concurrency, async p =>
        {
            var state = WireJsonState(plan.Spec, p);
            await Quietly(() => sessions[p.Host.Name].RunAsync(
                $"umask 077; printf '%s\\n' {Shell.Quote(state)} > {HostPaths.State}.tmp && mv {HostPaths.State}.tmp {HostPaths.State}",
                null, options.CommandTimeout, "record state", ct));
            var d = decisions[p.Host.Name];
            var didRun = ran.TryGetValue(p.Host.Name, out var q) ? q.ToList() : [];
            reports[p.Host.Name] = new HostReport
            {
                Host = p.Host.Name,
                State = didRun.Count == 0 ? HostState.Unchanged : HostState.Converged,
                Ran = didRun,
                Skipped = d.Skipped,
                Changes = d.Pending.Select(s => new StepChange(s.Step.Id, s.Step.Phase, s.Reason)).ToList(),
            };
        });
    }

    internal static string WireJsonState(ClusterSpec spec, NodeProgram p) => WireJson.Serialize(NodeState.Of(spec, p));

    private async Task<string?> TakeClusterLock(IHostSession session, ConvergeOptions options, CancellationToken ct)
    {
        var script = $"""
            set -uo pipefail
            mkdir -p {HostPaths.Dir} && chmod 0700 {HostPaths.Dir}
            {(options.BreakLock ? $"rm -rf {HostPaths.ClusterLock}" : "")}
            if mkdir {HostPaths.ClusterLock} 2>/dev/null; then
              printf '%s\n' {Shell.Quote(options.LockHolder)} > {HostPaths.ClusterLock}/holder
              echo acquired
            else
              echo "held $(( $(date +%s) - $(stat -c %Y {HostPaths.ClusterLock}) )) $(cat {HostPaths.ClusterLock}/holder 2>/dev/null)"
            fi
            """;
        var r = await session.RunAsync(script, null, options.CommandTimeout, "cluster lock", ct);
        var line = r.Stdout.Trim();
        if (line == "acquired") return null;
        var parts = line.Split(' ', 3);
        return parts.Length == 3
            ? $"another apply holds the cluster lock on {session.Host}: {parts[2]} (for {parts[1]} s); wait for it, or pass --break-lock if that run is gone"
            : $"could not take the cluster lock on {session.Host}: {redactor.Redact(r.StderrTail(5))}";
    }

    private static string ClusterUnlockScript(string holder) =>
        $"grep -qxF {Shell.Quote(holder)} {HostPaths.ClusterLock}/holder 2>/dev/null && rm -rf {HostPaths.ClusterLock} || true";

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
