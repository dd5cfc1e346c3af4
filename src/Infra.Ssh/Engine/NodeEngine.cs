using System.Security.Cryptography;
using System.Text;
using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh.Etcd;

namespace Infra.Ssh.Engine;

/// <summary>What converging one node did.</summary>
public sealed record NodeRunResult(IReadOnlyList<string> Ran, IReadOnlyList<string> Skipped, string? AdminKubeconfig);

/// <summary>
/// One host at a time, for the Pulumi provider (the Pulumi engine orders the hosts): the same probe, journal and
/// decisions as <see cref="ClusterConverger"/>, under the host's own lock only. A joining host gets its join token
/// from the first control plane named by the caller; the token is deleted after the join.
/// </summary>
public sealed class NodeEngine : IDisposable
{
    private readonly Redactor _redactor = new();
    private readonly string _keyDir = Directory.CreateTempSubdirectory("infra-provider-").FullName;
    private readonly Lock _keyLock = new();
    private static readonly Phase[] ApplyPhases = [Phase.Prepare, Phase.Etcd, Phase.ControlPlane, Phase.Workers, Phase.Workloads];
    /// <summary>How hosts are reached: SSH with the connection's key, or (tests) in-memory hosts.</summary>
    private readonly HostSessionFactory? _sessions;

    public NodeEngine()
    {
    }

    /// <summary>An engine that reaches hosts through <paramref name="sessions"/> (the engine tests' in-memory hosts).</summary>
    internal NodeEngine(HostSessionFactory sessions) => _sessions = sessions;

    /// <exception cref="HostUnreachableException">The host (or the first control plane) could not be reached.</exception>
    /// <exception cref="HostLockedException">Another run holds the host's lock.</exception>
    /// <exception cref="HostBlockedException">The host waits for something not done (or joins without a first control plane).</exception>
    /// <exception cref="StepFailedException">The probe, a step, a step's check after it ran, or the join credentials failed.</exception>
    /// <param name="restarts">What restarts the users of the node's certificates (Core's <c>CertificateRenewalPlan.RestartsOf</c>),
    /// run after its placing steps placed renewed certificates (see <see cref="RunRestartsAsync"/>).</param>
    /// <param name="kubeletSlot">A worker's slot for its kubelet configuration change (Core's <see cref="KubeletSettingsSlots.For"/>),
    /// held on <paramref name="joinVia"/> around that step (see <see cref="RunKubeletSettingsInSlotAsync"/>).</param>
    public async Task<NodeRunResult> ApplyAsync(NodeProgram program, PlannedHost? joinVia, NodeConnection connection, CancellationToken ct,
        IReadOnlyList<Step>? restarts = null, WorkerSlot? kubeletSlot = null)
    {
        var timeout = TimeSpan.FromSeconds(connection.CommandTimeoutSeconds);
        var run = Run(connection);
        var state = new HostRunState(program);
        try
        {
            // A provider killed with the engine (pulumi cancelled hard) left its lock: this machine can tell it is gone.
            if (!await run.ConnectAsync(state, ct) || !await run.ProbeAsync(state, takeLock: true, ct) || !run.Decide(state, ApplyPhases.ToHashSet()))
            {
                throw state.Stop!.ToException(program.Host.Name);
            }
            var decision = state.Decision!;
            JoinCredentials? credentials = null;
            IHostSession? joinSession = null;
            try
            {
                if (decision.Pending.Any(p => p.Step.RuntimeInputs.Any(i => i is JoinCredentials.TokenInput or JoinCredentials.CertificateKeyInput)))
                {
                    if (joinVia is null) throw new HostBlockedException(program.Host.Name, "joins a cluster but no first control plane was named");
                    joinSession = await ConnectOrUnreachable(joinVia, connection, ct);
                    var certificates = decision.Pending.Any(p => p.Step.RuntimeInputs.Contains(JoinCredentials.CertificateKeyInput));
                    (credentials, var r) = await StepRunner.RegisterJoinCredentialsAsync(joinSession, certificates, _redactor, timeout, ct);
                    if (!r.Succeeded)
                    {
                        throw new StepFailedException(joinVia.Name, new StepFailure("join credentials", r.ExitCode, _redactor.Redact(r.StderrTail(5)),
                            $"could not create join credentials on {joinVia.Name}"));
                    }
                }
                foreach (var (step, _) in decision.Pending)
                {
                    if (step.RuntimeInputs.Contains(EtcdMembers.StartInput))
                    {
                        // An external etcd member: the coordinator makes its membership change around the step.
                        await new EtcdMembershipCoordinator(Connect(connection), _redactor, null, timeout).ConvergeOneAsync(program, state.Session!,
                            async env => await run.RunStepAsync(state, step, env, ct) ? true : throw state.Stop!.ToException(program.Host.Name), ct);
                        continue;
                    }
                    if (kubeletSlot is not null && KubeletSettingsSlots.Holds(program, step, state.Probe!.Journal.Keys))
                    {
                        await RunKubeletSettingsInSlotAsync(run, state, step, joinVia, kubeletSlot, connection, ct);
                        continue;
                    }
                    var env = credentials is null || step.RuntimeInputs.Count == 0 ? null : credentials.EnvironmentFor(step.RuntimeInputs);
                    if (!await run.RunStepAsync(state, step, env, ct)) throw state.Stop!.ToException(program.Host.Name);
                }
                if (restarts is { Count: > 0 }) await RunRestartsAsync(run, state, restarts, ct);
                string? kubeconfig = null;
                // The host that initializes the cluster hands out its admin kubeconfig (the plan says which host that is).
                if (program.InitializesCluster)
                {
                    var k = await state.Session!.RunAsync($"set -euo pipefail\ncat {HostPaths.AdminConf}\n", null, timeout, "read admin.conf", ct);
                    kubeconfig = k.Succeeded ? k.Stdout : throw new StepFailedException(program.Host.Name,
                        new StepFailure("read admin.conf", k.ExitCode, _redactor.Redact(k.StderrTail(5)), "no admin kubeconfig after init"));
                }
                var ran = state.Ran.ToList();
                var skipped = program.Steps.Where(s => s.Phase != Phase.Reset).Select(s => s.Id).Except(ran).ToList();
                return new NodeRunResult(ran, skipped, kubeconfig);
            }
            finally
            {
                if (joinSession is not null)
                {
                    if (credentials is not null) await StepRunner.DeleteJoinCredentialsAsync(joinSession, credentials, timeout);
                    await joinSession.DisposeAsync();
                }
            }
        }
        finally
        {
            await run.UnlockAsync(state);
            if (state.Session is not null) await state.Session.DisposeAsync();
        }
    }

