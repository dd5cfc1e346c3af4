using System.Globalization;
using Infra.Core.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Infra.Core.Spec;

/// <summary>Collects diagnostics and remembers where each key path stands in the file.</summary>
internal sealed class ReadContext(string file)
{
    public string File { get; } = file;
    public List<Diagnostic> Diagnostics { get; } = [];
    /// <summary>The stack's target was missing or unknown: settings of "another target" are not reported.</summary>
    public bool TargetUnknown { get; set; }
    private readonly Dictionary<string, (int Line, int Column)> _positions = new(StringComparer.Ordinal);

    public void Remember(string path, YamlNode node) =>
        _positions.TryAdd(path, ((int)node.Start.Line, (int)node.Start.Column));

    /// <summary>Where a key path stands; falls back to its nearest parent, then to the top of the file.</summary>
    public (int Line, int Column) Where(string path)
    {
        for (var p = path; ; p = Parent(p))
        {
            if (_positions.TryGetValue(p, out var at)) return at;
            if (p.Length == 0) return (1, 1);
        }
    }

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? "" : path[..cut];
    }

    public void Error(string path, string code, string message) => Add(path, Severity.Error, code, message);
    public void Warning(string path, string code, string message) => Add(path, Severity.Warning, code, message);

    public void Error(YamlNode node, string path, string code, string message) =>
        Diagnostics.Add(new Diagnostic(File, (int)node.Start.Line, (int)node.Start.Column, Severity.Error, code, message, path));

    private void Add(string path, Severity severity, string code, string message)
    {
        var (line, column) = Where(path);
        Diagnostics.Add(new Diagnostic(File, line, column, severity, code, message, path));
    }
}

