using Infra.Core.Model;
using Infra.Core.Planning;

namespace Infra.Ssh.Engine;

public enum HostState
{
    /// <summary>Everything selected was already done.</summary>
    Unchanged,
    /// <summary>Steps ran and all succeeded.</summary>
    Converged,
    /// <summary>Dry run, or declined: these steps would run.</summary>
    Pending,
    Failed,
    Unreachable,
    /// <summary>The host presented another key than the pinned one; nothing ran on it.</summary>
    HostKeyRefused,
    /// <summary>Waits for another host that failed, or for its own earlier phase.</summary>
    Blocked,
    /// <summary>Another run holds the host's lock.</summary>
    Locked,
    /// <summary>The change needs a procedure (upgrade, migration): refused, nothing ran.</summary>
    Refused,
    /// <summary>Not selected (--hosts), but selected hosts depend on it: probed, nothing ran on it.</summary>
    Read,
    /// <summary>No longer in the stack: drained, deleted from the cluster and reset (a warning says what could not be done).</summary>
    Removed,
}

/// <summary>A step that would run or ran, and why.</summary>
/// <param name="Drift">Set when the step is done but its check no longer holds: the line that failed.</param>
public sealed record StepChange(string StepId, Phase Phase, string Reason, FailedCheck? Drift = null);

/// <param name="Check">Set when the script succeeded but the step's check did not hold after it: the line that failed.</param>
public sealed record StepFailure(string StepId, int ExitCode, string StderrTail, string Hint, FailedCheck? Check = null);

public sealed record HostReport
{
    public required string Host { get; init; }
    public required HostState State { get; init; }
    public IReadOnlyList<StepChange> Changes { get; init; } = [];
    public IReadOnlyList<string> Ran { get; init; } = [];
    public int Skipped { get; init; }
    public StepFailure? Failure { get; init; }
    /// <summary>Why the host is unreachable, refused, blocked or locked.</summary>
    public string? Message { get; init; }
    public IReadOnlyList<NodeChangeRefusal> Refusals { get; init; } = [];
}

public sealed record ClusterReport
{
    public required IReadOnlyList<HostReport> Hosts { get; init; }
    /// <summary>Set when the whole run was refused before any host changed (cluster lock held, a procedure needed).</summary>
    public string? Refusal { get; init; }
    /// <summary>The upgrade procedure this apply runs (or, on a dry run, would run): the move, then its waves.</summary>
    public IReadOnlyList<string> Procedure { get; init; } = [];
    public bool DryRun { get; init; }
    public bool Declined { get; init; }

    public bool AnyRefusedChange => Hosts.Any(h => h.State == HostState.Refused);
    public bool AnyFailure => Hosts.Any(h => h.State is HostState.Failed or HostState.Unreachable or HostState.HostKeyRefused or HostState.Blocked or HostState.Locked);
    /// <summary>A host has a step whose check no longer holds although its journal says done.</summary>
    public bool AnyDrift => Hosts.Any(h => h.Changes.Any(c => c.Drift is not null));
    /// <summary>Every host was already up to date (never said of a refused run, or of one with no host).</summary>
    public bool NothingToDo => Refusal is null && Hosts.Count > 0 && Hosts.All(h => h.State is HostState.Unchanged or HostState.Read);

    /// <summary>0 done or nothing to do, 1 a host failed or the user declined, 2 a change that needs a procedure.</summary>
    public int ExitCode => AnyRefusedChange ? 2 : AnyFailure || Declined || Refusal is not null ? 1 : 0;
}

/// <summary>Progress of a run, for per-host display.</summary>
public sealed record EngineEvent(string Host, string What);
