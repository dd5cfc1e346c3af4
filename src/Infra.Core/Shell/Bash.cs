namespace Infra.Core.Shell;

/// <summary>The quoting of a value for bash: every script header and every spliced word goes through it.</summary>
public static class Bash
{
    /// <summary>A single-quoted bash word; plain words stay as they are for readability.</summary>
    public static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "/._-:=+@%,".Contains(c, StringComparison.Ordinal))
            ? s
            : "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
