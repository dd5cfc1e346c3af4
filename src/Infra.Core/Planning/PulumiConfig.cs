using System.Text;
using System.Text.Json;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>
/// The stack as the Pulumi engine hands it to a program (<c>infra:cluster</c> as JSON, provider settings as strings),
/// written as a stack document so that <see cref="StackReader"/> validates it with the same codes and key paths as
/// <c>infra validate</c>. Deterministic: formatting of the stack file does not show through.
/// </summary>
public static class PulumiConfig
{
    /// <summary>The label errors carry instead of a file name.</summary>
    public const string Source = "pulumi-config";

    public static string Document(string clusterJson, IReadOnlyDictionary<string, string> providerSettings)
    {
        // One line of JSON is a YAML flow mapping; re-serializing drops the engine's formatting and any newline.
        string compact;
        try
        {
            using var doc = JsonDocument.Parse(clusterJson);
            compact = JsonSerializer.Serialize(doc.RootElement);
        }
        catch (JsonException)
        {
            // Left as it is: the reader reports it as malformed, with its position.
            compact = JsonSerializer.Serialize(clusterJson);
        }
        var sb = new StringBuilder("config:\n");
        sb.Append("  ").Append(StackReader.ClusterKey).Append(": ").Append(compact).Append('\n');
        foreach (var (key, value) in providerSettings.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.Append("  ").Append(key).Append(": ").Append(JsonSerializer.Serialize(value)).Append('\n');
        }
        return sb.ToString();
    }

    public static StackReadResult Read(string clusterJson, IReadOnlyDictionary<string, string> providerSettings) =>
        StackFile.Read(Source, Document(clusterJson, providerSettings));
}
