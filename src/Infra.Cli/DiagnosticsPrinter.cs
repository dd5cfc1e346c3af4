using System.Text.Json;
using Infra.Core.Diagnostics;
using Infra.Core.Spec;
using Spectre.Console;

namespace Infra.Cli;

internal static class DiagnosticsPrinter
{
    /// <summary>Diagnostics go to stderr, one per line, in the compiler format editors understand.</summary>
    public static void Print(CliEnvironment env, StackReadResult result)
    {
        foreach (var d in result.Diagnostics)
        {
            var colour = d.Severity == Severity.Error ? "red" : "yellow";
            env.Err.MarkupLine($"[{colour}]{Markup.Escape(d.ToString())}[/]");
        }
    }

    /// <summary>
    /// Prints the diagnostics (as JSON on stdout with --output json, when the stack is invalid; else on stderr) and
    /// says whether the stack is valid.
    /// </summary>
    public static bool Report(CliEnvironment env, StackReadResult result, bool json)
    {
        if (json && !result.IsValid) env.Out.Profile.Out.Writer.WriteLine(Json(result));
        else Print(env, result);
        return result.IsValid;
    }

    /// <summary>Read by people and CI: "it's", not "it\u0027s" (still valid JSON).</summary>
    public static readonly System.Text.Encodings.Web.JavaScriptEncoder Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public static string Json(StackReadResult result)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = Encoder }))
        {
            w.WriteStartObject();
            w.WriteString("file", result.File);
            w.WriteBoolean("valid", result.IsValid);
            w.WriteStartArray("diagnostics");
            foreach (var d in result.Diagnostics)
            {
                w.WriteStartObject();
                w.WriteString("file", d.File);
                w.WriteNumber("line", d.Line);
                w.WriteNumber("column", d.Column);
                w.WriteString("severity", d.Severity == Severity.Error ? "error" : "warning");
                w.WriteString("code", d.Code);
                w.WriteString("message", d.Message);
                w.WriteString("keyPath", d.KeyPath);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
