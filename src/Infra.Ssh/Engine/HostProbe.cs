using System.Globalization;
using System.Text;
using Infra.Core.Model;
using Infra.Core.Shell;

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
}

/// <summary>
/// Builds and reads the probe: one script per host that (optionally) takes the host lock, prints the journal and
/// the recorded state, and runs every step's check, so that deciding what to do costs one round trip.
/// </summary>
public static class HostProbe
{
    /// <param name="staleHolder">A holder whose lock may be taken over (its run is gone): removed only if it still holds it.</param>
    public static string Script(IReadOnlyList<Step> steps, string? lockHolder, bool breakLock, string? staleHolder = null)
    {
        var sb = new StringBuilder();
        sb.Append("set -uo pipefail\n");
        sb.Append($"mkdir -p {HostPaths.Dir} && chmod 0700 {HostPaths.Dir}\n");
        sb.Append("echo \"@@now $(date +%s)\"\n");
        if (lockHolder is not null)
        {
            sb.Append($"mkdir -p {HostPaths.LockDir} && chmod 0700 {HostPaths.LockDir}\n");
            if (breakLock) sb.Append($"rm -rf {HostPaths.HostLock}\n");
            else if (staleHolder is not null) sb.Append(UnlockScript(staleHolder)).Append('\n');
            sb.Append($"if ! mkdir {HostPaths.HostLock} 2>/dev/null; then\n");
            sb.Append($"  echo \"@@locked $(stat -c %Y {HostPaths.HostLock} 2>/dev/null || echo 0)\"; cat {HostPaths.HostLock}/holder 2>/dev/null; exit 0\nfi\n");
            sb.Append($"printf '%s\\n' {Bash.Quote(lockHolder)} > {HostPaths.HostLock}/holder\n");
        }
        sb.Append($"echo @@journal; cat {HostPaths.Journal} 2>/dev/null || true\n");
        sb.Append($"echo @@state; cat {HostPaths.State} 2>/dev/null || true; echo\n");
        sb.Append("echo @@checks\n");
        // A check matters only for a step the journal holds with its current hash (anything else runs anyway), and
        // reset steps are not decided here: the probe runs no other checks, which keeps it cheap on the host.
        sb.Append("declare -A journal=()\n");
        sb.Append($"while IFS=$'\\t' read -r id hash _; do journal[$id]=$hash; done < <(cat {HostPaths.Journal} 2>/dev/null || true)\n");
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].Check is not { } check || steps[i].Phase == Phase.Reset) continue;
            sb.Append($"if [ \"${{journal[{Bash.Quote(steps[i].Id)}]:-}}\" = {Bash.Quote(steps[i].InputHash)} ]; then\n");
            sb.Append("  if ").Append(Shell.Nested(check, $"CHECK{i}", " >/dev/null 2>&1 </dev/null")).Append('\n');
            sb.Append($"  then echo 'ok {i}'; else echo 'no {i}'; fi\nfi\n");
        }
        sb.Append("echo @@end\n");
        return sb.ToString();
    }

    public static ProbeResult Parse(string stdout, IReadOnlyList<Step> steps)
    {
        var lines = stdout.Split('\n');
        long now = 0;
        var section = "";
        var journal = new StringBuilder();
        var state = new StringBuilder();
        var checks = new Dictionary<string, bool>(StringComparer.Ordinal);
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
                    var parts = line.Split(' ');
                    if (parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < steps.Count)
                    {
                        checks[steps[i].Id] = parts[0] == "ok";
                    }
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
        };
    }

    /// <summary>Releases our host lock (only if we hold it).</summary>
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

    /// <summary>What a locked host reports.</summary>
    public static string LockedMessage(ProbeResult probe) =>
        $"held by {probe.LockHolder} for {probe.LockAgeSeconds} s; if that run is gone, pass --break-lock";

    public static string UnlockScript(string lockHolder) =>
        $"grep -qxF {Bash.Quote(lockHolder)} {HostPaths.HostLock}/holder 2>/dev/null && rm -rf {HostPaths.HostLock} || true";
}