    /// <summary>
    /// One node's part of a Kubernetes upgrade (<see cref="UpgradePlanner.ForNode"/>), for the provider's Update when the
    /// version moved: each action through the host run on the host it belongs to (the node itself, or
    /// <paramref name="firstControlPlane"/> for the preflight, the drain and the uncordon), journaled there with the
    /// target version in its inputs, so an Update run again skips what is done and resumes at the first action not
    /// done (a node a stopped run left cordoned is uncordoned once its upgrade completes). The node's own lock is held
    /// throughout; the first control plane's is not taken (a batch's drains run side by side there). The node's
    /// state at the new version is the resource's, which the provider returns once this has finished.
    /// </summary>
    /// <returns>The ids of the actions that ran (empty when every one was done already).</returns>
    /// <exception cref="HostUnreachableException">The node or the first control plane could not be reached.</exception>
    /// <exception cref="HostLockedException">Another run holds the node's lock.</exception>
    /// <exception cref="StepFailedException">An action failed (a drain that cannot finish names the pods it could not evict); the node stays as it is.</exception>
    /// <param name="firstControlPlane">Where the node's drain and uncordon run; an external etcd member names itself (its
    /// etcd upgrade runs on it only, before any control plane's).</param>
    /// <param name="slot">A worker's slot (<see cref="UpgradePlanner.WorkerSlotFor"/>): held on the first control plane from
    /// its first change to its uncordon, so the workers the Pulumi engine updates side by side go in batches.</param>
    public async Task<IReadOnlyList<string>> UpgradeAsync(NodeProgram program, PlannedHost firstControlPlane, IReadOnlyList<UpgradeAction> actions,
        NodeConnection connection, CancellationToken ct, WorkerSlot? slot = null)
    {
        var run = Run(connection);
        var node = new HostRunState(program);
        var onFirst = program.Host.Name == firstControlPlane.Name
            ? node
            : new HostRunState(new NodeProgram { Host = firstControlPlane, Steps = [] });
        var ran = new List<string>();
        try
        {
            if (!await run.ConnectAsync(node, ct) || !await run.ProbeAsync(node, takeLock: true, ct, checks: false))
            {
                throw node.Stop!.ToException(program.Host.Name);
            }
            if (onFirst != node && actions.Any(a => a.Host == firstControlPlane.Name)
                && (!await run.ConnectAsync(onFirst, ct) || !await run.ProbeAsync(onFirst, takeLock: false, ct, checks: false)))
            {
                throw onFirst.Stop!.ToException(firstControlPlane.Name);
            }
            var timeout = TimeSpan.FromSeconds(connection.CommandTimeoutSeconds);
            var holding = false;
            foreach (var action in actions)
            {
                var where = action.Host == program.Host.Name ? node : action.Host == firstControlPlane.Name ? onFirst
                    : throw new ArgumentException($"action {action.Step.Id} runs on {action.Host}, neither {program.Host.Name} nor the first control plane", nameof(actions));
                if (where.Probe!.Journal.TryGetValue(action.Step.Id, out var entry) && entry.InputHash == action.Step.InputHash) continue;
                if (slot is not null && !holding && action.Step.Id != UpgradePlanner.RequirementsStep)
                {
                    await ClaimSlotAsync(onFirst.Session!, firstControlPlane.Name, slot, timeout, ct);
                    holding = true;
                }
                // The action runs on its host but belongs to this node: its journal line lands there, its failure here.
                var proxy = new HostRunState(program) { Session = where.Session };
                if (!await run.RunStepAsync(proxy, action.Step, null, ct))
                {
                    if (holding) await MarkSlotFailedAsync(run, onFirst, slot!, timeout);
                    throw proxy.Stop!.ToException(program.Host.Name);
                }
                ran.Add(action.Step.Id);
            }
            // Also a slot a stopped run left after the uncordon.
            if (slot is not null && onFirst.Session is not null) await RunSlotAsync(onFirst.Session, firstControlPlane.Name, slot.Release, "release", timeout, ct);
            return ran;
        }
        finally
        {
            await run.UnlockAsync(node);
            if (node.Session is not null) await node.Session.DisposeAsync();
            if (onFirst != node && onFirst.Session is not null) await onFirst.Session.DisposeAsync();
        }
    }

