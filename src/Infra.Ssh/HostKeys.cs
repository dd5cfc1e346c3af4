using System.Buffers.Binary;
using System.Text;
using Infra.Core.Spec;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Infra.Ssh;

/// <summary>Host key algorithm restriction and verification against a <see cref="HostKeyPin"/>.</summary>
internal static class HostKeys
{
    /// <summary>Signature algorithms of one key type, in the order the client offers them.</summary>
    public static IReadOnlyList<string> AlgorithmsFor(string keyType) => keyType switch
    {
        "ssh-rsa" => ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
        _ => [keyType],
    };

    /// <summary>Key types in the order a client prefers them when only a fingerprint is pinned.</summary>
    public static readonly IReadOnlyList<string> PreferredKeyTypes =
        ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"];

    /// <summary>
    /// Offers only plain keys (no certificates: a pin names a key, not a CA), and with a full-key pin only that key's
    /// algorithms; prefers curve25519-sha256, which costs a third of the CPU of the default hybrid exchange.
    /// </summary>
    public static void Configure(ConnectionInfo info, IReadOnlyList<string> keyTypes)
    {
        var wanted = keyTypes.SelectMany(AlgorithmsFor).ToList();
        var available = info.HostKeyAlgorithms.Where(kv => wanted.Contains(kv.Key)).OrderBy(kv => wanted.IndexOf(kv.Key)).ToList();
        info.HostKeyAlgorithms.Clear();
        foreach (var kv in available) info.HostKeyAlgorithms.Add(kv.Key, kv.Value);

        string[] preferred = ["curve25519-sha256", "curve25519-sha256@libssh.org"];
        var kex = info.KeyExchangeAlgorithms.OrderBy(kv => Array.IndexOf(preferred, kv.Key) is var i and >= 0 ? i : preferred.Length).ToList();
        info.KeyExchangeAlgorithms.Clear();
        foreach (var kv in kex) info.KeyExchangeAlgorithms.Add(kv.Key, kv.Value);
    }

    public static IReadOnlyList<string> KeyTypesFor(HostKeyPin pin) => pin.Algorithm is { } a ? [a] : PreferredKeyTypes;

    /// <summary>The key type a key blob holds (its first SSH string).</summary>
    public static string KeyTypeOf(byte[] blob)
    {
        if (blob.Length < 4) return "unknown";
        var n = BinaryPrimitives.ReadInt32BigEndian(blob);
        return n > 0 && n <= blob.Length - 4 ? Encoding.ASCII.GetString(blob, 4, n) : "unknown";
    }

    /// <summary>"server offers X,Y" from SSH.NET's "No matching host key algorithm (server offers …)".</summary>
    public static string? ServerOffer(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            const string marker = "No matching host key algorithm (server offers ";
            var i = x.Message.IndexOf(marker, StringComparison.Ordinal);
            if (i >= 0) return x.Message[(i + marker.Length)..].TrimEnd(')', '.', ' ');
        }
        return null;
    }
}

/// <summary>Checks the key one connection attempt is presented against the pin and remembers what it saw.</summary>
internal sealed class HostKeyCheck(string host, HostKeyPin pin)
{
    public byte[]? PresentedBlob { get; private set; }
    public bool Refused { get; private set; }

    public void OnHostKeyReceived(object? sender, HostKeyEventArgs e)
    {
        PresentedBlob = e.HostKey;
        e.CanTrust = pin.Matches(e.HostKey);
        Refused = !e.CanTrust;
    }

    /// <summary>The refusal to throw for a failed attempt, or null when the failure was not about the host key.</summary>
    public HostKeyMismatchException? Mismatch(Exception failure)
    {
        if (Refused && PresentedBlob is { } blob)
        {
            var type = HostKeys.KeyTypeOf(blob);
            var presented = "SHA256:" + HostKeyPin.FingerprintOf(blob);
            // A fingerprint pin is compared with the key the host presents first (ed25519, ECDSA, RSA).
            var hint = pin.Algorithm is null
                ? " To pin another of the host's keys, pin its full public key line, which fixes the algorithm."
                : "";
            return new HostKeyMismatchException(host, pin.Fingerprint, presented, type,
                $"host key of {host} does not match its pin: expected {pin.Fingerprint}"
                + (pin.Algorithm is null ? "" : $" ({pin.Algorithm})")
                + $", presented {presented} ({type}). Nothing was run on {host}. If the host was reinstalled, "
                + "check its new key out of band ('infra hosts scan') and update the pin." + hint);
        }
        if (HostKeys.ServerOffer(failure) is { } offer)
        {
            return new HostKeyMismatchException(host, pin.Fingerprint, null, null,
                $"host key of {host} does not match its pin: expected {pin.Fingerprint}"
                + (pin.Algorithm is null ? "" : $" ({pin.Algorithm})")
                + $", but the host offers only {offer}. Nothing was run on {host}.");
        }
        return null;
    }
}
