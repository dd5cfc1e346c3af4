using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Infra.Core.Spec;
using Org.BouncyCastle.Crypto.Parameters;

namespace Infra.Core.Pki;

/// <summary>
/// SSH host keys in OpenSSH's own formats: the unencrypted <c>openssh-key-v1</c> private key file
/// (what <c>ssh-keygen</c> writes and sshd reads) and the one-line public key.
/// </summary>
public static class OpenSshKeys
{
    public const string Ed25519 = "ssh-ed25519";
    private const string Magic = "openssh-key-v1\0";
    private const string PemBegin = "-----BEGIN OPENSSH PRIVATE KEY-----";
    private const string PemEnd = "-----END OPENSSH PRIVATE KEY-----";

    /// <summary>A new ed25519 host key; <paramref name="comment"/> ends the public line (the host name, say).</summary>
    public static SshHostKey NewEd25519(string comment)
    {
        var seed = RandomNumberGenerator.GetBytes(32);
        try
        {
            var pub = new Ed25519PrivateKeyParameters(seed, 0).GeneratePublicKey().GetEncoded();
            var blob = Ed25519Blob(pub);
            var check = RandomNumberGenerator.GetBytes(4);

            var secret = new SshWriter();
            secret.Raw(check);
            secret.Raw(check);
            secret.String(Ed25519);
            secret.String(pub);
            secret.String([.. seed, .. pub]);
            secret.String(Encoding.UTF8.GetBytes(comment));
            // Pad to the cipher block size ("none": 8) with 1, 2, 3, …
            for (byte pad = 1; secret.Length % 8 != 0; pad++) secret.Raw([pad]);

            var file = new SshWriter();
            file.Raw(Encoding.ASCII.GetBytes(Magic));
            file.String("none");
            file.String("none");
            file.String([]);
            file.UInt32(1);
            file.String(blob);
            file.String(secret.ToArray());

            var body = Convert.ToBase64String(file.ToArray());
            var pem = new StringBuilder(PemBegin).Append('\n');
            for (var i = 0; i < body.Length; i += 70) pem.Append(body.AsSpan(i, Math.Min(70, body.Length - i))).Append('\n');
            pem.Append(PemEnd).Append('\n');
            return new SshHostKey
            {
                Algorithm = Ed25519,
                PrivateKey = pem.ToString(),
                PublicKeyLine = $"{Ed25519} {Convert.ToBase64String(blob)} {comment}",
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>The key blob of a public key line (the base64 field), or null when the line is not one.</summary>
    public static byte[]? PublicBlob(string publicKeyLine)
    {
        var parts = publicKeyLine.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) return null;
        try { return Convert.FromBase64String(parts[1]); }
        catch (FormatException) { return null; }
    }

    /// <summary>The pin a host made with this key presents (what <c>ssh-keygen -lf</c> prints, plus the algorithm).</summary>
    public static HostKeyPin PinOf(SshHostKey key) =>
        HostKeyPin.TryParse(key.PublicKeyLine, out var pin, out var problem)
            ? pin!
            : throw new ArgumentException($"the host key's public line is not usable: {problem}", nameof(key));

    /// <summary>
    /// Checks an unencrypted openssh-key-v1 private key against its public line. Returns null when they belong
    /// together, else the reason (never any key material).
    /// </summary>
    public static string? Problem(SshHostKey key)
    {
        var blob = PublicBlob(key.PublicKeyLine);
        if (blob is null || !key.PublicKeyLine.StartsWith(key.Algorithm + " ", StringComparison.Ordinal))
            return $"the public key line is not '{key.Algorithm} <base64> [comment]'";
        byte[] data;
        try
        {
            var text = key.PrivateKey.Trim();
            if (!text.StartsWith(PemBegin, StringComparison.Ordinal) || !text.EndsWith(PemEnd, StringComparison.Ordinal))
                return "the private key is not an OpenSSH private key (BEGIN OPENSSH PRIVATE KEY)";
            data = Convert.FromBase64String(text[PemBegin.Length..^PemEnd.Length]);
        }
        catch (FormatException)
        {
            return "the private key's body is not valid base64";
        }
        try
        {
            var r = new SshReader(data);
            if (Encoding.ASCII.GetString(r.Raw(Magic.Length)) != Magic) return "the private key is not in openssh-key-v1 format";
            if (r.Text() != "none" || r.Text() != "none") return "the private key is encrypted; host keys must be unencrypted";
            r.Bytes();
            if (r.UInt32() != 1) return "the private key file holds more than one key";
            var filePub = r.Bytes();
            if (!filePub.AsSpan().SequenceEqual(blob)) return "the private key does not belong to the public key line";
            var s = new SshReader(r.Bytes());
            if (s.UInt32() != s.UInt32()) return "the private key's check bytes differ (corrupt file)";
            var algorithm = s.Text();
            if (algorithm != key.Algorithm) return $"the private key is {algorithm}, not {key.Algorithm}";
            if (algorithm == Ed25519)
            {
                var pub = s.Bytes();
                var secret = s.Bytes();
                if (secret.Length != 64) return "the ed25519 private key has the wrong length";
                var derived = new Ed25519PrivateKeyParameters(secret, 0).GeneratePublicKey().GetEncoded();
                if (!derived.AsSpan().SequenceEqual(pub) || !Ed25519Blob(pub).AsSpan().SequenceEqual(blob))
                    return "the ed25519 private key does not match its public key";
            }
            return null;
        }
        catch (FormatException)
        {
            return "the private key is truncated or corrupt";
        }
    }

    private static byte[] Ed25519Blob(byte[] pub)
    {
        var w = new SshWriter();
        w.String(Ed25519);
        w.String(pub);
        return w.ToArray();
    }

    private sealed class SshWriter
    {
        private readonly List<byte> _bytes = [];
        public int Length => _bytes.Count;
        public void Raw(ReadOnlySpan<byte> bytes) => _bytes.AddRange(bytes);
        public void UInt32(uint value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, value);
            _bytes.AddRange(b);
        }
        public void String(ReadOnlySpan<byte> bytes) { UInt32((uint)bytes.Length); Raw(bytes); }
        public void String(string ascii) => String(Encoding.ASCII.GetBytes(ascii));
        public byte[] ToArray() => [.. _bytes];
    }

    private sealed class SshReader(byte[] data)
    {
        private int _pos;
        public byte[] Raw(int n)
        {
            if (n < 0 || _pos + n > data.Length) throw new FormatException("truncated");
            var r = data.AsSpan(_pos, n).ToArray();
            _pos += n;
            return r;
        }
        public uint UInt32() => BinaryPrimitives.ReadUInt32BigEndian(Raw(4));
        public byte[] Bytes()
        {
            var n = UInt32();
            return n > int.MaxValue ? throw new FormatException("length") : Raw((int)n);
        }
        public string Text() => Encoding.ASCII.GetString(Bytes());
    }
}
