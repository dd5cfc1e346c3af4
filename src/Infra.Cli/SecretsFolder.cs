using Infra.Core.Pki;
using Infra.Core.Spec;

namespace Infra.Cli;

/// <summary>
/// The kept cluster secrets on the infra path: one folder per stack outside the repository (0700, files 0600),
/// by default under the user's config folder; <c>--secrets-dir</c> or INFRA_SECRETS_DIR override it.
/// </summary>
public static class SecretsFolder
{
    /// <summary>The folder of a stack: DIR itself when given, else &lt;config&gt;/infra/secrets/&lt;stack&gt;.</summary>
    public static string Resolve(string? option, CliEnvironment env, string stackName)
    {
        if (option is not null) return Path.GetFullPath(option, env.WorkingDirectory);
        if (env.Variable("INFRA_SECRETS_DIR") is { } fromEnv) return Path.GetFullPath(fromEnv, env.WorkingDirectory);
        var config = env.Variable("XDG_CONFIG_HOME")
            ?? Path.Combine(env.Variable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(config, "infra", "secrets", stackName);
    }

    /// <summary>The stack's name: NAME of Pulumi.NAME.yaml, else the cluster's name; a name that is not DNS-label-like is bad input.</summary>
    public static string StackName(string file, ClusterSpec spec)
    {
        var fileName = Path.GetFileName(file);
        var fromFile = fileName.StartsWith("Pulumi.", StringComparison.Ordinal) && fileName.EndsWith(".yaml", StringComparison.Ordinal) && fileName.Length > 12;
        var name = fromFile ? fileName[7..^5] : spec.Name;
        StackNames.Check(name, fromFile ? file : $"{file}: the cluster's name");
        return name;
    }

    /// <summary>
    /// A cloud stack without <c>ssh.adminPublicKey</c> logs in with the admin key the tool made and keeps: the spec
    /// with that key's file in the secrets folder as its identity file. Other stacks are returned as they are.
    /// </summary>
    public static ClusterSpec WithKeptAdminKey(ClusterSpec spec, KeptSecrets secrets, string dir)
    {
        if (spec.Target == Target.Baremetal || spec.Ssh.AdminPublicKey is not null) return spec;
        if (secrets.AdminKey is null)
        {
            throw new BadInputException($"the stack names no ssh.adminPublicKey and the kept secrets in {dir} hold no admin key: " +
                "run 'infra secrets init' (or 'infra secrets import' from the Pulumi stack that made the VMs)");
        }
        return spec with { Ssh = spec.Ssh with { IdentityFile = Path.Combine(dir, KeptSecretsSerializer.AdminKeyFile) } };
    }

    public static bool Exists(string dir) => File.Exists(Path.Combine(dir, "ca.crt"));

    /// <summary>Reads the kept secrets; null when the folder holds none. A damaged folder is bad input naming the file.</summary>
    public static KeptSecrets? Load(string dir)
    {
        if (!Exists(dir)) return null;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            files[Path.GetRelativePath(dir, path).Replace('\\', '/')] = File.ReadAllBytes(path);
        }
        try
        {
            return KeptSecretsSerializer.FromFiles(files);
        }
        catch (KeptSecretsFormatException e)
        {
            throw new BadInputException($"kept secrets in {dir}: {e.Message}");
        }
    }

    /// <summary>
    /// Makes the folder hold exactly <paramref name="secrets"/>: changed files replaced whole (a crash leaves the old or
    /// the new file, never half of one), then the files it no longer has removed (the old key after a rotation, a receiver
    /// no longer set): a folder that kept them would read back as another state (a rotation still in progress).
    /// </summary>
    public static void Save(string dir, KeptSecrets secrets)
    {
        CheckUsable(dir);
        SecretFile.CreatePrivateDirectory(dir);
        var files = KeptSecretsSerializer.ToFiles(secrets);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (relative, content) in files)
        {
            var path = Path.Combine(dir, relative);
            keep.Add(Path.GetFullPath(path));
            if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(content)) continue;
            SecretFile.CreatePrivateDirectory(Path.GetDirectoryName(path)!);
            SecretFile.Replace(path, content);
        }
        foreach (var stale in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => !keep.Contains(Path.GetFullPath(f))).ToList())
        {
            File.Delete(stale);
        }
    }

    /// <summary>
    /// A folder that exists is used only when it already holds the kept secrets, or is empty; and in both cases only
    /// when it is private (0700, owned by this user). The tool never changes the mode of a folder it did not make
    /// (--secrets-dir /tmp must not strip /tmp's sticky bit), and never mixes secrets with other files.
    /// </summary>
    public static void CheckUsable(string dir)
    {
        if (File.Exists(dir)) throw new BadInputException($"secrets folder {dir}: is a file, not a folder");
        if (!Directory.Exists(dir)) return;
        if (!Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            throw new BadInputException($"secrets folder {dir}: holds other files and no kept secrets; give a new or empty private folder");
        }
        if (OperatingSystem.IsWindows()) return;
        var mode = File.GetUnixFileMode(dir);
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        if ((mode & others) != 0 || new DirectoryInfo(dir).LinkTarget is not null)
        {
            throw new BadInputException($"secrets folder {dir}: is not private (mode {Convert.ToString((int)mode, 8)}, it must be 700 and not a link); " +
                "the tool does not change a folder it did not make: give a new folder, or make this one private yourself (chmod 700)");
        }
        if (UnixStat.OwnerOf(dir) is { } owner && owner != UnixStat.CurrentUser())
        {
            throw new BadInputException($"secrets folder {dir}: is owned by user id {owner}, not by you (user id {UnixStat.CurrentUser()}); give a folder of your own");
        }
    }
}
