using System.ComponentModel;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class SecretsSetAlertReceiverSettings : SecretsSettings
{
    [CommandArgument(0, "<KEY>")]
    [Description("webhook-url, slack-api-url or email-password.")]
    public string Key { get; init; } = "";

    [CommandOption("--from-file <FILE>")]
    [Description("File holding the value on one line (a trailing line break is dropped); - reads stdin. Never on the command line.")]
    public string? FromFile { get; init; }

    public override Spectre.Console.ValidationResult Validate() =>
        FromFile is null ? Spectre.Console.ValidationResult.Error("--from-file FILE is required (- reads stdin): a secret never goes on the command line") : base.Validate();
}

/// <summary>
/// <c>infra secrets set alert-receiver KEY --from-file FILE</c>: keeps a receiver's secret (checked by what Alertmanager
/// makes of it) as <c>alert-receivers/KEY</c> in the secrets folder, 0600; the folder's other secrets are made first
/// when it holds none, as <c>infra secrets init</c> would. The value is read from a file or stdin, never from argv,
/// and never printed.
/// </summary>
internal sealed class SecretsSetAlertReceiverCommand(CliEnvironment env, TimeProvider clock) : Command<SecretsSetAlertReceiverSettings>
{
    public override int Execute(CommandContext context, SecretsSetAlertReceiverSettings settings, CancellationToken cancellationToken)
    {
        var key = settings.Key;
        if (!AlertReceiverSecrets.Keys.Contains(key))
        {
            throw new BadInputException($"'{key}' is not an alert receiver secret; the keys are {string.Join(", ", AlertReceiverSecrets.Keys)}");
        }
        var result = StackLoader.Load(settings, env);
        if (!DiagnosticsPrinter.Report(env, result, settings.Json)) return ExitCodes.BadInput;
        var spec = result.Spec!;

        var source = settings.FromFile == "-" ? "stdin" : settings.FromFile!;
        var text = settings.FromFile == "-" ? env.Stdin().ReadToEnd() : ReadFile(settings.FromFile!);
        var value = AlertReceiverSecrets.FromFileContent(text);
        if (AlertReceiverSecrets.Check(key, value) is { } problem) throw new BadInputException($"{source}: {key} {problem}");

        var dir = SecretsFolder.Resolve(settings.SecretsDir, env, SecretsFolder.StackName(result.File, spec));
        var existing = SecretsFolder.Load(dir) ?? ClusterPki.EnsureWithChanges(spec, HostInventory.Plan(spec), null, clock.GetUtcNow()).Secrets;
        var receivers = new SortedDictionary<string, string>(existing.AlertReceivers.ToDictionary(), StringComparer.Ordinal) { [key] = value };
        SecretsFolder.Save(dir, existing with { AlertReceivers = receivers });

        var used = spec.Workloads.Monitoring.Enabled && spec.Workloads.Monitoring.Alerts.SecretKeys.Contains(key);
        if (settings.Json)
        {
            SecretsJson.Write(env, new { folder = dir, file = AlertReceiverSecrets.FileOf(key), usedByStack = used });
            return ExitCodes.Ok;
        }
        env.Out.MarkupLine(Markup.Escape($"set {AlertReceiverSecrets.FileOf(key)} ({AlertReceiverSecrets.Describe(key)}) in {dir} (mode 0600)"));
        if (!used)
        {
            env.Out.MarkupLine(Markup.Escape($"note: the stack names no receiver that uses {key}; it is kept, and applied once one does"));
        }
        return ExitCodes.Ok;
    }

    private string ReadFile(string path)
    {
        var full = Path.GetFullPath(path, env.WorkingDirectory);
        if (!File.Exists(full)) throw new BadInputException($"{path}: no such file");
        return UserFile.ReadText(full, path, "secret file");
    }
}
