namespace Infra.Core.Spec;

/// <summary>
/// Upper (and lower) bounds on what a stack may ask for, so that a typo such as <c>count: 1000000001</c> is a
/// validation error rather than a plan that runs out of memory. Each bound is documented in README's stack reference.
/// </summary>
public static class Limits
{
    /// <summary>Largest stack or inventory file read (bytes).</summary>
    public const int MaxFileBytes = 4 * 1024 * 1024;
    /// <summary>Deepest nesting of mappings and lists in a stack or inventory file.</summary>
    public const int MaxNestingDepth = 32;
    /// <summary>Longest scalar (string) value; longer values are refused and never echoed whole.</summary>
    public const int MaxScalarLength = 4096;
    /// <summary>How much of a bad value a message quotes.</summary>
    public const int EchoLength = 64;

    public const int MaxControlPlanes = 9;
    public const int MaxPoolCount = 1000;
    public const int MaxPools = 50;
    /// <summary>Kubernetes' tested scalability limit (nodes per cluster).</summary>
    public const int MaxNodes = 5000;
    public const int MinDiskGb = 10;
    public const int MaxDiskGb = 16384;
    public const int MaxConnectTimeoutSeconds = 300;
    public const int MaxCommandTimeoutSeconds = 86400;
    public const int MaxLabelsPerPool = 64;
    public const int MaxTaintsPerPool = 64;
    public const int MaxMirrors = 64;
    public const int MaxCidrsPerList = 64;
    public const int MaxPathLength = 1024;

    /// <summary>A value as messages quote it: cut to <see cref="EchoLength"/> characters, control characters escaped.</summary>
    public static string Show(string? value)
    {
        if (value is null) return "";
        var cut = value.Length > EchoLength ? value[..EchoLength] : value;
        var sb = new System.Text.StringBuilder(cut.Length + 16);
        foreach (var c in cut)
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else sb.Append(c);
        }
        if (value.Length > EchoLength) sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"… ({value.Length} characters)");
        return sb.ToString();
    }
}
