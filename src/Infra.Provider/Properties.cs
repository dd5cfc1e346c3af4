using System.Collections.Immutable;
using Pulumi.Experimental;

namespace Infra.Provider;

/// <summary>Reading and writing the engine's property maps.</summary>
internal static class Properties
{
    public static bool IsComputed(this ImmutableDictionary<string, PropertyValue> map, string key) =>
        map.TryGetValue(key, out var v) && v.IsComputed;

    public static string? String(this ImmutableDictionary<string, PropertyValue> map, string key) =>
        map.TryGetValue(key, out var v) && v.TryGetString(out var s) ? s : null;

    public static string RequireString(this ImmutableDictionary<string, PropertyValue> map, string key) =>
        map.String(key) ?? throw new InvalidOperationException($"property '{key}' is missing or not a string");

    public static bool Bool(this ImmutableDictionary<string, PropertyValue> map, string key) =>
        map.TryGetValue(key, out var v) && v.TryGetBool(out var b) && b;

    public static IReadOnlyList<string> Strings(this ImmutableDictionary<string, PropertyValue> map, string key)
    {
        if (!map.TryGetValue(key, out var v) || !v.TryGetArray(out var array)) return [];
        return [.. array.Select(e => e.TryGetString(out var s) ? s : throw new InvalidOperationException($"property '{key}' holds a non-string"))];
    }

    public static IReadOnlyDictionary<string, string> StringMap(this ImmutableDictionary<string, PropertyValue> map, string key)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!map.TryGetValue(key, out var v) || !v.TryGetMap(out var m)) return result;
        foreach (var (k, e) in m)
        {
            result[k] = e.TryGetString(out var s) ? s : throw new InvalidOperationException($"property '{key}.{k}' is not a string");
        }
        return result;
    }

    public static PropertyValue Value(string s, bool secret = false) => new PropertyValue(s).WithSecret(secret);

    public static PropertyValue Value(IEnumerable<string> values) => new(values.Select(v => new PropertyValue(v)).ToImmutableArray());

    public static PropertyValue Value(IReadOnlyDictionary<string, string> values) =>
        new(values.ToImmutableDictionary(kv => kv.Key, kv => new PropertyValue(kv.Value)));
}
