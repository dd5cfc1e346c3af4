using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Infra.Core.Pki;

/// <summary>A kept-secrets file (or JSON entry) that is missing or malformed; <see cref="File"/> names it.</summary>
public sealed class KeptSecretsFormatException : Exception
{
    public KeptSecretsFormatException(string file, string reason) : base($"{file}: {reason}")
    {
        File = file;
        Reason = reason;
    }

    /// <summary>Relative path in the secrets folder (or JSON entry) at fault.</summary>
    public string File { get; }
    public string Reason { get; }
}

/// <summary>
/// Kept secrets as files and as JSON. Pure: the CLI does the disk I/O (folder 0700, files 0600).
/// <para>Layout of the secrets folder (paths relative to it, '/' separated, all files UTF-8 text):</para>
/// <list type="table">
/// <item><term><c>ca.crt</c>, <c>ca.key</c></term><description>cluster CA (CN kubernetes)</description></item>
/// <item><term><c>front-proxy-ca.crt</c>, <c>front-proxy-ca.key</c></term><description>front-proxy CA</description></item>
/// <item><term><c>etcd/ca.crt</c>, <c>etcd/ca.key</c></term><description>etcd CA</description></item>
/// <item><term><c>sa.key</c>, <c>sa.pub</c></term><description>service-account signing key pair</description></item>
/// <item><term><c>encryption-key</c></term><description>secrets-encryption key, base64 on one line</description></item>
/// <item><term><c>encryption-key.name</c></term><description>its name, <c>infra-N</c>; absent: <c>infra-1</c></description></item>
/// <item><term><c>encryption-key.second</c>, <c>encryption-key.second.name</c></term><description>while a key rotation runs:
/// the key listed second and its name, both or neither</description></item>
/// <item><term><c>issued/&lt;name&gt;.crt</c>, <c>issued/&lt;name&gt;.key</c></term><description>leaf certificates by
/// their <see cref="IssuedNames"/> name, e.g. <c>issued/etcd-server/cp-1.crt</c>, <c>issued/infra-etcd-client.key</c></description></item>
/// <item><term><c>ssh/&lt;host&gt;/ssh_host_ed25519_key</c>, <c>….pub</c></term><description>a cloud VM's SSH host key
/// (OpenSSH private key file and public line; <c>ssh_host_ecdsa_key</c> for ecdsa-sha2-nistp256)</description></item>
/// <item><term><c>admin/id_ed25519</c>, <c>admin/id_ed25519.pub</c></term><description>the admin key of a cloud cluster whose
/// stack names no <c>ssh.adminPublicKey</c> (OpenSSH private key file and public line), optional</description></item>
/// <item><term><c>alert-receivers/webhook-url</c>, <c>…/slack-api-url</c>, <c>…/email-password</c></term><description>the
/// secret parts of Alertmanager's receivers, one value on one line each (<see cref="AlertReceiverSecrets"/>), optional</description></item>
/// </list>
/// Reading checks every file (PEM parses, keys match their certificates, CAs are CAs, leaves are signed by one of
/// the CAs, host keys match their public lines) and names the first file at fault; it never echoes file content.
/// </summary>
public static class KeptSecretsSerializer
{
    /// <summary>The kept admin key's private file, relative to the secrets folder (an identity file for SSH).</summary>
    public const string AdminKeyFile = "admin/id_ed25519";

    /// <summary>Value of the "format" member of the JSON form.</summary>
    public const string JsonFormat = "infra-kept-secrets/1";

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private static readonly Dictionary<string, string> SshKeyFiles = new(StringComparer.Ordinal)
    {
        ["ssh_host_ed25519_key"] = OpenSshKeys.Ed25519,
        ["ssh_host_ecdsa_key"] = "ecdsa-sha2-nistp256",
    };

