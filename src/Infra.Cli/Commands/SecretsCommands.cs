using System.ComponentModel;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public class SecretsSettings : StackSettings
{
    [CommandOption("--secrets-dir <DIR>")]
    [Description("Folder of the kept cluster secrets (default: ~/.config/infra/secrets/<stack>, or INFRA_SECRETS_DIR).")]
    public string? SecretsDir { get; init; }
}

/// <summary><c>infra secrets init</c>: creates the cluster's PKI and keys once; later runs add only what is missing.</summary>
public sealed class SecretsInitCommand : Command<SecretsSettings>
{
    public override int Execute(CommandContext context, SecretsSettings settings, CancellationToken cancellationToken)
    {
        var env = CliEnvironment.Current;
        var result = StackLoader.Load(settings, env);
        if (!DiagnosticsPrinter.Report(env, result, settings.Json)) return ExitCodes.BadInput;
        var spec = result.Spec!;
        var dir = SecretsFolder.Resolve(settings.SecretsDir, env, SecretsFolder.StackName(result.File, spec));
        var existing = SecretsFolder.Load(dir);
        var ensured = ClusterPki.EnsureWithChanges(spec, HostInventory.Plan(spec), existing, DateTimeOffset.UtcNow);
        if (ensured.Changes.Count > 0) SecretsFolder.Save(dir, ensured.Secrets);
        if (settings.Json)
        {
            SecretsJson.Write(env, new
            {
                folder = dir,
                complete = ensured.Changes.Count == 0,
                changes = ensured.Changes.Select(c => new { kind = c.Kind.ToString().ToLowerInvariant(), name = c.Name, reason = c.Reason }),
            });
            return ExitCodes.Ok;
        }
        if (ensured.Changes.Count == 0)
        {
            env.Out.MarkupLine($"kept secrets in {Markup.Escape(dir)} are complete: nothing to do");
            return ExitCodes.Ok;
        }
        foreach (var change in ensured.Changes)
        {
            env.Out.MarkupLine($"  {change.Kind.ToString().ToLowerInvariant()} {Markup.Escape(change.Name)}: {Markup.Escape(change.Reason)}");
        }
        env.Out.MarkupLine($"wrote kept secrets to {Markup.Escape(dir)} (mode 0700, files 0600)");
        return ExitCodes.Ok;
    }
}

public sealed class SecretsImportSettings : SecretsSettings
{
    [CommandOption("--from <FILE>")]
    [Description("JSON of the stack's 'clusterSecrets' output ('pulumi stack output clusterSecrets --show-secrets'); - reads stdin.")]
    public string? From { get; init; }

    public override Spectre.Console.ValidationResult Validate() =>
        From is null ? Spectre.Console.ValidationResult.Error("--from FILE is required") : base.Validate();
}

/// <summary><c>infra secrets import</c>: fills the secrets folder from the Pulumi stack's secret output.</summary>
public sealed class SecretsImportCommand : Command<SecretsImportSettings>
{
    public override int Execute(CommandContext context, SecretsImportSettings settings, CancellationToken cancellationToken)
    {
        var env = CliEnvironment.Current;
        var result = StackLoader.Load(settings, env);
        if (!DiagnosticsPrinter.Report(env, result, settings.Json)) return ExitCodes.BadInput;
        var json = settings.From == "-" ? env.Stdin().ReadToEnd() : ReadFile(settings.From!, env);
        KeptSecrets secrets;
        try
        {
            secrets = KeptSecretsSerializer.FromJson(json);
        }
        catch (KeptSecretsFormatException e)
        {
            throw new BadInputException($"{settings.From}: not the cluster's kept secrets: {e.Message}");
        }
        var dir = SecretsFolder.Resolve(settings.SecretsDir, env, SecretsFolder.StackName(result.File, result.Spec!));
        SecretsFolder.Save(dir, secrets);
        if (settings.Json) SecretsJson.Write(env, new { folder = dir, imported = true });
        else env.Out.MarkupLine($"imported kept secrets into {Markup.Escape(dir)} (mode 0700, files 0600)");
        return ExitCodes.Ok;
    }

    private static string ReadFile(string path, CliEnvironment env)
    {
        var full = Path.GetFullPath(path, env.WorkingDirectory);
        if (!File.Exists(full)) throw new BadInputException($"{path}: no such file");
        return UserFile.ReadText(full, path, "secrets export");
    }
}

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
