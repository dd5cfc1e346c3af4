using System.ComponentModel;
using System.Reflection;
using Spectre.Console.Cli;

namespace Infra.Cli;

/// <summary>Options of every command that reads a stack.</summary>
public class StackSettings : CommandSettings
{
    [CommandOption("-s|--stack <NAME>")]
    [Description("Stack name: reads stacks/Pulumi.<NAME>.yaml next to Pulumi.yaml (searched upwards from here).")]
    public string? Stack { get; init; }

    [CommandOption("-f|--file <PATH>")]
    [Description("Path of a stack file.")]
    public string? File { get; init; }

    [CommandOption("-o|--output <FORMAT>")]
    [Description("text (default) or json.")]
    [DefaultValue("text")]
    public string Output { get; init; } = "text";

    public bool Json => Output == "json";

    /// <summary>Neither --stack nor --file: commands that allow it read the dev stack built into the tool.</summary>
    public bool NamesNoStack => Stack is null && File is null;

    public override Spectre.Console.ValidationResult Validate()
    {
        // An empty value (an unset variable in a script) never means "the default" or "here".
        foreach (var p in GetType().GetProperties())
        {
            if (p.PropertyType == typeof(string) && p.GetCustomAttribute<CommandOptionAttribute>() is { } o && p.GetValue(this) is string { Length: 0 })
            {
                return Spectre.Console.ValidationResult.Error($"--{o.LongNames[0]}: an empty value; give one, or leave the option out");
            }
        }
        if (Stack is not null && File is not null) return Spectre.Console.ValidationResult.Error("give --stack or --file, not both");
        if (Output is not ("text" or "json")) return Spectre.Console.ValidationResult.Error($"--output is 'text' or 'json', not '{Output}'");
        return Spectre.Console.ValidationResult.Success();
    }
}
