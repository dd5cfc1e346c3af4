using System.Globalization;
using System.Text;
using Infra.Core.Model;

namespace Infra.Ssh.Engine;

/// <summary>What one round trip learnt about a host: its journal, its recorded state, its lock and every check.</summary>
public sealed record ProbeResult
{
    public required bool Locked { get; init; }
    /// <summary>Who holds the lock when <see cref="Locked"/> (ours was not taken).</summary>
    public string? LockHolder { get; init; }
    public long LockAgeSeconds { get; init; }
    public required IReadOnlyDictionary<string, JournalEntry> Journal { get; init; }
    public string? StateJson { get; init; }
    /// <summary>Step id → whether its check holds now.</summary>
    public required IReadOnlyDictionary<string, bool> Checks { get; init; }
    /// <summary>Step id → the line its check stopped at, for checks that do not hold.</summary>
    public IReadOnlyDictionary<string, FailedCheck> FailedChecks { get; init; } = new Dictionary<string, FailedCheck>();
}

/// <summary>
/// Builds and reads the probe: one script per host that (optionally) takes the host lock, prints the journal and
/// the recorded state, and runs every step's check, so that deciding what to do costs one round trip.
/// </summary>
public static class HostProbe
{
    /// <param name="staleHolder">A holder whose lock may be taken over (its run is gone): removed only if it still holds it.</param>
    public static string Script(IReadOnlyList<Step> steps, string? lockHolder, bool breakLock, string? staleHolder = null) =>
        EngineScripts.Probe(steps, lockHolder, breakLock, staleHolder);

    public static ProbeResult Parse(string stdout, IReadOnlyList<Step> steps)
    {
        var lines = stdout.Split('\n');
        long now = 0;
        var section = "";
        var journal = new StringBuilder();
        var state = new StringBuilder();
        var checks = new Dictionary<string, bool>(StringComparer.Ordinal);
        var failures = new Dictionary<string, FailedCheck>(StringComparer.Ordinal);
        string? lastMarker = null;
        foreach (var line in lines)
        {
            if (line.StartsWith("@@now ", StringComparison.Ordinal)) { _ = long.TryParse(line[6..], NumberStyles.None, CultureInfo.InvariantCulture, out now); continue; }
            if (line.StartsWith("@@locked", StringComparison.Ordinal))
            {
                _ = long.TryParse(line[8..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var since);
                var holder = string.Join('\n', lines.SkipWhile(l => !l.StartsWith("@@locked", StringComparison.Ordinal)).Skip(1)).Trim();
                return new ProbeResult
                {
                    Locked = true,
                    LockHolder = holder.Length == 0 ? "unknown" : holder,
                    LockAgeSeconds = since > 0 && now >= since ? now - since : 0,
                    Journal = new Dictionary<string, JournalEntry>(),
                    Checks = checks,
                };
            }
            if (line is "@@journal" or "@@state" or "@@checks" or "@@end") { section = line; continue; }
            switch (section)
            {
                case "@@journal": journal.Append(line).Append('\n'); break;
                case "@@state": state.Append(line).Append('\n'); break;
                case "@@checks":
                    if (line.StartsWith(CheckTrace.Marker, StringComparison.Ordinal)) { lastMarker = line; break; }
                    var parts = line.Split(' ');
                    if (parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < steps.Count)
                    {
                        checks[steps[i].Id] = parts[0] == "ok";
                        if (parts[0] != "ok")
                        {
                            failures[steps[i].Id] = (lastMarker is null ? null : CheckTrace.Parse(lastMarker, steps[i].Check ?? "")) ?? new FailedCheck(0, "", 1);
                        }
                    }
                    lastMarker = null;
                    break;
            }
        }
        if (section != "@@end") throw new InvalidOperationException("the host's probe did not finish (its output was cut short)");
        var stateText = state.ToString().Trim();
        return new ProbeResult
        {
            Locked = false,
            Journal = Journal.Parse(journal.ToString()),
            StateJson = stateText.Length == 0 ? null : stateText,
            Checks = checks,
            FailedChecks = failures,
        };
    }

    /// <summary>
    /// Runs the probe, which takes the host lock when <paramref name="holder"/> is set. A lock whose holder
    /// <paramref name="isGone"/> says has ended is taken over, if that holder still has it, and the host probed again.
    /// </summary>
    /// <returns>The probe's result, and what it found (null when the probe script failed).</returns>
    public static async Task<(CommandResult Result, ProbeResult? Probe)> RunAsync(IHostSession session, IReadOnlyList<Step> steps, string? holder,
        bool breakLock, Func<string, bool> isGone, TimeSpan timeout, string label, Action<string>? tookOver, CancellationToken ct)
    {
        var result = await session.RunAsync(Script(steps, holder, breakLock), null, timeout, label, ct);
        if (!result.Succeeded) return (result, null);
        var probe = Parse(result.Stdout, steps);
        if (!probe.Locked || holder is null || !isGone(probe.LockHolder!)) return (result, probe);
        tookOver?.Invoke($"taking over the lock left by {probe.LockHolder}: that process no longer runs on this machine");
        result = await session.RunAsync(Script(steps, holder, breakLock: false, staleHolder: probe.LockHolder), null, timeout, label, ct);
        return (result, result.Succeeded ? Parse(result.Stdout, steps) : null);
    }

    /// <summary>Releases our host lock (only if we hold it).</summary>
    public static string UnlockScript(string lockHolder) => EngineScripts.Unlock(HostPaths.HostLock, lockHolder);
}
