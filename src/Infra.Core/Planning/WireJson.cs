using System.Text.Json;
using System.Text.Json.Serialization;
using Infra.Core.Model;

namespace Infra.Core.Planning;

/// <summary>
/// JSON forms of the records that cross the Pulumi engine between the program and the <c>kubeadm</c> provider
/// (resource inputs and outputs are strings there): node programs and connections. Kept secrets use
/// <see cref="Pki.KeptSecretsSerializer"/>'s JSON form, the one <c>infra secrets import</c> reads.
/// Round-trips exactly; property order is the records' declaration order.
/// </summary>
public static class WireJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        // Computed members (Fingerprint, NodeAddress) are written for readers, ignored when reading back.
        IgnoreReadOnlyProperties = false,
        RespectRequiredConstructorParameters = true,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Reads <typeparamref name="T"/>; a malformed or incomplete document is an error naming <paramref name="what"/>.</summary>
    public static T Deserialize<T>(string json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new FormatException($"{what}: the document is null");
        }
        catch (JsonException e)
        {
            // The message names the path and position, never the content (it may hold keys).
            throw new FormatException($"{what}: not a valid document at {e.Path ?? "$"} (line {e.LineNumber}, byte {e.BytePositionInLine})");
        }
    }

    public static string NodeProgram(NodeProgram program) => Serialize(program);
    public static NodeProgram NodeProgram(string json) => Deserialize<NodeProgram>(json, "node program");
    public static string NodeConnection(NodeConnection connection) => Serialize(connection);
    public static NodeConnection NodeConnection(string json) => Deserialize<NodeConnection>(json, "node connection");
}
