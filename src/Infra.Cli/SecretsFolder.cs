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

    /// <summary>The stack's name: NAME of Pulumi.NAME.yaml, else the cluster's name.</summary>
    public static string StackName(string file, ClusterSpec spec)
    {
        var name = Path.GetFileName(file);
        return name.StartsWith("Pulumi.", StringComparison.Ordinal) && name.EndsWith(".yaml", StringComparison.Ordinal) && name.Length > 12
            ? name[7..^5]
            : spec.Name;
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

    public static void Save(string dir, KeptSecrets secrets)
    {
        SecretFile.CreatePrivateDirectory(dir);
        var files = KeptSecretsSerializer.ToFiles(secrets);
        foreach (var (relative, content) in files)
        {
            var path = Path.Combine(dir, relative);
            SecretFile.CreatePrivateDirectory(Path.GetDirectoryName(path)!);
            SecretFile.Write(path, content);
        }
    }
}
