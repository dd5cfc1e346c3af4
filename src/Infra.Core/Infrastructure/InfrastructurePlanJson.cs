using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Infra.Core.Infrastructure;

/// <summary>The plan as JSON (for <c>plan.json</c> and golden files), and IAM policy documents as AWS reads them.</summary>
public static class InfrastructurePlanJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower), new PortRangeConverter() },
        NewLine = "\n",
    };

    public static string Serialize(InfrastructurePlan plan) => JsonSerializer.Serialize(plan, Options) + "\n";

    /// <summary>An IAM policy document ("Version": "2012-10-17"), compact, statements in order.</summary>
    public static string Render(IamPolicyDocument document)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("Version", "2012-10-17");
            w.WriteStartArray("Statement");
            foreach (var s in document.Statements)
            {
                w.WriteStartObject();
                w.WriteString("Effect", s.Effect);
                if (s.ServicePrincipals.Count > 0)
                {
                    w.WriteStartObject("Principal");
                    WriteStrings(w, "Service", s.ServicePrincipals);
                    w.WriteEndObject();
                }
                WriteStrings(w, "Action", s.Actions);
                if (s.Resources.Count > 0) WriteStrings(w, "Resource", s.Resources);
                if (s.Conditions.Count > 0)
                {
                    w.WriteStartObject("Condition");
                    foreach (var (op, keys) in s.Conditions.OrderBy(k => k.Key, StringComparer.Ordinal))
                    {
                        w.WriteStartObject(op);
                        foreach (var (key, values) in keys.OrderBy(k => k.Key, StringComparer.Ordinal)) WriteStrings(w, key, values);
                        w.WriteEndObject();
                    }
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        if (values.Count == 1)
        {
            w.WriteString(name, values[0]);
            return;
        }
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private sealed class PortRangeConverter : JsonConverter<PortRange>
    {
        public override PortRange Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("plans are written, not read");

        public override void Write(Utf8JsonWriter writer, PortRange value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString());
    }
}
