namespace Infra.Core.Shell;

/// <summary>The one shell quoter: every value that reaches a bash script (Core's steps, the workloads phase, the engine's own scripts) goes through it.</summary>
public static class Bash
{
    /// <summary>A single-quoted bash word; plain words stay as they are for readability.</summary>
    public static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "/._-:=+@%,".Contains(c, StringComparison.Ordinal))
            ? s
            : "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Words joined by spaces, each quoted by <see cref="Quote(string)"/>.</summary>
    public static string Quote(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));
}
