using System.Collections.Concurrent;
using System.Security.Cryptography;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Infra.Ssh;

/// <summary>
/// Loads OpenSSH private keys once per file (decrypting an encrypted key costs a bcrypt KDF, and a passphrase
/// prompt must come once, not once per host).
/// </summary>
internal static class Identities
{
    private static readonly ConcurrentDictionary<(string Path, DateTime Written), Lazy<PrivateKeyFile>> Cache = new();

    private static readonly string[] DefaultNames = ["id_ed25519", "id_ecdsa", "id_rsa"];

    public static PrivateKeyFile Load(SshTarget target, SshClientOptions options)
    {
        var path = Resolve(target);
        var key = (Path.GetFullPath(path), File.GetLastWriteTimeUtc(path));
        var lazy = Cache.GetOrAdd(key, k => new Lazy<PrivateKeyFile>(() => Read(target.Name, k.Path, options)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed load (wrong passphrase) is not kept: the next attempt may get a good one.
            Cache.TryRemove(new KeyValuePair<(string, DateTime), Lazy<PrivateKeyFile>>(key, lazy));
            throw;
        }
    }

    private static string Resolve(SshTarget target)
    {
        if (target.IdentityFile is { } given)
        {
            var file = ExpandHome(given);
            return File.Exists(file)
                ? file
                : throw new SshConnectException(target.Name, $"identity file {file} for {target.Name} does not exist");
        }
        var ssh = Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
        return DefaultNames.Select(n => Path.Join(ssh, n)).FirstOrDefault(File.Exists)
            ?? throw new SshConnectException(target.Name,
                $"no identity file for {target.Name}: set ssh.identityFile or create one of {string.Join(", ", DefaultNames.Select(n => "~/.ssh/" + n))}");
    }

    /// <summary>"~/x" as a shell would read it: stacks name keys like "~/.ssh/id_ed25519".</summary>
    internal static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..]
            : path;

    private static PrivateKeyFile Read(string host, string path, SshClientOptions options)
    {
        try
        {
            return new PrivateKeyFile(path);
        }
        catch (SshPassPhraseNullOrEmptyException)
        {
            // Encrypted: ask for the passphrase below.
        }
        catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or CryptographicException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new SshConnectException(host, $"cannot read identity file {path}: {e.GetType().Name}");
        }
        var passphrase = options.Passphrase(path);
        if (string.IsNullOrEmpty(passphrase))
        {
            throw new SshConnectException(host,
                $"identity file {path} is encrypted: set {SshClientOptions.PassphraseVariable} or enter its passphrase when asked");
        }
        try
        {
            return new PrivateKeyFile(path, passphrase);
        }
        catch (Exception e) when (e is SshException or CryptographicException or ArgumentException or InvalidOperationException or FormatException)
        {
            // SSH.NET's messages do not hold the passphrase, but the type name is all a user needs.
            throw new SshConnectException(host, $"cannot decrypt identity file {path}: wrong passphrase ({e.GetType().Name})");
        }
    }
}
