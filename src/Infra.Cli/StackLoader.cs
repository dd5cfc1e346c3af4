using System.Reflection;
using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Cli;

/// <summary>Finds and reads the stack a command names.</summary>
public static class StackLoader
{
    public const string EmbeddedDefault = "Pulumi.dev.yaml";

    /// <summary>Reads the stack; with neither --stack nor --file, the dev stack embedded in the tool (when allowed).</summary>
    public static StackReadResult Load(StackSettings settings, CliEnvironment env, bool allowEmbeddedDefault = false)
    {
        var (path, text) = Locate(settings, env, allowEmbeddedDefault);
        return StackFile.Read(path, text);
    }

    public static (string Path, string Text) Locate(StackSettings settings, CliEnvironment env, bool allowEmbeddedDefault)
    {
        if (settings.File is { } file)
        {
            var full = Path.GetFullPath(file, env.WorkingDirectory);
            if (!System.IO.File.Exists(full)) throw new BadInputException($"{file}: no such stack file");
            return (file, UserFile.ReadText(full, file, "stack file"));
        }
        if (settings.Stack is { } name)
        {
            StackNames.Check(name, "--stack");
            var dir = StacksDirectory(env) ?? throw new BadInputException(
                $"stack '{name}': no stacks/ folder next to a Pulumi.yaml here or above {env.WorkingDirectory} (use --file PATH)");
            var full = Path.Combine(dir, $"Pulumi.{name}.yaml");
            if (!System.IO.File.Exists(full))
            {
                var known = Directory.GetFiles(dir, "Pulumi.*.yaml").Select(f => Path.GetFileName(f)[7..^5]).Where(StackNames.IsValid).Order(StringComparer.Ordinal);
                throw new BadInputException($"stack '{name}' not found in {Path.GetRelativePath(env.WorkingDirectory, dir)}; stacks: {string.Join(", ", known)}");
            }
            var relative = Path.GetRelativePath(env.WorkingDirectory, full);
            return (relative, UserFile.ReadText(full, relative, "stack file"));
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
