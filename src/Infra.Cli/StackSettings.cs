using System.ComponentModel;
using System.Reflection;
using Infra.Core.Spec;
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

    public override Spectre.Console.ValidationResult Validate()
    {
        if (Stack is not null && File is not null) return Spectre.Console.ValidationResult.Error("give --stack or --file, not both");
        if (Output is not ("text" or "json")) return Spectre.Console.ValidationResult.Error($"--output is 'text' or 'json', not '{Output}'");
        return Spectre.Console.ValidationResult.Success();
    }
}

/// <summary>Finds and reads the stack a command names.</summary>
public static class StackLoader
{
    public const string EmbeddedDefault = "Pulumi.dev.yaml";

    /// <summary>Reads the stack; with neither --stack nor --file, the dev stack embedded in the tool (when allowed).</summary>
    public static StackReadResult Load(StackSettings settings, CliEnvironment env, bool allowEmbeddedDefault = false)
    {
        var (path, text) = Locate(settings, env, allowEmbeddedDefault);
        return StackReader.Read(path, text);
    }

    /// <summary>A stack or inventory file's text; a file over <see cref="Limits.MaxFileBytes"/> is refused unread.</summary>
    public static string ReadBounded(string full, string shown)
    {
        var length = new FileInfo(full).Length;
        if (length > Limits.MaxFileBytes)
        {
            throw new BadInputException($"{shown}: the file is {length} bytes; a stack or inventory file is at most {Limits.MaxFileBytes / (1024 * 1024)} MiB");
        }
        return System.IO.File.ReadAllText(full);
    }

    public static (string Path, string Text) Locate(StackSettings settings, CliEnvironment env, bool allowEmbeddedDefault)
    {
        if (settings.File is { } file)
        {
            var full = Path.GetFullPath(file, env.WorkingDirectory);
            if (!System.IO.File.Exists(full)) throw new BadInputException($"{file}: no such stack file");
            return (file, ReadBounded(full, file));
        }
        if (settings.Stack is { } name)
        {
            var dir = StacksDirectory(env) ?? throw new BadInputException(
                $"stack '{name}': no stacks/ folder next to a Pulumi.yaml here or above {env.WorkingDirectory} (use --file PATH)");
            var full = Path.Combine(dir, $"Pulumi.{name}.yaml");
            if (!System.IO.File.Exists(full))
            {
                var known = Directory.GetFiles(dir, "Pulumi.*.yaml").Select(f => Path.GetFileName(f)[7..^5]).Order(StringComparer.Ordinal);
                throw new BadInputException($"stack '{name}' not found in {Path.GetRelativePath(env.WorkingDirectory, dir)}; stacks: {string.Join(", ", known)}");
            }
            return (Path.GetRelativePath(env.WorkingDirectory, full), ReadBounded(full, Path.GetRelativePath(env.WorkingDirectory, full)));
        }
        if (!allowEmbeddedDefault) throw new BadInputException("name a stack: --stack NAME or --file PATH");
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(EmbeddedDefault)!;
        using var reader = new StreamReader(stream);
        return ("(embedded) stacks/" + EmbeddedDefault, reader.ReadToEnd());
    }

    /// <summary>stacks/ beside the nearest Pulumi.yaml at or above the working directory, or INFRA_STACKS_DIR.</summary>
    public static string? StacksDirectory(CliEnvironment env)
    {
        if (env.Variable("INFRA_STACKS_DIR") is { } fromEnv) return Path.GetFullPath(fromEnv, env.WorkingDirectory);
        for (var dir = new DirectoryInfo(env.WorkingDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Pulumi.yaml")) && Directory.Exists(Path.Combine(dir.FullName, "stacks")))
            {
                return Path.Combine(dir.FullName, "stacks");
            }
        }
        return null;
    }
}
