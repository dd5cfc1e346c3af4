using System.ComponentModel;
using System.Reflection;
using Infra.Core.Planning;
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

/// <summary>
/// Stack names become file and folder names (Pulumi.NAME.yaml, the secrets folder, NAME.kubeconfig): they are
/// DNS-label-like, so that no name can reach outside its folder.
/// </summary>
public static class StackNames
{
    public const int MaxLength = 63;

    public const string Rule = "1 to 63 letters, digits and '-', starting and ending with a letter or digit";

    public static bool IsValid(string name) =>
        name.Length is > 0 and <= MaxLength && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    public static void Check(string name, string where)
    {
        if (!IsValid(name))
        {
            throw new BadInputException($"{where}: '{Shorten(name)}' is not a stack name: a stack name is {Rule}");
        }
    }

    /// <summary>A user's value in a message: at most 80 characters, control characters shown as '?'.</summary>
    public static string Shorten(string value)
    {
        var clean = new string([.. value.Take(80).Select(c => char.IsControl(c) ? '?' : c)]);
        return value.Length > 80 ? clean + "…" : clean;
    }
}

/// <summary>Files the user names: a file that cannot be read is bad input with a one-line reason, never a .NET error.</summary>
public static class UserFile
{
    /// <summary>A file the tool is about to write: not a folder, in a folder that exists.</summary>
    public static void CheckWritable(string fullPath, string shown)
    {
        if (Directory.Exists(fullPath)) throw new BadInputException($"{shown}: is a folder; give a file name");
        var parent = Path.GetDirectoryName(fullPath);
        if (parent is not null && !Directory.Exists(parent)) throw new BadInputException($"{shown}: the folder {parent} does not exist");
    }

    /// <summary>
    /// A stack, inventory or secrets file the user named, read to at most <see cref="Limits.MaxFileBytes"/>: a larger
    /// file (or a device that never ends) is refused before it costs memory.
    /// </summary>
    public static string ReadText(string fullPath, string shown, string what)
    {
        try
        {
            if (Directory.Exists(fullPath)) throw new BadInputException($"{shown}: is a folder, not a {what}");
            if (!UnixStat.IsRegularFile(fullPath)) throw new BadInputException($"{shown}: is not a regular file (a pipe, device or socket), not a {what}");
            using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read);
            var buffer = new byte[Limits.MaxFileBytes + 1];
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (read > Limits.MaxFileBytes)
            {
                throw new BadInputException($"{shown}: the {what} is larger than a stack, inventory or secrets file may be: at most {Limits.MaxFileBytes / (1024 * 1024)} MiB");
            }
            using var reader = new StreamReader(new MemoryStream(buffer, 0, read), detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException($"{shown}: cannot read the {what}: {e.Message}");
        }
    }
}