    /// <summary>
    /// After a node's certificates were placed again (a renewal, or new SANs), what uses them is restarted, each behind
    /// its health gate, and journaled with the placing step's inputs: a restart cut short runs on the next Update. On a
    /// node whose certificates were placed for the first time (a new node, or one an earlier release made) the services
    /// started on them already: its restarts are recorded done without running.
    /// </summary>
    private static async Task RunRestartsAsync(HostRun run, HostRunState state, IReadOnlyList<Step> restarts, CancellationToken ct)
    {
        var before = state.Probe!.Journal;
        var replaced = state.Decision!.Pending.Any(p => CertificateRenewalPlan.PlacingSteps.Contains(p.Step.Id) && before.ContainsKey(p.Step.Id));
        foreach (var restart in restarts)
        {
            if (before.TryGetValue(restart.Id, out var done) && done.InputHash == restart.InputHash) continue;
            // Same id and input hash, nothing to run: the journal line alone.
            var step = replaced || done is not null ? restart : restart with { Script = Step.Header + ":\n", Check = null };
            if (!await run.RunStepAsync(state, step, null, ct)) throw state.Stop!.ToException(state.Host);
        }
    }

    /// <summary>
    /// A live worker's kubelet configuration change, one worker at a time although the Pulumi engine updates the workers
    /// side by side: the slot is claimed on the first control plane, the step runs (it returns once the kubelet restarted
    /// and the node is Ready again) and the slot is given back; a failed step marks the slot failed, so the other workers
    /// stop until this one's change completes.
    /// </summary>
    private async Task RunKubeletSettingsInSlotAsync(HostRun run, HostRunState state, Step step, PlannedHost? first, WorkerSlot slot,
        NodeConnection connection, CancellationToken ct)
    {
        if (first is null) throw new HostBlockedException(state.Host, "restarts its kubelet one worker at a time but no first control plane was named");
        var timeout = TimeSpan.FromSeconds(connection.CommandTimeoutSeconds);
        var session = await ConnectOrUnreachable(first, connection, ct);
        await using (session)
        {
            await ClaimSlotAsync(session, first.Name, slot, timeout, ct);
            if (!await run.RunStepAsync(state, step, null, ct))
            {
                await MarkSlotFailedAsync(run, new HostRunState(new NodeProgram { Host = first, Steps = [] }) { Session = session }, slot, timeout);
                throw state.Stop!.ToException(state.Host);
            }
            await RunSlotAsync(session, first.Name, slot.Release, "release", timeout, ct);
        }
    }

