using System.Globalization;

namespace Infra.Core.Spec;

/// <summary>
/// <c>etcd.backup</c>: scheduled, verified etcd snapshots on every etcd member, kept on the member and pruned.
/// On by default for every topology.
/// </summary>
public sealed record EtcdBackupSpec
{
    /// <summary>Every 6 hours, at 00:00, 06:00, 12:00 and 18:00 (systemd normalizes it to itself; a test asks systemd-analyze).</summary>
    public const string DefaultSchedule = "*-*-* 00/6:00:00";
    public const int DefaultKeep = 28;
    public const int MinKeep = 1;
    /// <summary>A bound on disk use: a member keeps at most this many snapshots.</summary>
    public const int MaxKeep = 1000;
    public const int MaxScheduleLength = 128;

    public static EtcdBackupSpec Default { get; } = new() { Schedule = DefaultSchedule, Keep = DefaultKeep };

    /// <summary>A systemd <c>OnCalendar=</c> expression (checked by <see cref="CheckSchedule"/>).</summary>
    public required string Schedule { get; init; }
    public required int Keep { get; init; }

    /// <summary>
    /// The schedule becomes the value of <c>OnCalendar=</c> in a unit file: one line, no <c>%</c> (systemd expands
    /// specifiers there), no backslash (escapes, line continuation), no quotes or <c>;</c>, only the characters calendar
    /// expressions use (digits, letters of weekdays, keywords and time zones, <c>*-:.,/~_+</c> and single spaces). Whether
    /// systemd accepts the expression is then its own rule: <c>systemd-analyze calendar</c> on a host says it.
    /// </summary>
    /// <returns>null when acceptable, else the rule in words.</returns>
    public static string? CheckSchedule(string schedule)
    {
        if (schedule.Length == 0) return "an empty schedule; leave the key out for the default (every 6 hours)";
        if (schedule.Length > MaxScheduleLength) return $"a schedule is at most {MaxScheduleLength} characters";
        foreach (var ch in schedule)
        {
            if (char.IsAsciiLetterOrDigit(ch) || "*-:.,/~_+ ".Contains(ch, StringComparison.Ordinal)) continue;
            var shown = char.IsControl(ch) ? $"U+{(int)ch:X4}" : ch.ToString();
            return ch == '%'
                ? "'%' would be a systemd specifier in the unit file; a calendar expression never needs it"
                : $"'{shown}' is not a character of a systemd calendar expression (OnCalendar=, one line)";
        }
        if (schedule[0] == ' ' || schedule[^1] == ' ' || schedule.Contains("  ", StringComparison.Ordinal))
        {
            return "no leading, trailing or doubled spaces";
        }
        return null;
    }

    public static string KeepRange => string.Create(CultureInfo.InvariantCulture, $"{MinKeep}–{MaxKeep}");
}
