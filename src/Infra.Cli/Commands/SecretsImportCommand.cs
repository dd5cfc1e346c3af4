using System.ComponentModel;
using Infra.Core.Pki;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class SecretsImportSettings : SecretsSettings
{
    [CommandOption("--from <FILE>")]
    [Description("JSON of the stack's 'clusterSecrets' output ('pulumi stack output clusterSecrets --show-secrets'); - reads stdin.")]
    public string? From { get; init; }

    public override Spectre.Console.ValidationResult Validate() =>
        From is null ? Spectre.Console.ValidationResult.Error("--from FILE is required") : base.Validate();
}

/// <summary><c>infra secrets import</c>: fills the secrets folder from the Pulumi stack's secret output.</summary>
internal sealed class SecretsImportCommand(CliEnvironment env) : Command<SecretsImportSettings>
{
    public override int Execute(CommandContext context, SecretsImportSettings settings, CancellationToken cancellationToken)
    {
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
