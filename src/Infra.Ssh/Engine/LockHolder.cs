using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Infra.Ssh.Engine;

/// <summary>
/// Who holds a lock, as written into it: <c>user@machine pid N since 2026-11-27T10:00:00Z</c>. A run killed
/// without a chance to unlock (SIGKILL, a closed laptop) leaves its locks; when the holder was a process on this
/// machine that is no longer running, the next run may take them over. A holder on another machine can't be
/// judged from here: that still needs <c>--break-lock</c>.
/// </summary>
public static partial class LockHolder
{
    /// <summary>Processes started this long after the lock can't have taken it (the pid was reused).</summary>
    private static readonly TimeSpan ClockSlack = TimeSpan.FromSeconds(2);

    public static string ForThisProcess() =>
        Describe(Environment.UserName, Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow);

    public static string Describe(string user, string machine, int pid, DateTimeOffset since) =>
        $"{user}@{machine} pid {pid} since {since.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}";

    /// <summary>True when <paramref name="holder"/> was a process of this machine that has ended.</summary>
    public static bool IsGoneHere(string holder) => IsGone(holder, Environment.MachineName, StartOf);

    /// <param name="startOf">The start time of a running process, or null when no process has that id.</param>
    public static bool IsGone(string holder, string machine, Func<int, DateTimeOffset?> startOf)
    {
        var m = Format().Match(holder.Trim());
        if (!m.Success || !string.Equals(m.Groups["machine"].Value, machine, StringComparison.Ordinal)) return false;
        if (!int.TryParse(m.Groups["pid"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return false;
        if (!DateTimeOffset.TryParseExact(m.Groups["since"].Value, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var since)) return false;
        return startOf(pid) is not { } started || started > since + ClockSlack;
    }

    private static DateTimeOffset? StartOf(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return new DateTimeOffset(p.StartTime);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^[^@\s]+@(?<machine>\S+) pid (?<pid>\d{1,9}) since (?<since>\S+)$")]
    private static partial Regex Format();
}
