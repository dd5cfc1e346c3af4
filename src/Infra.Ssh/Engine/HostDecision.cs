using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Ssh.Engine;

/// <summary>What one host needs, decided from its journal and checks.</summary>
public sealed record HostDecision
{
    public required IReadOnlyList<(Step Step, string Reason)> Pending { get; init; }
    public required int Skipped { get; init; }
    public required IReadOnlyList<NodeChangeRefusal> Refusals { get; init; }
    /// <summary>The allowed version move from the host's recorded state to the plan's version; null when none.</summary>
    public VersionMove? Upgrade { get; init; }
    /// <summary>Set when a selected phase waits for an earlier one that is not done on this host.</summary>
    public string? Blocked { get; init; }
    /// <summary>Steps done with their current inputs whose check no longer holds, with the line it stopped at.</summary>
    public IReadOnlyDictionary<string, FailedCheck> Drift { get; init; } = new Dictionary<string, FailedCheck>();

    /// <summary>What would run, with why (the drifted check's line for drift).</summary>
    public IReadOnlyList<StepChange> Changes => Pending.Select(s => new StepChange(s.Step.Id, s.Step.Phase, s.Reason, Drift.GetValueOrDefault(s.Step.Id))).ToList();

    /// <summary>
    /// <paramref name="spec"/> null: no refusals here (the Pulumi provider refuses in its Check, from the stack's state).
    /// A step is skipped when the journal holds it with the same input hash and its check still holds. A phase runs
    /// only when the host's earlier phases are done (or run in this same apply).
    /// </summary>
    public static HostDecision Decide(ClusterSpec? spec, NodeProgram program, ProbeResult probe, IReadOnlySet<Phase> phases)
    {
        var refusals = new List<NodeChangeRefusal>();
        VersionMove? move = null;
        var bootstrapped = program.Steps.Any(s => s.Phase is Phase.Etcd or Phase.ControlPlane or Phase.Workers
            && probe.Journal.ContainsKey(s.Id));
        if (spec is not null && bootstrapped && probe.StateJson is { } json)
        {
            var recorded = WireJson.Deserialize<NodeState>(json, $"state of host {program.Host.Name}");
            var diff = NodeDiff.Compare(recorded, NodeState.Of(spec, program));
            refusals.AddRange(diff.Refusals);
            // An allowed move: the cluster engine runs the upgrade procedure before anything else of this apply.
            move = diff.Upgrade;
        }

        var pending = new List<(Step, string)>();
        var skipped = 0;
        string? blocked = null;
        Phase? undone = null;
        foreach (var group in program.Steps.Where(s => s.Phase != Phase.Reset).GroupBy(s => s.Phase).OrderBy(g => g.Key))
        {
            var phasePending = new List<(Step, string)>();
            foreach (var step in group)
            {
                var reason = Reason(step, probe);
                if (reason is null) skipped++;
                else phasePending.Add((step, reason));
            }
            if (phasePending.Count == 0) continue;
            if (!phases.Contains(group.Key))
            {
                undone ??= group.Key;
                continue;
            }
            if (undone is { } earlier)
            {
                // e.g. --phase control-plane on a host whose prepare is not done: it waits for that phase.
                blocked = $"phase {group.Key.Name()} waits for phase {earlier.Name()}, which is not done on this host";
                break;
            }
            pending.AddRange(phasePending);
        }
        var drift = (blocked is null ? pending : []).Where(s => probe.FailedChecks.ContainsKey(s.Item1.Id) && s.Item2.StartsWith(DriftReason, StringComparison.Ordinal))
            .ToDictionary(s => s.Item1.Id, s => probe.FailedChecks[s.Item1.Id], StringComparer.Ordinal);
        return new HostDecision { Pending = blocked is null ? pending : [], Skipped = skipped, Refusals = refusals, Upgrade = move, Blocked = blocked, Drift = drift };
    }

    private static string? Reason(Step step, ProbeResult probe)
    {
        if (!probe.Journal.TryGetValue(step.Id, out var entry)) return "not done yet";
        if (entry.InputHash != step.InputHash) return DayTwoProcedures.ChangedReason(step.Id);
        if (step.Check is not null && probe.Checks.TryGetValue(step.Id, out var holds) && !holds)
        {
            return probe.FailedChecks.TryGetValue(step.Id, out var f) ? $"{DriftReason} ({f.Describe()})" : DriftReason;
        }
        return null;
    }

    private const string DriftReason = "drift: its check no longer holds";
}

/// <summary>Hints for failed steps, from what the failure looks like.</summary>
internal static class Hints
{
    public static string For(Step step, CommandResult result)
    {
        var err = result.Stderr;
        if (result.ExitCode == 127 || err.Contains("command not found", StringComparison.Ordinal))
        {
            return "a command is missing on the host: check packages.source (preinstalled needs every binary on PATH)";
        }
        if (err.Contains("Could not resolve", StringComparison.Ordinal) || err.Contains("Temporary failure resolving", StringComparison.Ordinal))
        {
            return "the host cannot reach the package repository: use packages.source bundle or a mirror";
        }
        if (err.Contains("No space left", StringComparison.Ordinal)) return "the host's disk is full";
        return $"fix the cause on the host or in the stack, then run apply again: it resumes at {step.Id}";
    }
}