    /// <summary>How long a worker waits between two claims of a slot (the engine tests shorten it).</summary>
    internal TimeSpan SlotPoll { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Waits for a slot: tries again while every one is held, up to the slot's wait; stops when another worker's upgrade failed.</summary>
    private async Task ClaimSlotAsync(IHostSession first, string firstName, WorkerSlot slot, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + slot.Wait;
        while (true)
        {
            var r = await first.RunAsync(slot.Claim, null, timeout, "worker slot: claim", ct);
            if (r.Succeeded) return;
            if (r.ExitCode != UpgradePlanner.SlotBusyExit)
            {
                throw new StepFailedException(firstName, new StepFailure("worker slot", r.ExitCode, _redactor.Redact(r.StderrTail(5)),
                    r.ExitCode == UpgradePlanner.SlotStoppedExit ? slot.Stopped : "could not claim a worker slot"));
            }
            if (DateTime.UtcNow + SlotPoll > deadline)
            {
                throw new StepFailedException(firstName, new StepFailure("worker slot", r.ExitCode, _redactor.Redact(r.Stdout.Trim()),
                    $"no worker slot came free within {slot.Wait.TotalMinutes:0} minutes"));
            }
            await Task.Delay(SlotPoll, ct);
        }
    }

    /// <summary>
    /// Best effort: the node's own failure is what the caller reports. A slot left running makes the other workers wait
    /// until their bound, so when the connection to the first control plane broke a fresh one marks it.
    /// </summary>
    private static async Task MarkSlotFailedAsync(HostRun run, HostRunState onFirst, WorkerSlot slot, TimeSpan timeout)
    {
        try
        {
            await onFirst.Session!.RunAsync(slot.Fail, null, timeout, "worker slot: fail", CancellationToken.None);
            return;
        }
        catch (SshTransportException)
        {
        }
        var fresh = new HostRunState(onFirst.Program);
        try
        {
            if (await run.ConnectAsync(fresh, CancellationToken.None))
            {
                await fresh.Session!.RunAsync(slot.Fail, null, timeout, "worker slot: fail", CancellationToken.None);
            }
        }
        catch (SshTransportException)
        {
        }
        finally
        {
            if (fresh.Session is not null) await fresh.Session.DisposeAsync();
        }
    }

    private async Task RunSlotAsync(IHostSession first, string firstName, string script, string action, TimeSpan timeout, CancellationToken ct)
    {
        var r = await first.RunAsync(script, null, timeout, "worker slot: " + action, ct);
        if (!r.Succeeded) throw new StepFailedException(firstName, new StepFailure("worker slot", r.ExitCode, _redactor.Redact(r.StderrTail(5)), $"could not {action} the worker slot"));
    }

    /// <summary>Runs the host's reset steps, whatever its journal says (they are idempotent).</summary>
    /// <exception cref="StepFailedException">A reset step failed.</exception>
    public async Task ResetAsync(NodeProgram program, NodeConnection connection, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(connection.CommandTimeoutSeconds);
        var run = Run(connection);
        var state = new HostRunState(program);
        if (!await run.ConnectAsync(state, ct)) throw state.Stop!.ToException(program.Host.Name);
        await using var session = state.Session!;
        // An external etcd member leaves the member list first, so the others do not count a wiped voter.
        await new EtcdMembershipCoordinator(Connect(connection), _redactor, null, timeout).LeaveOwnAsync(program, session, ct);
        if (!await run.RunResetAsync(state, ct)) throw state.Stop!.ToException(program.Host.Name);
    }

    /// <summary>
    /// A node taken out of the cluster (its resource deleted: a pool shrunk, a control plane replaced): its node drained and
    /// deleted through <paramref name="firstControlPlane"/> (a control plane with stacked etcd has its member leave
    /// between, only with every other member healthy), then the host reset. Returns a warning when the host could not be reached
    /// to reset (its node is gone from the cluster all the same; the VM is usually being deleted with it).
    /// </summary>
    /// <exception cref="HostUnreachableException">The first control plane could not be reached; nothing changed.</exception>
    /// <exception cref="StepFailedException">The drain (a PodDisruptionBudget that never allows, named by kubectl), the deletion, or a reset step failed.</exception>
    /// <param name="settings">The stack's <c>kubernetes.upgrade</c> (the drain's timeout); null: the defaults.</param>
    /// <param name="etcd">The cluster's etcd topology: with stacked etcd a control plane's member leaves.</param>
    public async Task<string?> RemoveAsync(NodeProgram program, PlannedHost firstControlPlane, NodeConnection connection, CancellationToken ct,
        UpgradeSpec? settings = null, EtcdTopology etcd = EtcdTopology.External)
    {
        var timeout = TimeSpan.FromSeconds(connection.CommandTimeoutSeconds);
        var first = await ConnectOrUnreachable(firstControlPlane, connection, ct);
        await using (first)
        {
            foreach (var step in NodeRemovals.FromFirstControlPlane(program.Host, etcd, settings ?? UpgradeSpec.Default, firstControlPlane.Os))
            {
                var r = await first.RunAsync(step.Script, null, timeout, step.Id, ct);
                if (!r.Succeeded)
                {
                    throw new StepFailedException(firstControlPlane.Name, new StepFailure(step.Id, r.ExitCode, _redactor.Redact(r.StderrTail()),
                        $"node {program.Host.Name} stays in the cluster; fix what blocks it (the pods named above) and run again"));
                }
            }
        }
        try
        {
            await ResetAsync(program, connection, ct);
            return null;
        }
        catch (HostUnreachableException e)
        {
            return $"node {program.Host.Name} was deleted from the cluster, but the host could not be reached to reset it: {e.Message}";
        }
    }

    /// <summary>Step id → input hash of what the host's journal records as done.</summary>
    public async Task<IReadOnlyDictionary<string, string>> JournalAsync(PlannedHost host, NodeConnection connection, CancellationToken ct)
    {
        var run = Run(connection);
        var state = new HostRunState(new NodeProgram { Host = host, Steps = [] });
        try
        {
            if (!await run.ConnectAsync(state, ct) || !await run.ProbeAsync(state, takeLock: false, ct)) throw state.Stop!.ToException(host.Name);
        }
        finally
        {
            if (state.Session is not null) await state.Session.DisposeAsync();
        }
        return state.Probe!.Journal.ToDictionary(kv => kv.Key, kv => kv.Value.InputHash, StringComparer.Ordinal);
    }

    /// <summary>
    /// An encryption key rotation for the provider (Core's <see cref="EncryptionKeyRotation.Plans"/>): each stage in order,
    /// run as <c>infra apply</c> runs it (<see cref="ClusterConverger"/>, its wave one control plane at a time, each API
    /// server restarted and answering before the next), under each host's own lock. A host whose journal already has a
    /// stage's configuration is skipped, so running the stages again after a failure finishes them.
    /// </summary>
    /// <returns>What ran, as <c>host: step</c>, in order.</returns>
    /// <exception cref="HostRunException">The first host that failed, could not be reached or was locked; the stages after it did not run.</exception>
    public async Task<IReadOnlyList<string>> RotateEncryptionKeyAsync(IReadOnlyList<ClusterPlan> stages, NodeConnection connection, CancellationToken ct)
    {
        var engine = new ClusterConverger(Connect(connection), _redactor);
        var options = new ConvergeOptions
        {
            LockHolder = LockHolder.ForThisProcess(),
            HolderIsGone = LockHolder.IsGoneHere,
            CommandTimeout = TimeSpan.FromSeconds(connection.CommandTimeoutSeconds),
            ClusterLock = false,
            Phases = [Phase.Prepare],
        };
        var ran = new List<string>();
        foreach (var stage in stages)
        {
            var report = await engine.ApplyAsync(stage, options, _ => true, ct);
            ran.AddRange(report.Hosts.SelectMany(h => h.Ran.Select(step => $"{h.Host}: {step}")));
            if (report.ExitCode != 0) throw StageFailure(stage, report);
        }
        return ran;
    }

    private static HostRunException StageFailure(ClusterPlan stage, ClusterReport report)
    {
        var title = stage.Execution.Waves.Count > 0 ? stage.Execution.Waves[0].Title : "key rotation";
        if (report.Hosts.FirstOrDefault(h => h.Failure is not null) is { Failure: { } failure } failed)
            return new StepFailedException(failed.Host, failure with { StepId = $"{failure.StepId} (stage: {title})" });
        if (report.Hosts.FirstOrDefault(h => h.State is HostState.Unreachable or HostState.HostKeyRefused) is { } unreachable)
            return new HostUnreachableException(unreachable.Host, unreachable.Message ?? "", unreachable.State == HostState.HostKeyRefused);
        var stopped = report.Hosts.FirstOrDefault(h => h.State is not (HostState.Converged or HostState.Unchanged));
        var host = stopped?.Host ?? stage.FirstControlPlane.Name;
        return new HostBlockedException(host, $"{title}: " + (report.Refusal ?? stopped?.Message ?? stopped?.State.ToString() ?? "stopped"));
    }

    /// <summary>The shared host run under the host's own lock only (the Pulumi engine orders the hosts; no cluster lock).</summary>
    private HostRun Run(NodeConnection connection) => new(Connect(connection), _redactor, new ConvergeOptions
    {
        LockHolder = LockHolder.ForThisProcess(),
        HolderIsGone = LockHolder.IsGoneHere,
        CommandTimeout = TimeSpan.FromSeconds(connection.CommandTimeoutSeconds),
        ClusterLock = false,
    }, spec: null);

    private HostSessionFactory Connect(NodeConnection connection) => (host, ct) => Connect(host, connection, ct);

    /// <summary>A session to another host than the one run (the first control plane); failing to reach it is that host's failure.</summary>
    private async Task<IHostSession> ConnectOrUnreachable(PlannedHost host, NodeConnection connection, CancellationToken ct)
    {
        try
        {
            return await Connect(host, connection, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new HostUnreachableException(host.Name, _redactor.Redact(e.Message), e is HostKeyMismatchException, e);
        }
    }

    private async Task<IHostSession> Connect(PlannedHost host, NodeConnection connection, CancellationToken ct)
    {
        if (_sessions is not null) return await _sessions(host, ct);
        var ssh = new SshSpec
        {
            IdentityFile = KeyFile(connection.PrivateKey),
            Bastion = connection.Bastion,
            AdminUser = host.User,
            ConnectTimeoutSeconds = connection.ConnectTimeoutSeconds,
            CommandTimeoutSeconds = connection.CommandTimeoutSeconds,
        };
        var options = new SshClientOptions { PassphrasePrompt = _ => connection.Passphrase };
        return await SshHostSession.Factory(ssh, options)(host, ct);
    }

    /// <summary>The provider receives the key's content; SSH.NET reads a file: one 0600 file per key in a 0700 folder.</summary>
    private string KeyFile(string privateKey)
    {
        var path = Path.Combine(_keyDir, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(privateKey)))[..16]);
        var content = Encoding.UTF8.GetBytes(privateKey.EndsWith('\n') ? privateKey : privateKey + "\n");
        // Hosts connected side by side (a wave of the cluster engine) must neither both create the file nor read it half written.
        lock (_keyLock)
        {
            WriteKeyFile(path, content);
        }
        return path;
    }

    private static void WriteKeyFile(string path, byte[] content)
    {
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllBytes(path, content);
        }
        else if (!File.Exists(path))
        {
            using var fs = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            fs.Write(content);
        }
    }

    public void Dispose() => Directory.Delete(_keyDir, recursive: true);
}
