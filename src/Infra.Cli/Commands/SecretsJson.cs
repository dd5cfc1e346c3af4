namespace Infra.Cli.Commands;

/// <summary>--output json of the secrets commands: what was done, never secret material.</summary>
internal static class SecretsJson
{
    private static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = DiagnosticsPrinter.Encoder,
    };

    public static void Write(CliEnvironment env, object value) =>
        env.Out.Profile.Out.Writer.WriteLine(System.Text.Json.JsonSerializer.Serialize(value, Options));
}
