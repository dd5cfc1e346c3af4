namespace Infra.Core.Pki;

/// <summary>A certificate with its private key, both PEM.</summary>
public sealed record CertificateAndKey(string CertificatePem, string PrivateKeyPem);

/// <summary>A secrets-encryption key (32 bytes, base64) with its name, <c>infra-N</c>: a later key has a higher N.</summary>
public sealed partial record NamedEncryptionKey(string Name, string Secret)
{
    public const string FirstName = "infra-1";

    /// <summary>N of <c>infra-N</c>; null for any other name.</summary>
    public static int? Number(string name) =>
        NamePattern().IsMatch(name) && int.TryParse(name.AsSpan(6), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>32 bytes in base64 on one line.</summary>
    public static bool IsKey(string secret)
    {
        Span<byte> raw = stackalloc byte[48];
        return Convert.TryFromBase64String(secret, raw, out var n) && n == 32;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^infra-[1-9][0-9]{0,8}$")]
    private static partial System.Text.RegularExpressions.Regex NamePattern();
}

/// <summary>An OpenSSH key pair made by the tool: a cloud VM's host key, or the admin key of a cloud cluster.</summary>
public sealed record SshHostKey
{
    /// <summary>"ssh-ed25519" or "ecdsa-sha2-nistp256".</summary>
    public required string Algorithm { get; init; }
    /// <summary>OpenSSH private key file content.</summary>
    public required string PrivateKey { get; init; }
    /// <summary>One line, "ssh-ed25519 AAAA… comment".</summary>
    public required string PublicKeyLine { get; init; }
}

/// <summary>
/// Cluster secrets, generated once and kept (secrets folder on the infra path, ClusterSecrets resource on
/// the Pulumi path). Everything certificate-shaped is stored, not re-issued, so the same secrets give
/// byte-identical plans.
/// </summary>
public sealed record KeptSecrets
{
    public required CertificateAndKey ClusterCa { get; init; }
    public required CertificateAndKey FrontProxyCa { get; init; }
    public required CertificateAndKey EtcdCa { get; init; }
    /// <summary>Service-account signing key pair: private key PEM and public key PEM.</summary>
    public required string ServiceAccountPrivateKeyPem { get; init; }
    public required string ServiceAccountPublicKeyPem { get; init; }
    /// <summary>32 random bytes, base64, for the secrets-encryption provider: the key that encrypts (listed first).</summary>
    public required string EncryptionKey { get; init; }
    /// <summary>
    /// The name of <see cref="EncryptionKey"/> in the encryption configuration. The API server writes it in front of
    /// everything the key encrypted, and finds the key to decrypt by it, so a key keeps its name for life.
    /// </summary>
    public string EncryptionKeyName { get; init; } = NamedEncryptionKey.FirstName;
    /// <summary>While <c>infra secrets rotate encryption-key</c> runs: the other key, listed second, which only decrypts.</summary>
    public NamedEncryptionKey? SecondEncryptionKey { get; init; }

    /// <summary>The keys of the encryption provider in order: the first encrypts, every one decrypts.</summary>
    public IReadOnlyList<NamedEncryptionKey> EncryptionKeys =>
        SecondEncryptionKey is null ? [new(EncryptionKeyName, EncryptionKey)] : [new(EncryptionKeyName, EncryptionKey), SecondEncryptionKey];
    /// <summary>Leaf certificates issued by the tool, by name (e.g. "etcd-server/cp-1", "kubelet-serving/w-1").</summary>
    public required IReadOnlyDictionary<string, CertificateAndKey> Issued { get; init; }
    /// <summary>Host keys for cloud VMs, by host name.</summary>
    public required IReadOnlyDictionary<string, SshHostKey> HostKeys { get; init; }
    /// <summary>
    /// The admin user's ed25519 key pair on a cloud cluster whose stack names no <c>ssh.adminPublicKey</c>: cloud-init
    /// authorizes its public half, and the tool logs in with it (so CI needs no SSH secret). Null when not needed.
    /// </summary>
    public SshHostKey? AdminKey { get; init; }
    /// <summary>
    /// The secret parts of Alertmanager's receivers, by key (<see cref="AlertReceiverSecrets.Keys"/>), each checked by
    /// <see cref="AlertReceiverSecrets.Check"/>; set by <c>infra secrets set alert-receiver</c>. Empty when none is set.
    /// </summary>
    public IReadOnlyDictionary<string, string> AlertReceivers { get; init; } = new Dictionary<string, string>();

    /// <summary>The public key cloud-init authorizes for the admin user: the stack's, else the kept admin key's; null when neither exists.</summary>
    public static string? AdminPublicKeyFor(Spec.ClusterSpec spec, KeptSecrets? secrets) =>
        spec.Ssh.AdminPublicKey ?? secrets?.AdminKey?.PublicKeyLine;
}
