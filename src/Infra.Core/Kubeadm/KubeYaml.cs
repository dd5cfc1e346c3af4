using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Infra.Core.Kubeadm;

/// <summary>
/// YAML for the tool's Kubernetes-style documents: camelCase field names, nulls omitted, strings quoted where YAML
/// would read them as something else, deterministic (fields in declaration order; callers pass maps already sorted).
/// </summary>
public static partial class KubeYaml
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .WithQuotingNecessaryStrings()
        .DisableAliases()
        .Build();

    private static readonly IDeserializer Strict = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .WithNodeDeserializer(new ReadOnlyCollections(), s => s.OnTop())
        .Build();

    private static readonly IDeserializer Loose = new DeserializerBuilder().Build();

    public static string Serialize(object document) => Serializer.Serialize(document);

    /// <summary>Documents joined by <c>---</c> lines, each ending with a newline.</summary>
    public static string SerializeAll(IEnumerable<object> documents)
    {
        var sb = new StringBuilder();
        var first = true;
        foreach (var d in documents)
        {
            if (!first) sb.Append("---\n");
            sb.Append(Serialize(d));
            first = false;
        }
        return sb.ToString();
    }

    /// <summary>Decodes one document into <typeparamref name="T"/>; an unknown field throws <see cref="YamlException"/>.</summary>
    public static T DecodeStrict<T>(string yaml) => Strict.Deserialize<T>(yaml);

    /// <summary>
    /// Decodes a multi-document file by apiVersion and kind into the given types, rejecting unknown fields,
    /// unknown kinds and documents without apiVersion/kind.
    /// </summary>
    public static IReadOnlyList<object> DecodeAllStrict(string yaml, IReadOnlyDictionary<(string ApiVersion, string Kind), Type> types)
    {
        var result = new List<object>();
        foreach (var doc in DocumentSeparator().Split(yaml))
        {
            if (string.IsNullOrWhiteSpace(doc)) continue;
            var head = Loose.Deserialize<Dictionary<string, object?>>(doc)
                ?? throw new YamlException("empty document");
            var apiVersion = head.GetValueOrDefault("apiVersion") as string;
            var kind = head.GetValueOrDefault("kind") as string;
            if (apiVersion is null || kind is null) throw new YamlException("document without apiVersion or kind");
            if (!types.TryGetValue((apiVersion, kind), out var type))
            {
                throw new YamlException($"unknown document {apiVersion}/{kind}");
            }
            result.Add(Strict.Deserialize(doc, type) ?? throw new YamlException($"empty {kind}"));
        }
        return result;
    }

    [GeneratedRegex(@"^---[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex DocumentSeparator();

    /// <summary>The models expose IReadOnlyList/IReadOnlyDictionary; YAML fills a List/Dictionary behind them.</summary>
    private sealed class ReadOnlyCollections : INodeDeserializer
    {
        public bool Deserialize(IParser reader, Type expectedType, Func<IParser, Type, object?> nestedObjectDeserializer, out object? value, ObjectDeserializer rootDeserializer)
        {
            value = null;
            if (!expectedType.IsGenericType) return false;
            var def = expectedType.GetGenericTypeDefinition();
            var concrete = def == typeof(IReadOnlyList<>) ? typeof(List<>)
                : def == typeof(IReadOnlyDictionary<,>) ? typeof(Dictionary<,>)
                : null;
            if (concrete is null) return false;
            value = nestedObjectDeserializer(reader, concrete.MakeGenericType(expectedType.GenericTypeArguments));
            return true;
        }
    }
}
