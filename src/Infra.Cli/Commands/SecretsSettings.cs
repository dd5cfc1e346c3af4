using System.ComponentModel;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public class SecretsSettings : StackSettings
{
    [CommandOption("--secrets-dir <DIR>")]
    [Description("Folder of the kept cluster secrets (default: ~/.config/infra/secrets/<stack>, or INFRA_SECRETS_DIR).")]
    public string? SecretsDir { get; init; }
}
