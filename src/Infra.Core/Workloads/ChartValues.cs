using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Infra.Core.Workloads;

/// <summary>
/// Helm values as an immutable tree with keys sorted ordinally, so the same plan renders byte-identical JSON.
/// Leaves are <see cref="string"/>, <see cref="bool"/>, <see cref="long"/>; inner nodes are <see cref="ChartValues"/>
/// or lists (<see cref="IReadOnlyList{T}"/> of those).
/// </summary>
public sealed class ChartValues
{
    private readonly SortedDictionary<string, object> map;

    private ChartValues(SortedDictionary<string, object> map) => this.map = map;

    public static ChartValues Empty { get; } = new(new SortedDictionary<string, object>(StringComparer.Ordinal));

    /// <summary>Build from key/value pairs; null values are left out, so optional settings read naturally.</summary>
    public static ChartValues Of(params (string Key, object? Value)[] entries)
    {
        var m = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            if (value is null) continue;
            if (!m.TryAdd(key, Normalize(value))) throw new ArgumentException($"duplicate chart value key '{key}'", nameof(entries));
        }
        return new ChartValues(m);
    }

    public static IReadOnlyList<object> List(params object[] items) => [.. items.Select(Normalize)];

    private static object Normalize(object value) => value switch
    {
        int i => (long)i,
        string or bool or long or ChartValues => value,
        IReadOnlyList<object> list => list.Select(Normalize).ToList(),
        IEnumerable<string> strings => strings.Cast<object>().ToList(),
        _ => throw new ArgumentException($"unsupported chart value type {value.GetType().Name}", nameof(value)),
    };

    public IEnumerable<KeyValuePair<string, object>> Entries => map;

    /// <summary>Value at a dotted path ("image.repository"), or null.</summary>
    public object? Get(string path)
    {
        object? node = this;
        foreach (var part in path.Split('.'))
        {
            if (node is not ChartValues v || !v.map.TryGetValue(part, out node)) return null;
        }
        return node;
    }

    /// <summary>Every leaf with its path ("args[0]", "image.tag").</summary>
    public IEnumerable<(string Path, object Value)> Leaves() => Walk(this, "");

    private static IEnumerable<(string, object)> Walk(object node, string path)
    {
        switch (node)
        {
            case ChartValues v:
                foreach (var (k, child) in v.map)
                {
                    foreach (var leaf in Walk(child, path.Length == 0 ? k : $"{path}.{k}")) yield return leaf;
                }
                break;
            case IReadOnlyList<object> list:
                for (var i = 0; i < list.Count; i++)
                {
                    foreach (var leaf in Walk(list[i], $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]")) yield return leaf;
                }
                break;
            default:
                yield return (path, node);
                break;
        }
    }

    /// <summary>Indented JSON with sorted keys and a final newline (Helm reads JSON as YAML).</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(w, this);
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    internal static void Write(Utf8JsonWriter w, object node)
    {
        switch (node)
        {
            case ChartValues v:
                w.WriteStartObject();
                foreach (var (k, child) in v.map)
                {
                    w.WritePropertyName(k);
                    Write(w, child);
                }
                w.WriteEndObject();
                break;
            case IReadOnlyList<object> list:
                w.WriteStartArray();
                foreach (var item in list) Write(w, item);
                w.WriteEndArray();
                break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case long l: w.WriteNumberValue(l); break;
            default: throw new InvalidOperationException($"unsupported chart value {node.GetType().Name}");
        }
    }
}
