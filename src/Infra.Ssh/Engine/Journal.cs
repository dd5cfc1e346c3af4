using System.Globalization;

namespace Infra.Ssh.Engine;

public sealed record JournalEntry(string StepId, string InputHash, string Result, long UnixTime);

/// <summary>The host's record of finished steps.</summary>
public static class Journal
{
    public static IReadOnlyDictionary<string, JournalEntry> Parse(string text)
    {
        var entries = new Dictionary<string, JournalEntry>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var f = line.Split('\t');
            // A line cut short by a power loss has fewer fields: it never counts as done.
            if (f.Length != 4 || !long.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out var t)) continue;
            entries[f[0]] = new JournalEntry(f[0], f[1], f[2], t);
        }
        return entries;
    }

    /// <summary>Shell that appends one entry after a step succeeded.</summary>
    public static string AppendCommand(string stepId, string inputHash) => EngineScripts.JournalAppend(stepId, inputHash).TrimEnd('\n');
}

internal static class Shell
{
    /// <summary>Embeds a script as a here-document for a nested bash, with a delimiter the script cannot contain.</summary>
    public static string Nested(string script, string tag, string redirect = "")
    {
        var delimiter = $"INFRA_{tag}_EOF";
        if (script.Split('\n').Any(l => l.Trim() == delimiter)) throw new InvalidOperationException($"script contains the delimiter {delimiter}");
        return $"bash{redirect} <<'{delimiter}'\n{script.TrimEnd('\n')}\n{delimiter}";
    }
}
