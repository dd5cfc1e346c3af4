using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Ssh.Engine;

/// <summary>Why a host's run stopped, as a value: what the engine reports and what the provider throws.</summary>
public abstract record HostStop
{
    private HostStop() { }

    /// <summary>Could not connect, or the host key did not match the pin.</summary>
    public sealed record Unreachable(string Message, bool HostKeyRefused) : HostStop;

    /// <summary>Another run holds the host's lock.</summary>
    public sealed record Locked(string Holder, long AgeSeconds) : HostStop;

    /// <summary>The probe or a step failed (exit code, stderr tail, or the check line that did not hold).</summary>
    public sealed record Failed(StepFailure Failure) : HostStop;

    /// <summary>Waits for an earlier phase or another host that is not done.</summary>
    public sealed record Blocked(string Why) : HostStop;

    /// <summary>A change that needs a procedure.</summary>
    public sealed record Refused(IReadOnlyList<NodeChangeRefusal> Refusals) : HostStop;

    public HostRunException ToException(string host) => this switch
    {
        Unreachable u => new HostUnreachableException(host, u.Message, u.HostKeyRefused),
        Locked l => new HostLockedException(host, l.Holder, l.AgeSeconds),
        Failed f => new StepFailedException(host, f.Failure),
        Blocked b => new HostBlockedException(host, b.Why),
        Refused r => new HostBlockedException(host, "refused: " + string.Join("; ", r.Refusals.Select(x => x.Message))),
        _ => throw new InvalidOperationException(GetType().Name),
    };
}

/// <summary>
/// One host's run: its program, its open session, whether it holds the host lock, what the probe found, the decision,
/// the steps that ran and, once it stopped, why. Each host's run changes only its own state.
/// </summary>
public sealed class HostRunState(NodeProgram program)
{
    private readonly List<string> _ran = [];

    public NodeProgram Program { get; } = program;
    public string Host => Program.Host.Name;
    public IHostSession? Session { get; internal set; }
    public bool HoldsLock { get; internal set; }
    public ProbeResult? Probe { get; internal set; }
    public HostDecision? Decision { get; internal set; }
    public IReadOnlyList<string> Ran => _ran;
    /// <summary>The step running now (the one a broken connection is blamed on).</summary>
    public string? Running { get; private set; }
    public HostStop? Stop { get; internal set; }
    /// <summary>Set for a host that is only read (the first control plane outside --hosts): what the report says.</summary>
    public string? ReadMessage { get; internal set; }
    /// <summary>The upgrade actions this node still needs (some run on the first control plane), before its own pending steps.</summary>
    public IReadOnlyList<StepChange> UpgradeChanges { get; internal set; } = [];

    /// <summary>The host has not stopped and has steps of <paramref name="phase"/> to run.</summary>
    public bool Runnable(Phase phase) => Runnable(s => s.Phase == phase);

    /// <summary>Whether the host can run and has pending steps that <paramref name="runs"/> selects (a wave's steps).</summary>
    public bool Runnable(Func<Step, bool> runs) => Stop is null && Decision is { } d && d.Pending.Any(s => runs(s.Step));

    internal void Started(string step) => Running = step;

    internal void Finished(string step)
    {
        _ran.Add(step);
        Running = null;
    }

    /// <summary>
    /// What the host's report says now: its stop, that it was only read, or (given a decision) what is pending
    /// (<paramref name="ran"/> false) or what the run did. Null when there is nothing to say yet.
    /// </summary>
    public HostReport? Report(bool ran)
    {
        if (Stop is { } stop) return StopReport(stop);
        if (ReadMessage is { } read) return new HostReport { Host = Host, State = HostState.Read, Message = read };
        if (Decision is not { } d) return null;
        if (ran)
        {
            return new HostReport
            {
                Host = Host,
                State = _ran.Count == 0 ? HostState.Unchanged : HostState.Converged,
                Ran = [.. _ran],
                Skipped = d.Skipped,
                Changes = [.. UpgradeChanges, .. d.Changes],
            };
        }
        return d.Pending.Count == 0 && UpgradeChanges.Count == 0 ? new HostReport { Host = Host, State = HostState.Unchanged, Skipped = d.Skipped } : PendingReport();
    }

    /// <summary>What would run (also when nothing would).</summary>
    public HostReport PendingReport() => new()
    {
        Host = Host,
        State = HostState.Pending,
        Skipped = Decision?.Skipped ?? 0,
        Changes = [.. UpgradeChanges, .. Decision?.Changes ?? []],
    };

