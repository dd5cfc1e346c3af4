using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Ssh.Engine;

/// <summary>
/// The upgrade procedure (<see cref="UpgradePlanner"/>) run by the cluster engine before the other waves of an apply:
/// its waves in order, each node's actions through the host run (journaled on the host they run on, so a killed run
/// resumes at the first action not done), then the node's state record at the new version. A node whose record is
/// already at the new version has finished (uncordon included). The first failure stops the procedure; the nodes not
/// reached stay as they are.
/// </summary>
internal sealed class UpgradeRun
{
    /// <summary>Says that a node's upgrade is done once its actions are: its state recorded at the new version.</summary>
    public const string RecordChange = "upgrade.record";

    private readonly ClusterPlan _plan;
    private readonly IReadOnlyDictionary<string, HostRunState> _hosts;
    /// <summary>Node → its actions not yet journaled; only nodes whose record is at the old version.</summary>
    private readonly Dictionary<string, List<UpgradeAction>> _pending;
    private readonly IReadOnlyList<HostRunState> _others;

    private UpgradeRun(ClusterPlan plan, UpgradeProcedure procedure, IReadOnlyDictionary<string, HostRunState> hosts,
        Dictionary<string, List<UpgradeAction>> pending, IReadOnlyList<HostRunState> others)
    {
        _plan = plan;
        Procedure = procedure;
        _hosts = hosts;
        _pending = pending;
        _others = others;
    }

    public UpgradeProcedure Procedure { get; }

    /// <summary>What the engine does with a version move found on the hosts.</summary>
    public sealed record Preparation(UpgradeRun? Run, string? Refusal, string? Blocked);

    /// <summary>
    /// From the probed hosts: no upgrade (no host records an older version), a refusal (exit 2: a --hosts or --phase
    /// selection, hosts recording different versions), a procedure that cannot start (a node that could not be
    /// reached or probed), or the procedure with each node's pending actions (set on its state for the reports).
    /// </summary>
    public static Preparation Prepare(ClusterPlan plan, IReadOnlyDictionary<string, HostRunState> hosts, ConvergeOptions options)
    {
        var moving = hosts.Values.Where(s => s.Decision?.Upgrade is not null).OrderBy(s => s.Host, StringComparer.Ordinal).ToList();
        if (moving.Count == 0 || !plan.Hosts.Any(h => h.Has(Roles.ControlPlane))) return new(null, null, null);
        if (options.Hosts.Count > 0 || options.Phases.Count > 0)
        {
            return new(null, $"{moving[0].Decision!.Upgrade!.Describe()} runs on the whole cluster: run apply without --hosts and --phase", null);
        }
        var moves = moving.GroupBy(s => (s.Decision!.Upgrade!.From, s.Decision.Upgrade.To)).ToList();
        if (moves.Count > 1)
        {
            return new(null, "the hosts record different Kubernetes versions ("
                + string.Join("; ", moves.Select(g => $"{string.Join(", ", g.Select(s => s.Host))} at {g.Key.From}"))
                + $"): an upgrade starts from one version; bring them to one version by hand first", null);
        }
        var move = moving[0].Decision!.Upgrade!;

        // The nodes in the cluster: every control plane and worker that bootstrapped (hosts joining now join at the new version).
        var nodes = plan.Hosts.Where(h => h.Has(Roles.ControlPlane) || h.Has(Roles.Worker)).Select(h => hosts[h.Name]).ToList();
        var unreached = nodes.Where(s => s.Probe is null).Select(s => s.Host).ToList();
        if (unreached.Count > 0)
        {
            return new(null, null, $"{move.Describe()} needs every node reachable and probed first; {string.Join(", ", unreached)} {(unreached.Count == 1 ? "is" : "are")} not: nothing was upgraded");
        }
        var members = nodes.Where(Bootstrapped).Select(s => s.Host).ToHashSet(StringComparer.Ordinal);
        var procedure = UpgradePlanner.Plan(plan, move, members, options.EtcdReleases);

        var pending = new Dictionary<string, List<UpgradeAction>>(StringComparer.Ordinal);
        foreach (var (node, actions) in procedure.Actions)
        {
            if (hosts[node].Decision?.Upgrade is null) continue;
            pending[node] = [.. actions.Where(a => !Done(hosts[a.Host], a.Step))];
        }
        foreach (var (node, actions) in pending)
        {
            hosts[node].UpgradeChanges =
            [
                .. actions.Select(a => new StepChange(a.Step.Id, Phase.Upgrade,
                    (a.Host == node ? "" : $"on {a.Host}: ") + a.Step.Description)),
                new StepChange(RecordChange, Phase.Upgrade, $"record the node at {move.To}"),
            ];
        }
        // Hosts that are not nodes (external etcd members) only record the new version once the nodes are done.
        var others = moving.Where(s => !procedure.Actions.ContainsKey(s.Host)).ToList();
        foreach (var s in others) s.UpgradeChanges = [new StepChange(RecordChange, Phase.Upgrade, $"record the host at {move.To} once every node is upgraded")];
        return new(new UpgradeRun(plan, procedure, hosts, pending, others), null, null);
    }

