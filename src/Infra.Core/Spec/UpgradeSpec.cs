using System.Globalization;

namespace Infra.Core.Spec;

/// <summary><c>kubernetes.upgrade</c>: how an upgrade paces its workers and bounds each node's drain.</summary>
public sealed record UpgradeSpec
{
    public const int DefaultWorkerBatchSize = 1;
    public const int MaxWorkerBatchSize = 100;
    public const int DefaultDrainTimeoutSeconds = 300;
    public const int MinDrainTimeoutSeconds = 30;
    public const int MaxDrainTimeoutSeconds = 3600;

    public static UpgradeSpec Default { get; } = new() { WorkerBatchSize = DefaultWorkerBatchSize, DrainTimeoutSeconds = DefaultDrainTimeoutSeconds };

    /// <summary>Workers upgraded at once (each drained, upgraded, uncordoned); 1: one node at a time.</summary>
    public required int WorkerBatchSize { get; init; }
    /// <summary>The bound of <c>kubectl drain --timeout</c>, in seconds.</summary>
    public required int DrainTimeoutSeconds { get; init; }

    /// <summary>As kubectl's <c>--timeout</c> takes it (a Go duration).</summary>
    public string DrainTimeout => DrainTimeoutSeconds.ToString(CultureInfo.InvariantCulture) + "s";

    /// <summary>
    /// Parses <c>drainTimeout</c>: a whole number of seconds, minutes or hours (<c>90s</c>, <c>5m</c>, <c>1h</c>) between
    /// 30s and 1h. It becomes a kubectl flag value, so only digits and one unit letter pass.
    /// </summary>
    /// <returns>null when acceptable (<paramref name="seconds"/> set), else the rule in words.</returns>
    public static string? ParseDuration(string text, out int seconds)
    {
        seconds = 0;
        const string rule = "write a whole number of seconds, minutes or hours between 30s and 1h, e.g. \"5m\"";
        if (text.Length is < 2 or > 6 || !text[..^1].All(char.IsAsciiDigit)) return rule;
        var unit = text[^1] switch { 's' => 1, 'm' => 60, 'h' => 3600, _ => 0 };
        if (unit == 0 || (text.Length > 2 && text[0] == '0')) return rule;
        var n = int.Parse(text[..^1], CultureInfo.InvariantCulture) * (long)unit;
        if (n < MinDrainTimeoutSeconds || n > MaxDrainTimeoutSeconds) return rule;
        seconds = (int)n;
        return null;
    }
}