    private HostReport StopReport(HostStop stop) => stop switch
    {
        HostStop.Unreachable u => new HostReport { Host = Host, State = u.HostKeyRefused ? HostState.HostKeyRefused : HostState.Unreachable, Message = u.Message },
        HostStop.Locked l => new HostReport { Host = Host, State = HostState.Locked, Message = LockedMessage(l.Holder, l.AgeSeconds) },
        HostStop.Failed f => new HostReport { Host = Host, State = HostState.Failed, Ran = [.. _ran], Failure = f.Failure },
        HostStop.Blocked b => new HostReport { Host = Host, State = HostState.Blocked, Ran = [.. _ran], Message = b.Why },
        HostStop.Refused r => new HostReport { Host = Host, State = HostState.Refused, Ran = [.. _ran], Refusals = r.Refusals },
        _ => throw new InvalidOperationException(stop.GetType().Name),
    };

    internal static string LockedMessage(string holder, long ageSeconds) =>
        $"held by {holder} for {ageSeconds} s; if that run is gone, pass --break-lock";
}

/// <summary>
/// The per-host protocol shared by the cluster engine and the provider: connect, lock and probe (one round trip),
/// decide, run each pending step with its check verified and its journal line written in the same round trip, unlock.
/// Nothing is thrown for what a host does: it lands in <see cref="HostRunState.Stop"/>.
/// </summary>
/// <param name="spec">The stack: refusals and the node's state record. Null for the provider (it refuses in its Check and keeps state in Pulumi).</param>
public sealed class HostRun(HostSessionFactory connect, Redactor redactor, ConvergeOptions options, ClusterSpec? spec, IProgress<EngineEvent>? progress = null)
{
    public ConvergeOptions Options => options;

    public async Task<bool> ConnectAsync(HostRunState state, CancellationToken ct)
    {
        try
        {
            Report(state, "connecting");
            state.Session = await connect(state.Program.Host, ct);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var keyRefused = e is HostKeyMismatchException;
            state.Stop = new HostStop.Unreachable(redactor.Redact(e.Message), keyRefused);
            Report(state, keyRefused ? "failed: host key refused" : "failed: unreachable");
            return false;
        }
    }

    /// <summary>
    /// Probes the host (journal, state record, checks) and, with <paramref name="takeLock"/>, takes its lock in the same
    /// round trip; a lock left by a run of this machine that has ended is taken over (<see cref="ConvergeOptions.HolderIsGone"/>).
    /// </summary>
    /// <param name="checks">False: journal and lock only (a reset decides nothing from checks).</param>
    public async Task<bool> ProbeAsync(HostRunState state, bool takeLock, CancellationToken ct, string label = "probe", bool checks = true)
    {
        var session = state.Session ?? throw new InvalidOperationException($"host {state.Host} is not connected");
        Report(state, "probing");
        var (result, probe) = await HostProbe.RunAsync(session, checks ? state.Program.Steps : [], takeLock ? options.LockHolder : null, options.BreakLock,
            options.HolderIsGone, options.CommandTimeout, label, what => Report(state, what), ct);
        if (probe is null)
        {
            state.Stop = new HostStop.Failed(new StepFailure("probe", result.ExitCode, redactor.Redact(result.StderrTail()),
                "the host could not run the probe script: is bash installed and /var/lib writable?"));
            return false;
        }
        if (probe.Locked)
        {
            state.Stop = new HostStop.Locked(probe.LockHolder ?? "unknown", probe.LockAgeSeconds);
            return false;
        }
        state.Probe = probe;
        state.HoldsLock = takeLock;
        return true;
    }

    /// <summary>Decides from the probe what must run; a host whose selected phase waits for an undone one is blocked.</summary>
    public bool Decide(HostRunState state, IReadOnlySet<Phase> phases)
    {
        var decision = HostDecision.Decide(spec, state.Program, state.Probe ?? throw new InvalidOperationException($"host {state.Host} is not probed"), phases);
        state.Decision = decision;
        if (decision.Blocked is null) return true;
        state.Stop = new HostStop.Blocked(decision.Blocked);
        return false;
    }

    /// <summary>Stops a host that waits for something that will not happen in this run.</summary>
    public void Block(HostRunState state, string why)
    {
        state.Stop = new HostStop.Blocked(why);
        Report(state, "blocked: " + why);
    }

    /// <summary>
    /// Runs the host's pending steps of one phase, in order, each verified by its check; stops at the first failure
    /// (also a broken connection or a timeout). <paramref name="environment"/> gives a step its apply-time values.
    /// </summary>
    /// <returns>True when every step of the phase succeeded.</returns>
    public Task<bool> RunPhaseAsync(HostRunState state, Phase phase, Func<Step, IReadOnlyDictionary<string, string>?>? environment, CancellationToken ct) =>
        RunPhaseAsync(state, phase, s => s.Phase == phase, environment, ct);

    /// <summary>The host's pending steps of <paramref name="phase"/> that <paramref name="runs"/> selects (a wave's steps), in order.</summary>
    public async Task<bool> RunPhaseAsync(HostRunState state, Phase phase, Func<Step, bool> runs, Func<Step, IReadOnlyDictionary<string, string>?>? environment,
        CancellationToken ct)
    {
        if (state.Stop is not null) return false;
        foreach (var (step, _) in state.Decision?.Pending.Where(s => s.Step.Phase == phase && runs(s.Step)) ?? [])
        {
            if (!await RunStepAsync(state, step, environment?.Invoke(step), ct)) return false;
        }
        Report(state, $"{phase.Name()} done");
        return true;
    }

