using System.Globalization;

namespace Infra.Ssh.Engine;

/// <summary>Which line of a step's check stopped it: the line number (from 1) in <see cref="Core.Model.Step.Check"/>, its text and exit code.</summary>
public sealed record FailedCheck(int Line, string Text, int ExitCode)
{
    public string Describe() => Line > 0 ? $"line {Line}: {Text}" : $"exit {ExitCode}";
}

/// <summary>
/// Runs a check so that a failure names its line: a one-line header traps DEBUG (remembering the line about to run)
/// and EXIT (printing <c>@@check-failed LINE EXIT</c> on fd 3 when the check did not exit 0). The host sends only
/// the number; the text is taken from the plan's own copy of the check, so nothing the host prints is trusted as a
/// command. Traps run at line 1 of the nested script, so only lines after the header are remembered.
/// </summary>
internal static class CheckTrace
{
    public const string Marker = "@@check-failed";

    private const string Header =
        "trap 'if [ \"$LINENO\" -gt 1 ]; then infra_line=$LINENO; fi' DEBUG; " +
        "trap 'infra_rc=$?; [ \"$infra_rc\" -eq 0 ] || echo \"" + Marker + " $(( ${infra_line:-1} - 1 )) $infra_rc\" >&3' EXIT\n";

    /// <summary>A nested bash running <paramref name="check"/>; <paramref name="redirect"/> must send fd 3 somewhere (e.g. <c> 3&gt;&amp;1</c>).</summary>
    public static string Nested(string check, string tag, string redirect) => Shell.Nested(Header + check, tag, redirect);

    /// <summary>The failure a marker line reports, or null when <paramref name="line"/> is not one.</summary>
    public static FailedCheck? Parse(string line, string check)
    {
        if (!line.StartsWith(Marker + " ", StringComparison.Ordinal)) return null;
        var parts = line[(Marker.Length + 1)..].Trim().Split(' ');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var exit)) return null;
        var lines = check.Split('\n');
        return number >= 1 && number <= lines.Length
            ? new FailedCheck(number, lines[number - 1].Trim(), exit)
            : new FailedCheck(0, "", exit);
    }

    /// <summary>The last marker in <paramref name="output"/>, and the output without marker lines.</summary>
    public static (FailedCheck? Failure, string Others) Find(string output, string? check)
    {
        if (check is null || !output.Contains(Marker, StringComparison.Ordinal)) return (null, output);
        FailedCheck? failure = null;
        var rest = new List<string>();
        foreach (var line in output.Split('\n'))
        {
            if (Parse(line, check) is { } f) failure = f;
            else rest.Add(line);
        }
        return (failure, string.Join('\n', rest));
    }
}
