using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Infra.Core.Shell;

/// <summary>
/// A bash source shipped as an embedded resource (<c>Shell/**/*.sh</c> of its project). Its leading comment block
/// says what it does and names its inputs on a line <c># inputs: NAME LIST[]</c> (a list is a bash array); its <see cref="Body"/> (the text
/// after that block) is what a rendered script holds. Inputs reach it only as the quoted <c>readonly</c> variables of
/// the header <see cref="ShellScript.Render"/> writes, never spliced into the body.
/// </summary>
public sealed record ShellSource(string Name, string Body, IReadOnlyList<string> Inputs);

/// <summary>The named inputs of a rendered script: scalars and lists, in the order they were set.</summary>
public sealed partial class ShellArgs
{
    private readonly List<(string Name, IReadOnlyList<string> Values, bool IsList)> _items = [];

    /// <summary>The names as a source declares them: a list's with <c>[]</c> appended.</summary>
    public IEnumerable<string> Names => _items.Select(i => i.IsList ? i.Name + "[]" : i.Name);

    /// <exception cref="ArgumentException">The name is not an upper-case shell variable name, or is set before to another value.</exception>
    public ShellArgs Set(string name, string value) => Add(name, [value], isList: false);

    /// <summary>A bash array (<c>readonly -a</c>), for lists such as paths or package names.</summary>
    public ShellArgs List(string name, IEnumerable<string> values) => Add(name, [.. values], isList: true);

    private ShellArgs Add(string name, IReadOnlyList<string> values, bool isList)
    {
        if (!VariableName().IsMatch(name)) throw new ArgumentException($"'{name}' is not an upper-case shell variable name", nameof(name));
        if (_items.FirstOrDefault(i => i.Name == name) is { Name: not null } set)
        {
            // Two sources of one script may share an input; it has one value.
            return set.IsList == isList && set.Values.SequenceEqual(values, StringComparer.Ordinal)
                ? this
                : throw new ArgumentException($"the input {name} is set twice, to different values", nameof(name));
        }
        _items.Add((name, values, isList));
        return this;
    }

    /// <summary>One <c>readonly</c> line per input, each value quoted by <see cref="Bash.Quote(string)"/>.</summary>
    public string Header()
    {
        var sb = new StringBuilder();
        foreach (var (name, values, isList) in _items)
        {
            if (isList) sb.Append("readonly -a ").Append(name).Append("=(").AppendJoin(' ', values.Select(Bash.Quote)).Append(")\n");
            else sb.Append("readonly ").Append(name).Append('=').Append(Bash.Quote(values[0])).Append('\n');
        }
        return sb.ToString();
    }

    [GeneratedRegex("^[A-Z][A-Z0-9_]*$")]
    private static partial Regex VariableName();
}

/// <summary>Loads <see cref="ShellSource"/>s and renders scripts from them: a generated header of inputs, then the bodies.</summary>
public static partial class ShellScript
{
    private static readonly ConcurrentDictionary<(Assembly, string), ShellSource> Cache = new();

    /// <summary>The embedded shell sources of <paramref name="assembly"/>, by name (their path under <c>Shell/</c>).</summary>
    public static IReadOnlyList<string> Names(Assembly assembly) =>
        [.. assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".sh", StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..]).Order(StringComparer.Ordinal)];

    private const string Prefix = "shell/";

    /// <exception cref="InvalidOperationException">The assembly holds no such source.</exception>
    public static ShellSource Load(Assembly assembly, string name) => Cache.GetOrAdd((assembly, name), key =>
    {
        using var stream = key.Item1.GetManifestResourceStream(Prefix + key.Item2)
            ?? throw new InvalidOperationException($"{key.Item1.GetName().Name} has no shell source '{key.Item2}'");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(key.Item2, reader.ReadToEnd());
    });

    /// <summary>Core's own sources.</summary>
    public static ShellSource Load(string name) => Load(typeof(ShellScript).Assembly, name);

    public static ShellSource Parse(string name, string text)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        var lines = text.Split('\n');
        // The head ends at the first line that is not a comment, or at a shellcheck directive (which belongs to the body).
        var head = lines.TakeWhile(l => l.StartsWith('#') && !l.StartsWith("# shellcheck", StringComparison.Ordinal)).ToList();
        var inputs = head.Where(l => l.StartsWith(InputsLine, StringComparison.Ordinal))
            .SelectMany(l => l[InputsLine.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var body = string.Join('\n', lines.Skip(head.Count).SkipWhile(l => l.Length == 0));
        return new ShellSource(name, body, inputs);
    }

    private const string InputsLine = "# inputs:";

    /// <summary>
    /// The header of <paramref name="args"/>, then each source's body in order. The inputs must be exactly those the
    /// sources declare, so a source never reads a variable no one set, and no value is rendered that nothing reads.
    /// </summary>
    /// <exception cref="ArgumentException">The inputs differ from what the sources declare.</exception>
    public static string Render(ShellArgs args, params ShellSource[] sources)
    {
        var declared = sources.SelectMany(s => s.Inputs).ToHashSet(StringComparer.Ordinal);
        var given = args.Names.ToHashSet(StringComparer.Ordinal);
        if (!declared.SetEquals(given))
        {
            throw new ArgumentException(
                $"{string.Join(" + ", sources.Select(s => s.Name))} declare the inputs [{string.Join(' ', declared.Order(StringComparer.Ordinal))}], "
                + $"given [{string.Join(' ', given.Order(StringComparer.Ordinal))}]", nameof(args));
        }
        var sb = new StringBuilder(args.Header());
        foreach (var s in sources) sb.Append(s.Body);
        return sb.ToString();
    }

    /// <summary>Text C# generates (e.g. checks embedded as here-documents), rendered after the header like a source.</summary>
    /// <param name="inputs">The inputs the text reads, when C# generates names too (e.g. one per node).</param>
    public static ShellSource Generated(string text, IReadOnlyList<string>? inputs = null) => new("(generated)", text, inputs ?? []);

    /// <summary>
    /// Throws when <paramref name="script"/> declares a readonly input twice (two rendered scripts joined by
    /// concatenation, not rendered together): bash would stop at the second declaration.
    /// </summary>
    /// <exception cref="InvalidOperationException">A name is declared twice.</exception>
    public static string CheckHeaders(string script)
    {
        var twice = HeaderLine().Matches(script).GroupBy(m => m.Groups[1].Value).FirstOrDefault(g => g.Count() > 1);
        return twice is null ? script : throw new InvalidOperationException(
            $"the script declares readonly {twice.Key} twice: render its sources together (ShellScript.Render) rather than joining rendered scripts");
    }

    [GeneratedRegex("^readonly (?:-a )?([A-Z][A-Z0-9_]*)=", RegexOptions.Multiline)]
    private static partial Regex HeaderLine();

    /// <summary>A source's body behind a header of placeholder values for its inputs: what shellcheck reads of a source file.</summary>
    /// <param name="preamble">What runs before the source where it is used, e.g. <c>set -euo pipefail</c> for a step.</param>
    public static string ForChecking(ShellSource source, string preamble = "")
    {
        var args = new ShellArgs();
        foreach (var name in source.Inputs)
        {
            if (name.EndsWith("[]", StringComparison.Ordinal)) args.List(name[..^2], ["x", "y"]);
            else args.Set(name, "x");
        }
        return "#!/bin/bash\n" + preamble + args.Header() + source.Body;
    }
}