    /// <summary>Runs one step: upload, script, check, journal line (and the node's state record for a bootstrap step).</summary>
    public async Task<bool> RunStepAsync(HostRunState state, Step step, IReadOnlyDictionary<string, string>? env, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var session = state.Session ?? throw new InvalidOperationException($"host {state.Host} is not connected");
        state.Started(step.Id);
        Report(state, step.Id);
        // A node that bootstraps records its settings with the step itself: a run cut off right after it must not
        // leave a live node without the record that refuses unsafe changes.
        var record = spec is not null && step.Phase is Phase.Etcd or Phase.ControlPlane or Phase.Workers ? RecordStateCommand(spec, state.Program) : null;
        CommandResult result;
        try
        {
            result = await StepRunner.RunAsync(session, step, env, options.BundleDirectory, options.CommandTimeout, ct, record);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var message = redactor.Redact(e.Message);
            state.Stop = new HostStop.Failed(new StepFailure(step.Id, -1, message,
                e is SshCommandTimeoutException
                    ? $"the step ran longer than ssh.commandTimeoutSeconds and was stopped; the next apply resumes at {step.Id}"
                    : $"the connection failed during the step; the next apply resumes at {step.Id}"));
            Report(state, $"failed: {step.Id} ({message})");
            return false;
        }
        if (result.Succeeded)
        {
            state.Finished(step.Id);
            return true;
        }
        var (check, stderr) = CheckTrace.Find(result.Stderr, step.Check);
        var tail = redactor.Redact(string.Join('\n', stderr.TrimEnd('\n').Split('\n').TakeLast(15)));
        state.Stop = new HostStop.Failed(check is null
            ? new StepFailure(step.Id, result.ExitCode, tail, Hints.For(step, result))
            : new StepFailure(step.Id, result.ExitCode, tail,
                $"the script exited 0 but the step's check does not hold ({check.Describe()}); fix the cause, then run apply again: it resumes at {step.Id}", check));
        Report(state, check is null ? $"failed: {step.Id} (exit {result.ExitCode})" : $"failed: {step.Id} (check {check.Describe()})");
        return false;
    }

    /// <summary>Runs the host's reset steps, whatever its journal says (they are idempotent and journal nothing).</summary>
    public async Task<bool> RunResetAsync(HostRunState state, CancellationToken ct)
    {
        var session = state.Session ?? throw new InvalidOperationException($"host {state.Host} is not connected");
        foreach (var step in state.Program.Steps.Where(s => s.Phase == Phase.Reset))
        {
            state.Started(step.Id);
            Report(state, step.Id);
            CommandResult r;
            try
            {
                await StepRunner.UploadAsync(session, step, options.BundleDirectory, ct);
                r = await session.RunAsync(step.Script, null, options.CommandTimeout, step.Id, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var message = redactor.Redact(e.Message);
                state.Stop = new HostStop.Failed(new StepFailure(step.Id, -1, message, $"the connection failed during the step; run reset again"));
                Report(state, $"failed: {step.Id} ({message})");
                return false;
            }
            if (!r.Succeeded)
            {
                state.Stop = new HostStop.Failed(new StepFailure(step.Id, r.ExitCode, redactor.Redact(r.StderrTail()), Hints.For(step, r)));
                Report(state, $"failed: {step.Id} (exit {r.ExitCode})");
                return false;
            }
            state.Finished(step.Id);
        }
        return true;
    }

    /// <summary>Releases the host lock if the run holds it; over a new connection when the run's one broke.</summary>
    public async Task UnlockAsync(HostRunState state)
    {
        if (!state.HoldsLock || state.Session is not { } session) return;
        state.HoldsLock = false;
        await ReleaseAsync(state.Program.Host, session, HostProbe.UnlockScript(options.LockHolder));
    }

    /// <summary>Runs an unlock script; when the session's connection broke, once more over a fresh one (a lock left behind is taken over or broken by a later run).</summary>
    internal async Task ReleaseAsync(PlannedHost host, IHostSession session, string script)
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
        try
        {
            await using var fresh = await connect(host, CancellationToken.None);
            await fresh.RunAsync(script, null, options.CommandTimeout, "unlock", CancellationToken.None);
        }
        catch (Exception)
        {
            // Best effort: the lock is reported (and taken over or broken) next time.
        }
    }

    internal static string RecordStateCommand(ClusterSpec spec, NodeProgram p) =>
        $"(umask 077; printf '%s\\n' {Bash.Quote(ClusterConverger.WireJsonState(spec, p))} > {HostPaths.State}.tmp && mv {HostPaths.State}.tmp {HostPaths.State})";

    private void Report(HostRunState state, string what) => progress?.Report(new EngineEvent(state.Host, what));
}
