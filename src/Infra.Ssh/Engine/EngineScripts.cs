using System.Text;
using Infra.Core.Model;
using Infra.Core.Shell;

namespace Infra.Ssh.Engine;

/// <summary>
/// The engine's own scripts (probe, host and cluster locks, the step wrapper's journal line), rendered from the
/// sources under <c>Shell/</c> of this project with their inputs as a header of quoted readonly variables.
/// </summary>
public static class EngineScripts
{
    private static ShellSource Source(string name) => ShellScript.Load(typeof(EngineScripts).Assembly, name);

    /// <summary>
    /// One script that (when <paramref name="lockHolder"/> is set) takes the host lock, prints the journal and the
    /// recorded state, and runs the check of each step the journal holds with its current hash. Reset steps are not
    /// decided here: the probe runs no other checks, which keeps it cheap on the host.
    /// </summary>
    /// <param name="staleHolder">A holder whose lock may be taken over (its run is gone): removed only if it still holds it.</param>
    public static string Probe(IReadOnlyList<Step> steps, string? lockHolder, bool breakLock, string? staleHolder)
    {
        var args = new ShellArgs().Set("STATE_DIR", HostPaths.JournalDir);
        var sources = new List<ShellSource> { Source("probe/start.sh") };
        if (lockHolder is not null)
        {
            LockInputs(args, HostPaths.HostLock, lockHolder, breakLock, staleHolder);
            sources.Add(Source("lock/prepare.sh"));
            sources.Add(Source("probe/lock.sh"));
        }
        args.Set("JOURNAL", HostPaths.Journal).Set("STATE", HostPaths.State)
            .List("STEP_IDS", steps.Select(s => s.Id)).List("STEP_HASHES", steps.Select(s => s.InputHash));
        sources.Add(Source("probe/records.sh"));
        var checks = new StringBuilder();
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].Check is not { } check || steps[i].Phase == Phase.Reset) continue;
            checks.Append($"if infra_journal_holds {i}; then\n");
            // fd 3 carries the line a failing check stopped at (CheckTrace), printed just before its 'no' line.
            checks.Append("  if ").Append(CheckTrace.Nested(check, $"CHECK{i}", " 3>&1 >/dev/null 2>&1 </dev/null")).Append('\n');
            checks.Append($"  then echo 'ok {i}'; else echo 'no {i}'; fi\nfi\n");
        }
        checks.Append("echo @@end\n");
        sources.Add(ShellScript.Generated(checks.ToString()));
        return ShellScript.Render(args, [.. sources]);
    }

    /// <summary>Takes the cluster lock: prints "acquired", or "held SECONDS HOLDER".</summary>
    public static string TakeClusterLock(string holder, bool breakLock, string? staleHolder)
    {
        var args = new ShellArgs();
        LockInputs(args, HostPaths.ClusterLock, holder, breakLock, staleHolder);
        return ShellScript.Render(args, ShellScript.Generated("set -uo pipefail\n"), Source("lock/prepare.sh"), Source("lock/cluster.sh"));
    }

    /// <summary>Releases <paramref name="lockPath"/> if <paramref name="holder"/> holds it; never fails.</summary>
    public static string Unlock(string lockPath, string holder) =>
        ShellScript.Render(new ShellArgs().Set("LOCK", lockPath).Set("HOLDER", holder), Source("lock/unlock.sh"));

    /// <summary>Appends a step's journal line (run after its script succeeded).</summary>
    public static string JournalAppend(string stepId, string inputHash) =>
        ShellScript.Render(new ShellArgs().Set("STEP_ID", stepId).Set("INPUT_HASH", inputHash).Set("JOURNAL", HostPaths.Journal), Source("step/journal.sh"));

    private static void LockInputs(ShellArgs args, string lockPath, string holder, bool breakLock, string? staleHolder) =>
        args.Set("LOCK_DIR", HostPaths.LockDir).Set("LOCK", lockPath).Set("HOLDER", holder)
            .Set("BREAK_LOCK", breakLock ? "yes" : "no").Set("STALE_HOLDER", breakLock ? "" : staleHolder ?? "");
}