    private static bool Bootstrapped(HostRunState s) =>
        s.Program.Steps.Any(step => step.Phase is Phase.ControlPlane or Phase.Workers && s.Probe!.Journal.ContainsKey(step.Id));

    private static bool Done(HostRunState host, Step step) =>
        host.Probe?.Journal.TryGetValue(step.Id, out var entry) == true && entry.InputHash == step.InputHash;

    /// <summary>
    /// Runs the waves: the preflight, then each node's pending actions (a batch's nodes side by side, each over its own
    /// connection to the first control plane), then its state record. False when the procedure stopped: the node that
    /// failed has its stop, every other host not stopped is blocked (the rest of the apply waits for the upgrade).
    /// </summary>
    public async Task<bool> RunAsync(HostRun run, HostSessionFactory connect, CancellationToken ct)
    {
        var first = _plan.FirstControlPlane!;
        string? stoppedAt = null;
        for (var i = 0; i < Procedure.Waves.Count; i++)
        {
            var wave = Procedure.Waves[i];
            // The requirements and the preflight change no node: only a node's own wave records it upgraded.
            var checks = i < 2;
            foreach (var batch in wave.Pacing.Split(wave.Hosts))
            {
                var nodes = batch.Where(h => _pending.ContainsKey(h.Name)).ToList();
                var index = i;
                if (nodes.Count == 1) await RunNodeAsync(run, connect, first, nodes[0].Name, index, checks, ownSession: false, ct);
                else
                {
                    await Parallel.ForEachAsync(nodes, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, run.Options.Concurrency) },
                        async (n, _) => await RunNodeAsync(run, connect, first, n.Name, index, checks, ownSession: true, ct));
                }
                if (nodes.FirstOrDefault(n => _hosts[n.Name].Stop is not null) is { } failed)
                {
                    stoppedAt = failed.Name;
                    break;
                }
            }
            if (stoppedAt is not null) break;
        }
        if (stoppedAt is null)
        {
            foreach (var s in _others)
            {
                if (!await RecordAsync(run, s, ct)) stoppedAt = s.Host;
            }
        }
        if (stoppedAt is null) return true;
        var why = $"waits for {Procedure.Move.Describe()}, which stopped at {stoppedAt}; fix the cause, then run apply again: it resumes there";
        foreach (var s in _hosts.Values.Where(s => s.Stop is null)) run.Block(s, why);
        return false;
    }

    private async Task RunNodeAsync(HostRun run, HostSessionFactory connect, PlannedHost first, string node, int wave, bool checks, bool ownSession, CancellationToken ct)
    {
        var state = _hosts[node];
        var inWave = Procedure.ActionsIn(wave, node).Select(a => a.Step.Id).ToHashSet(StringComparer.Ordinal);
        var actions = _pending[node].Where(a => inWave.Contains(a.Step.Id)).ToList();
        IHostSession? own = null;
        try
        {
            foreach (var action in actions)
            {
                IHostSession session;
                if (action.Host == node) session = state.Session!;
                else if (!ownSession) session = _hosts[action.Host].Session!;
                else session = own ??= await connect(first, ct);
                // The action runs on its host but belongs to this node: its journal line lands there, its failure here.
                var proxy = new HostRunState(state.Program) { Session = session };
                if (!await run.RunStepAsync(proxy, action.Step, null, ct))
                {
                    state.Stop = proxy.Stop;
                    return;
                }
                state.Finished(action.Step.Id);
            }
            if (!checks) await RecordAsync(run, state, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            state.Stop = new HostStop.Unreachable($"could not connect to {first.Name} for {node}'s upgrade: {e.Message}", false);
        }
        finally
        {
            if (own is not null) await own.DisposeAsync();
        }
    }

    /// <summary>The host's state record at the new version: from now on a re-apply finds nothing to upgrade on it.</summary>
    private async Task<bool> RecordAsync(HostRun run, HostRunState state, CancellationToken ct)
    {
        try
        {
            var r = await state.Session!.RunAsync(HostRun.RecordStateCommand(_plan.Spec, state.Program), null, run.Options.CommandTimeout, "record state", ct);
            if (r.Succeeded)
            {
                state.Finished(RecordChange);
                return true;
            }
            state.Stop = new HostStop.Failed(new StepFailure(RecordChange, r.ExitCode, r.StderrTail(5),
                "the node is upgraded but its state record could not be written; run apply again"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            state.Stop = new HostStop.Failed(new StepFailure(RecordChange, -1, e.Message,
                "the node is upgraded but the connection failed before its state record was written; run apply again"));
        }
        return false;
    }
}