/// <summary>
/// Reads one YAML mapping into typed values, reporting wrong types, missing keys and unknown keys (with a
/// suggestion) instead of throwing, so that a file with many problems gets them all at once.
/// </summary>
internal sealed class YamlObject
{
    private readonly ReadContext _ctx;
    private readonly Dictionary<string, (YamlNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly HashSet<string> _handled = new(StringComparer.Ordinal);

    public YamlMappingNode Node { get; }
    public string Path { get; }

    public YamlObject(ReadContext ctx, YamlMappingNode node, string path)
    {
        _ctx = ctx;
        Node = node;
        Path = path;
        ctx.Remember(path, node);
        foreach (var (k, v) in node.Children)
        {
            var key = k is YamlScalarNode s ? s.Value ?? "" : k.ToString();
            // The YAML parser already rejects duplicate keys as malformed YAML.
            _entries[key] = (k, v);
            ctx.Remember(Join(key), v);
        }
    }

    public string Join(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public bool Has(string key) => _entries.ContainsKey(key) && !IsNull(_entries[key].Value);

    public IEnumerable<string> Keys => _entries.Keys;

    /// <summary>The raw node of a key (marks it as read), or null when absent or null.</summary>
    public YamlNode? Raw(string key)
    {
        _read.Add(key);
        return _entries.TryGetValue(key, out var e) && !IsNull(e.Value) ? e.Value : null;
    }

    public YamlNode? KeyNode(string key) => _entries.TryGetValue(key, out var e) ? e.Key : null;

    private static bool IsNull(YamlNode n) =>
        n is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s && (s.Value is null or "" or "~" or "null");

    public string? String(string key, bool required = false)
    {
        var node = Raw(key);
        if (node is null) { Missing(key, required); return null; }
        if (node is YamlScalarNode s) return Bounded(s, Join(key)) ? s.Value : null;
        WrongType(node, key, "a string");
        return null;
    }

    /// <summary>A string checked by a rule (null: fine, else the rule in words), reported with the key on failure.</summary>
    public string? String(string key, Func<string, string?> rule, string code = Codes.InvalidText, bool required = false)
    {
        var value = String(key, required);
        if (value is null) return null;
        if (rule(value) is { } problem) { _ctx.Error(Raw(key)!, Join(key), code, $"'{Limits.Show(value)}': {problem}"); return null; }
        return value;
    }

    /// <summary>A whole number within [min, max]; outside it is reported (INF040) and read as null.</summary>
    public int? Int(string key, int min, int max, string what)
    {
        var n = Int(key);
        if (n is null || (n >= min && n <= max)) return n;
        _ctx.Error(Raw(key)!, Join(key), n < 0 && min >= 0 ? Codes.NegativeCount : Codes.OutOfBounds, $"{what} is {n}; allowed: {min}–{max}");
        return null;
    }

    /// <summary>Refuses a scalar longer than <see cref="Limits.MaxScalarLength"/> without echoing it.</summary>
    private bool Bounded(YamlScalarNode s, string path)
    {
        if ((s.Value?.Length ?? 0) <= Limits.MaxScalarLength) return true;
        _ctx.Error(s, path, Codes.OutOfBounds, $"the value is {s.Value!.Length} characters long; a value is at most {Limits.MaxScalarLength}");
        return false;
    }

    public int? Int(string key, bool required = false)
    {
        var node = Raw(key);
        if (node is null) { Missing(key, required); return null; }
        if (node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s
            && int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i)) return i;
        WrongType(node, key, "a whole number");
        return null;
    }

    public bool? Bool(string key, bool required = false)
    {
        var node = Raw(key);
        if (node is null) { Missing(key, required); return null; }
        if (node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s)
        {
            if (s.Value is "true" or "True" or "TRUE") return true;
            if (s.Value is "false" or "False" or "FALSE") return false;
        }
        WrongType(node, key, "true or false");
        return null;
    }

    /// <summary>A value from a fixed set of words, e.g. <c>baremetal | aws</c>.</summary>
    public T? Choice<T>(string key, IReadOnlyDictionary<string, T> choices, bool required = false) where T : struct
    {
        var node = Raw(key);
        if (node is null) { Missing(key, required); return null; }
        if (node is not YamlScalarNode s) { WrongType(node, key, "one of " + string.Join(", ", choices.Keys)); return null; }
        if (s.Value is not null && choices.TryGetValue(s.Value, out var v)) return v;
        if (_handled.Contains(key)) return null;
        _ctx.Error(node, Join(key), Codes.InvalidValue,
            $"'{Limits.Show(s.Value)}' is not one of {string.Join(", ", choices.Keys)}{Suggest.DidYouMean(s.Value ?? "", choices.Keys)}");
        return null;
    }

    public YamlObject? Object(string key, bool required = false)
    {
        var node = Raw(key);
        if (node is null) { Missing(key, required); return null; }
        if (node is YamlMappingNode m) return new YamlObject(_ctx, m, Join(key));
        WrongType(node, key, "a mapping");
        return null;
    }

    /// <summary>Items of a sequence with their key paths (<c>hosts[2]</c>).</summary>
    public IReadOnlyList<(YamlNode Node, string Path)>? List(string key, bool required = false)
    {
        var node = Raw(key);
        if (node is null) { Missing(key, required); return null; }
        if (node is not YamlSequenceNode seq) { WrongType(node, key, "a list"); return null; }
        var items = new List<(YamlNode, string)>();
        for (var i = 0; i < seq.Children.Count; i++)
        {
            var p = $"{Join(key)}[{i}]";
            _ctx.Remember(p, seq.Children[i]);
            items.Add((seq.Children[i], p));
        }
        return items;
    }

    public IReadOnlyList<string>? StringList(string key, bool required = false)
    {
        var items = List(key, required);
        if (items is null) return null;
        var result = new List<string>();
        foreach (var (n, p) in items)
        {
            if (n is YamlScalarNode { Value: not null } s) { if (Bounded(s, p)) result.Add(s.Value); }
            else _ctx.Error(n, p, Codes.WrongType, "expected a string");
        }
        return result;
    }

    public IReadOnlyDictionary<string, string>? StringMap(string key)
    {
        var node = Raw(key);
        if (node is null) return null;
        if (node is not YamlMappingNode m) { WrongType(node, key, "a mapping"); return null; }
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in m.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "";
            var path = $"{Join(key)}.{Limits.Show(name)}";
            if (k is not YamlScalarNode ks || !Bounded(ks, path)) continue;
            if (v is YamlScalarNode { Value: not null } s) { if (Bounded(s, path)) result[name] = s.Value; }
            else _ctx.Error(v, path, Codes.WrongType, "expected a string");
        }
        return result;
    }

    /// <summary>Report every key that was never read, suggesting the closest known one.</summary>
    public void RejectUnknown(IEnumerable<string>? alsoAllowed = null)
    {
        var known = _read.Concat(alsoAllowed ?? []).ToList();
        foreach (var (key, (k, _)) in _entries)
        {
            if (_read.Contains(key) || known.Contains(key)) continue;
            _ctx.Error(k, Join(Limits.Show(key)), Codes.UnknownKey, $"unknown key '{Limits.Show(key)}'{Suggest.DidYouMean(key, known)}");
        }
    }

    /// <summary>Reports a problem at a value and marks the key handled, so it is not reported twice.</summary>
    public void Error(YamlNode node, string key, string code, string message)
    {
        _ctx.Error(node, Join(key), code, message);
        _handled.Add(key);
    }

    private void Missing(string key, bool required)
    {
        if (required) _ctx.Error(Path, Codes.MissingKey, $"missing required key '{key}'");
    }

    private void WrongType(YamlNode node, string key, string expected) =>
        _ctx.Error(node, Join(key), Codes.WrongType, $"expected {expected}, found {Describe(node)}");

    internal static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => $"'{Limits.Show(s.Value)}'",
        _ => "something else",
    };
}
