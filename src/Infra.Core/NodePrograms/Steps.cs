using System.Security.Cryptography;
using System.Text;
using Infra.Core.Model;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.NodePrograms;

/// <summary>Helpers for the planners' steps (<see cref="Step.Create"/> builds them): inputs, files, paths, here-documents.</summary>
internal static class Steps
{
    /// <summary>A step's named inputs (hashed into its <see cref="Step.InputHash"/>), in the one order every step uses.</summary>
    public static SortedDictionary<string, string> In(params (string Key, string Value)[] items)
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in items) d[k] = v;
        return d;
    }

    public static string Sha256Hex(string text) => Sha256Hex(Encoding.UTF8.GetBytes(text));

    public static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <exception cref="ArgumentException">The path is not a plain absolute path (see <see cref="CheckPath"/>).</exception>
    public static HostFile File(string path, string content, string mode = "0644", bool secret = false) =>
        new() { Path = CheckPath(path), Content = Encoding.UTF8.GetBytes(content), Mode = mode, Secret = secret };

    /// <summary>
    /// A path a step writes or checks: absolute, no '.', '..' or empty segments, no control characters or whitespace,
    /// so it is one line of a checksum list and one word of a script, and stays where the plan says.
    /// </summary>
    public static string CheckPath(string path)
    {
        var ok = path.Length > 1 && path[0] == '/' && !path.EndsWith('/')
            && !path.Any(ch => char.IsControl(ch) || char.IsWhiteSpace(ch) || ch == '\\')
            && path[1..].Split('/').All(seg => seg is not ("" or "." or ".."));
        return ok ? path : throw new ArgumentException($"'{Limits.Show(path)}' is not a plain absolute path", nameof(path));
    }

    /// <summary>
    /// A quoted here-document holding <paramref name="body"/> verbatim: its delimiter is a word no line of the body
    /// equals, so no value in the body can end it early and run as script.
    /// </summary>
    public static string Heredoc(string body)
    {
        if (!body.EndsWith('\n')) body += "\n";
        var lines = body.Split('\n').ToHashSet(StringComparer.Ordinal);
        var delimiter = "EOF";
        for (var i = 1; lines.Contains(delimiter); i++) delimiter = "EOF_" + Sha256Hex(body + i)[..16];
        return $"<<'{delimiter}'\n{body}{delimiter}\n";
    }

    /// <summary>Bash that exits non-zero unless every file exists with the content it was given.</summary>
    public static string FilesMatch(IEnumerable<HostFile> files)
    {
        var list = files.ToList();
        if (list.Count == 0) return "true\n";
        var sums = new StringBuilder();
        foreach (var f in list) sums.Append(Sha256Hex(f.Content)).Append("  ").Append(CheckPath(f.Path)).Append('\n');
        return "sha256sum --check --status - 2>/dev/null " + Heredoc(sums.ToString());
    }

    /// <summary>Bash that makes the modes of the uploaded files exactly what the plan says (the upload may not).</summary>
    public static string FixModes(IEnumerable<HostFile> files)
    {
        var sb = new StringBuilder();
        foreach (var g in files.GroupBy(f => f.Mode).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            sb.Append("chmod ").Append(g.Key);
            foreach (var f in g) sb.Append(' ').Append(Bash.Quote(f.Path));
            sb.Append('\n');
            sb.Append("chown root:root");
            foreach (var f in g) sb.Append(' ').Append(Bash.Quote(f.Path));
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
