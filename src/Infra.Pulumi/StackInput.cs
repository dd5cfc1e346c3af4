using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Pulumi;

namespace Infra.Pulumi;

/// <summary>The stack's cluster, read and validated by Core exactly as <c>infra validate</c> does.</summary>
internal static class StackInput
{
    /// <summary>
    /// The validated cluster, and the stack document the kubeadm provider reads it from again (built from the
    /// engine's config, so the stack file's formatting never shows up as a change).
    /// </summary>
    public static (ClusterSpec Spec, string Document) Read()
    {
        var stack = Deployment.Instance.StackName;
        var clusterJson = new Config().Require("cluster");
        var settings = ProviderSettings();
        var file = ProjectRoot() is { } root ? Path.Combine(root, "stacks", $"Pulumi.{stack}.yaml") : null;
        // The file gives errors with file:line:column; config kept elsewhere (a Pulumi Cloud stack) gives key paths.
        var (spec, errors) = file is not null && File.Exists(file)
            ? CoreCalls.ReadStackFile(file)
            : CoreCalls.ReadConfig(clusterJson, settings);
        if (spec is null || errors.Count > 0)
        {
            throw new RunException($"stack {stack}: {errors.Count} problem(s) in infra:cluster\n{string.Join("\n", errors)}");
        }
        return (spec, PulumiConfig.Document(clusterJson, settings));
    }

    /// <summary>The folder of Pulumi.yaml, above the working directory the language host gives the program.</summary>
    private static string? ProjectRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pulumi.yaml"))) return dir.FullName;
        }
        return null;
    }

    private static SortedDictionary<string, string> ProviderSettings()
    {
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (ns, key) in new[] { ("aws", "region"), ("gcp", "project"), ("gcp", "region"), ("azure-native", "location") })
        {
            if (new Config(ns).Get(key) is { } value) settings[$"{ns}:{key}"] = value;
        }
        return settings;
    }

    /// <summary>
    /// <c>infra:encryptionKeyGeneration</c> (default 1): raised by one, the next <c>pulumi up</c> replaces the cluster's
    /// secrets-encryption key and rolls the new one out to the control planes (the provider checks each change).
    /// </summary>
    public static int EncryptionKeyGeneration()
    {
        var generation = new Config().GetInt32("encryptionKeyGeneration") ?? 1;
        return generation >= 1 ? generation
            : throw new RunException($"stack {Deployment.Instance.StackName}: {EncryptionKeyRotation.GenerationRefusal(null, generation)}");
    }

    /// <summary>
    /// The SSH key the provider uses: on a cloud stack without <c>ssh.adminPublicKey</c>, the admin key the cluster
    /// secrets keep (so CI needs no SSH secret); else <c>infra:sshPrivateKey</c> (a secret, for CI) or the stack's
    /// <c>ssh.identityFile</c> read here, on the machine that runs <c>pulumi up</c>.
    /// </summary>
    /// <param name="keptSecrets">The ClusterSecrets resource's output (Core's JSON form).</param>
    public static Output<string> Connection(ClusterSpec spec, Output<string> keptSecrets)
    {
        var config = new Config();
        var keptAdminKey = spec.Target != Target.Baremetal && spec.Ssh.AdminPublicKey is null;
        var key = keptAdminKey
            // Output.CreateSecret takes a value, not an Output: mark the key secret inside the Apply (which flattens).
            ? keptSecrets.Apply(json => Output.CreateSecret(KeptSecretsSerializer.FromJson(json).AdminKey?.PrivateKey
                ?? throw new RunException("the cluster secrets hold no admin key although the stack names no ssh.adminPublicKey")))
            : config.GetSecret("sshPrivateKey") ?? Output.CreateSecret(ReadIdentityFile(spec));
        var passphrase = config.GetSecret("sshPassphrase") ?? Output.CreateSecret("");
        return Output.Tuple(key, passphrase).Apply(t => WireJson.NodeConnection(new NodeConnection
        {
            PrivateKey = t.Item1,
            Passphrase = t.Item2.Length == 0 ? null : t.Item2,
            Bastion = spec.Ssh.Bastion,
            ConnectTimeoutSeconds = spec.Ssh.ConnectTimeoutSeconds,
            CommandTimeoutSeconds = spec.Ssh.CommandTimeoutSeconds,
        }));
    }

    /// <summary>
    /// The secret parts of the stack's alert receivers, from Pulumi secret config (<c>infra:alertWebhookUrl</c>,
    /// <c>infra:alertSlackApiUrl</c>, <c>infra:alertEmailPassword</c>; Core names the keys and decides which the receivers
    /// need), by the key of the Secret they go into. A missing key stops the program before any resource, naming it and
    /// the command that sets it; a value Alertmanager could not use fails the deployment naming the key, never the value.
    /// </summary>
    public static IReadOnlyDictionary<string, Output<string>> AlertReceivers(ClusterSpec spec)
    {
        var config = new Config();
        var configured = new Dictionary<string, Output<string>>(StringComparer.Ordinal);
        foreach (var (key, configKey) in CoreCalls.AlertReceiverConfigKeys)
        {
            if (config.GetSecret(configKey) is { } value) configured[key] = value;
        }
        if (CoreCalls.MissingAlertReceiverConfig(spec, configured.Keys) is { } missing) throw new RunException($"stack {Deployment.Instance.StackName}: {missing}");
        return CoreCalls.AlertReceiverKeys(spec).ToDictionary(k => k, k => configured[k].Apply(raw =>
        {
            try { return CoreCalls.AlertReceiverValue(k, raw); }
            catch (ArgumentException e) { throw new RunException(e.Message); }
        }), StringComparer.Ordinal);
    }

    private static string ReadIdentityFile(ClusterSpec spec)
    {
        var path = spec.Ssh.IdentityFile
            ?? throw new RunException("ssh.identityFile is not set and infra:sshPrivateKey is not configured: the provider has no key to reach the hosts");
        if (path.StartsWith("~/", StringComparison.Ordinal))
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]);
        if (!File.Exists(path))
            throw new RunException($"ssh.identityFile: {path} does not exist (or set the secret infra:sshPrivateKey)");
        return File.ReadAllText(path);
    }
}