    public static IReadOnlyDictionary<string, byte[]> ToFiles(KeptSecrets secrets) =>
        ToText(secrets).ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value), StringComparer.Ordinal);

    public static KeptSecrets FromFiles(IReadOnlyDictionary<string, byte[]> files)
    {
        var text = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, bytes) in files)
        {
            try { text[name] = StrictUtf8.GetString(bytes); }
            catch (DecoderFallbackException) { throw new KeptSecretsFormatException(name, "is not UTF-8 text"); }
        }
        return FromText(text);
    }

    /// <summary>The JSON form (for the Pulumi ClusterSecrets resource): the folder's files as one object, keys sorted.</summary>
    public static string ToJson(KeptSecrets secrets)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("format", JsonFormat);
            w.WriteStartObject("files");
            foreach (var (name, content) in ToText(secrets)) w.WriteString(name, content);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static KeptSecrets FromJson(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException) { throw new KeptSecretsFormatException("(json)", "is not valid JSON"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new KeptSecretsFormatException("(json)", "is not a JSON object");
            if (!root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != JsonFormat)
                throw new KeptSecretsFormatException("format", $"must be \"{JsonFormat}\"");
            if (!root.TryGetProperty("files", out var filesElement) || filesElement.ValueKind != JsonValueKind.Object)
                throw new KeptSecretsFormatException("files", "must be an object of file name to content");
            var text = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in filesElement.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String) throw new KeptSecretsFormatException(p.Name, "must be a string");
                text[p.Name] = p.Value.GetString()!;
            }
            return FromText(text);
        }
    }

    private static SortedDictionary<string, string> ToText(KeptSecrets s)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Pair(string stem, CertificateAndKey ck)
        {
            files[stem + ".crt"] = ck.CertificatePem;
            files[stem + ".key"] = ck.PrivateKeyPem;
        }
        Pair("ca", s.ClusterCa);
        Pair("front-proxy-ca", s.FrontProxyCa);
        Pair("etcd/ca", s.EtcdCa);
        files["sa.key"] = s.ServiceAccountPrivateKeyPem;
        files["sa.pub"] = s.ServiceAccountPublicKeyPem;
        files["encryption-key"] = s.EncryptionKey + "\n";
        // Absent for infra-1, so that a folder written before key rotation existed reads and writes back the same.
        if (s.EncryptionKeyName != NamedEncryptionKey.FirstName) files["encryption-key.name"] = s.EncryptionKeyName + "\n";
        if (s.SecondEncryptionKey is { } second)
        {
            files["encryption-key.second"] = second.Secret + "\n";
            files["encryption-key.second.name"] = second.Name + "\n";
        }
        foreach (var (name, ck) in s.Issued)
        {
            if (!IsSafePath(name)) throw new ArgumentException($"issued certificate '{name}': not a valid name for the secrets folder", nameof(s));
            Pair("issued/" + name, ck);
        }
        foreach (var (host, key) in s.HostKeys)
        {
            var file = SshKeyFiles.FirstOrDefault(kv => kv.Value == key.Algorithm).Key
                ?? throw new ArgumentException($"host key of '{host}': unsupported algorithm {key.Algorithm}", nameof(s));
            if (!IsSafeSegment(host)) throw new ArgumentException($"host key of '{host}': not a valid host name for the secrets folder", nameof(s));
            files[$"ssh/{host}/{file}"] = key.PrivateKey;
            files[$"ssh/{host}/{file}.pub"] = key.PublicKeyLine + "\n";
        }
        if (s.AdminKey is { } admin)
        {
            if (admin.Algorithm != OpenSshKeys.Ed25519) throw new ArgumentException($"admin key: unsupported algorithm {admin.Algorithm}", nameof(s));
            files[AdminKeyFile] = admin.PrivateKey;
            files[AdminKeyFile + ".pub"] = admin.PublicKeyLine + "\n";
        }
        foreach (var (key, value) in s.AlertReceivers)
        {
            if (AlertReceiverSecrets.Check(key, value) is { } problem) throw new ArgumentException($"alert receiver secret '{key}': {problem}", nameof(s));
            files[AlertReceiverSecrets.FileOf(key)] = value + "\n";
        }
        return files;
    }

    private static KeptSecrets FromText(SortedDictionary<string, string> files)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        string Take(string name)
        {
            if (!files.TryGetValue(name, out var content)) throw new KeptSecretsFormatException(name, "is missing");
            used.Add(name);
            return content;
        }

        var cas = new List<(string File, byte[] Spki)>();
        CertificateAndKey Ca(string stem)
        {
            var pair = Pair(stem + ".crt", stem + ".key", Take, out var cert);
            using (cert)
            {
                var basic = cert.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
                if (basic is not { CertificateAuthority: true }) throw new KeptSecretsFormatException(stem + ".crt", "is not a CA certificate");
                cas.Add((stem + ".crt", cert.PublicKey.ExportSubjectPublicKeyInfo()));
            }
            return pair;
        }
        var clusterCa = Ca("ca");
        var frontProxyCa = Ca("front-proxy-ca");
        var etcdCa = Ca("etcd/ca");

        var saKey = Take("sa.key");
        var saPub = Take("sa.pub");
        using (var key = Certificates.LoadPrivateKey(saKey) ?? throw new KeptSecretsFormatException("sa.key", "is not a PEM private key (EC or RSA)"))
        {
            byte[] pub;
            try
            {
                using var loaded = key is RSA ? (AsymmetricAlgorithm)RSA.Create() : ECDsa.Create();
                switch (loaded)
                {
                    case RSA rsa: rsa.ImportFromPem(saPub); break;
                    case ECDsa ec: ec.ImportFromPem(saPub); break;
                    default: break;
                }
                pub = Certificates.PublicKeyInfo(loaded);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                throw new KeptSecretsFormatException("sa.pub", "is not a PEM public key of the same type as sa.key");
            }
            if (!pub.AsSpan().SequenceEqual(Certificates.PublicKeyInfo(key)))
                throw new KeptSecretsFormatException("sa.pub", "does not belong to sa.key");
        }

        var encryptionKey = Take("encryption-key").TrimEnd('\n', '\r');
        if (!NamedEncryptionKey.IsKey(encryptionKey)) throw new KeptSecretsFormatException("encryption-key", "must hold 32 bytes in base64 on one line");
        string KeyName(string file)
        {
            var name = Take(file).TrimEnd('\n', '\r');
            return NamedEncryptionKey.Number(name) is null
                ? throw new KeptSecretsFormatException(file, "must hold a key name, infra-N (N from 1 to 999999999), on one line")
                : name;
        }
        var encryptionKeyName = files.ContainsKey("encryption-key.name") ? KeyName("encryption-key.name") : NamedEncryptionKey.FirstName;
        NamedEncryptionKey? secondKey = null;
        if (files.ContainsKey("encryption-key.second") || files.ContainsKey("encryption-key.second.name"))
        {
            var secret = Take("encryption-key.second").TrimEnd('\n', '\r');
            if (!NamedEncryptionKey.IsKey(secret)) throw new KeptSecretsFormatException("encryption-key.second", "must hold 32 bytes in base64 on one line");
            secondKey = new NamedEncryptionKey(KeyName("encryption-key.second.name"), secret);
            if (secondKey.Name == encryptionKeyName)
                throw new KeptSecretsFormatException("encryption-key.second.name", $"names the same key as encryption-key ({encryptionKeyName})");
        }

        var issued = new SortedDictionary<string, CertificateAndKey>(StringComparer.Ordinal);
        foreach (var file in files.Keys.Where(f => f.StartsWith("issued/", StringComparison.Ordinal)).ToList())
        {
            if (used.Contains(file)) continue;
            var stem = file.EndsWith(".crt", StringComparison.Ordinal) || file.EndsWith(".key", StringComparison.Ordinal) ? file[..^4] : null;
            var name = stem?["issued/".Length..];
            if (stem is null || !IsSafePath(name!))
                throw new KeptSecretsFormatException(file, "is not part of the layout (issued/<name>.crt or .key, lower-case names)");
            var pair = Pair(stem + ".crt", stem + ".key", Take, out var cert);
            using (cert)
            {
                if (!cas.Any(ca => Certificates.IsSignedBy(cert, ca.Spki)))
                    throw new KeptSecretsFormatException(stem + ".crt", $"is not signed by any of {string.Join(", ", cas.Select(c => c.File))}");
            }
            issued[name!] = pair;
        }

        var hostKeys = new SortedDictionary<string, SshHostKey>(StringComparer.Ordinal);
        foreach (var file in files.Keys.Where(f => f.StartsWith("ssh/", StringComparison.Ordinal)).ToList())
        {
            if (used.Contains(file)) continue;
            var parts = file.Split('/');
            var keyFile = parts.Length == 3 ? (parts[2].EndsWith(".pub", StringComparison.Ordinal) ? parts[2][..^4] : parts[2]) : null;
            if (keyFile is null || !IsSafeSegment(parts[1]) || !SshKeyFiles.TryGetValue(keyFile, out var algorithm))
                throw new KeptSecretsFormatException(file, "is not part of the layout (ssh/<host>/ssh_host_ed25519_key and .pub)");
            var host = parts[1];
            if (hostKeys.ContainsKey(host)) throw new KeptSecretsFormatException(file, $"is a second host key for '{host}'");
            var privateFile = $"ssh/{host}/{keyFile}";
            var key = new SshHostKey { Algorithm = algorithm, PrivateKey = Take(privateFile), PublicKeyLine = Take(privateFile + ".pub").TrimEnd('\n', '\r') };
            if (OpenSshKeys.Problem(key) is { } problem) throw new KeptSecretsFormatException(privateFile, problem);
            hostKeys[host] = key;
        }

        SshHostKey? adminKey = null;
        if (files.ContainsKey(AdminKeyFile) || files.ContainsKey(AdminKeyFile + ".pub"))
        {
            adminKey = new SshHostKey { Algorithm = OpenSshKeys.Ed25519, PrivateKey = Take(AdminKeyFile), PublicKeyLine = Take(AdminKeyFile + ".pub").TrimEnd('\n', '\r') };
            if (OpenSshKeys.Problem(adminKey) is { } problem) throw new KeptSecretsFormatException(AdminKeyFile, problem);
        }

        var receivers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files.Keys.Where(f => f.StartsWith(AlertReceiverSecrets.Folder + "/", StringComparison.Ordinal)).ToList())
        {
            var key = file[(AlertReceiverSecrets.Folder.Length + 1)..];
            if (!AlertReceiverSecrets.Keys.Contains(key))
                throw new KeptSecretsFormatException(file, $"is not part of the layout ({AlertReceiverSecrets.Folder}/ holds {string.Join(", ", AlertReceiverSecrets.Keys)})");
            var value = AlertReceiverSecrets.FromFileContent(Take(file));
            if (AlertReceiverSecrets.Check(key, value) is { } problem) throw new KeptSecretsFormatException(file, problem);
            receivers[key] = value;
        }

        var unknown = files.Keys.FirstOrDefault(f => !used.Contains(f));
        if (unknown is not null) throw new KeptSecretsFormatException(unknown, "is not part of the kept-secrets layout");

        return new KeptSecrets
        {
            ClusterCa = clusterCa,
            FrontProxyCa = frontProxyCa,
            EtcdCa = etcdCa,
            ServiceAccountPrivateKeyPem = saKey,
            ServiceAccountPublicKeyPem = saPub,
            EncryptionKey = encryptionKey,
            EncryptionKeyName = encryptionKeyName,
            SecondEncryptionKey = secondKey,
            Issued = issued,
            HostKeys = hostKeys,
            AdminKey = adminKey,
            AlertReceivers = receivers,
        };
    }

    private static CertificateAndKey Pair(string certFile, string keyFile, Func<string, string> take, out X509Certificate2 cert)
    {
        var certPem = take(certFile);
        var keyPem = take(keyFile);
        try { cert = Certificates.Load(certPem); }
        catch (CryptographicException) { throw new KeptSecretsFormatException(certFile, "is not a PEM certificate"); }
        using var key = Certificates.LoadPrivateKey(keyPem);
        if (key is null)
        {
            cert.Dispose();
            throw new KeptSecretsFormatException(keyFile, "is not a PEM private key (EC or RSA)");
        }
        if (!cert.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(Certificates.PublicKeyInfo(key)))
        {
            cert.Dispose();
            throw new KeptSecretsFormatException(keyFile, $"does not belong to {certFile}");
        }
        return new CertificateAndKey(certPem, keyPem);
    }

    private static bool IsSafePath(string path) => path.Split('/').All(IsSafeSegment);

    private static bool IsSafeSegment(string s) =>
        s.Length is > 0 and <= 253 && s != "." && s != ".."
        && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.' or '_');
}
