using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Infra.Core.Spec;

/// <summary>
/// One OpenSSH public key line, <c>TYPE BASE64 [comment]</c>, as <c>ssh-keygen</c> writes it to a <c>.pub</c> file and
/// cloud-init writes it to <c>authorized_keys</c>. Checked strictly: a second line would authorize a second key, an
/// options prefix (<c>command="…"</c>) would change what the key may do.
/// </summary>
public static class SshPublicKeys
{
    public static readonly IReadOnlyList<string> Types =
        ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"];

    /// <summary>ssh-keygen's default RSA size since OpenSSH 8.0; smaller RSA keys are refused.</summary>
    public const int MinRsaBits = 3072;
    public const int MaxRsaBits = 16384;
    /// <summary>Longest line accepted (a 16384-bit RSA key with a comment fits).</summary>
    public const int MaxLineLength = 4096;
    public const int MaxCommentLength = 256;

    /// <summary>Null when the line is exactly one well-formed key, else the reason in words.</summary>
    public static string? Problem(string line)
    {
        if (line.Length > MaxLineLength) return $"a public key line is at most {MaxLineLength} characters";
        if (line.Contains('\n', StringComparison.Ordinal) || line.Contains('\r', StringComparison.Ordinal))
            return "exactly one key line is allowed: remove the line break (a second line would authorize a second key)";
        var parts = line.Trim(' ').Split(' ', 3);
        if (parts.Length < 2) return $"expected 'TYPE BASE64 [comment]', e.g. 'ssh-ed25519 AAAA… user@host'; TYPE is one of {string.Join(", ", Types)}";
        var type = parts[0];
        if (!Types.Contains(type))
            return $"'{Show(type)}' is not a key type; a key line starts with one of {string.Join(", ", Types)} (no options such as command=\"…\")";
        byte[] blob;
        try { blob = Convert.FromBase64String(parts[1]); }
        catch (FormatException) { return "the key after the type is not valid base64"; }
        if (BlobProblem(type, blob) is { } p) return p;
        if (parts.Length == 3)
        {
            var comment = parts[2];
            if (comment.Length > MaxCommentLength) return $"the comment is longer than {MaxCommentLength} characters";
            if (!comment.All(c => c is >= ' ' and <= '~')) return "the comment may hold printable ASCII characters only (no control or non-ASCII characters)";
        }
        return null;
    }

    private static string? BlobProblem(string type, byte[] blob)
    {
        var at = 0;
        byte[]? Next()
        {
            if (blob.Length - at < 4) return null;
            var n = BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(at));
            if (n > blob.Length - at - 4) return null;
            var s = blob.AsSpan(at + 4, (int)n).ToArray();
            at += 4 + (int)n;
            return s;
        }
        var embedded = Next();
        if (embedded is null || Encoding.ASCII.GetString(embedded) != type) return $"the key data does not hold a {type} key (a copied fragment, or the type does not match the key)";
        switch (type)
        {
            case "ssh-ed25519":
                if (Next() is not { Length: 32 }) return "an ssh-ed25519 key holds 32 bytes of key data";
                break;
            case "ssh-rsa":
                var e = Next();
                var n = Next();
                if (e is null || n is null || e.Length == 0 || n.Length == 0) return "the ssh-rsa key data is truncated";
                var bits = (int)new BigInteger(n, isUnsigned: true, isBigEndian: true).GetBitLength();
                if (bits < MinRsaBits) return $"an ssh-rsa key of {bits} bits is too small: at least {MinRsaBits} bits (or use ssh-keygen -t ed25519)";
                if (bits > MaxRsaBits) return $"an ssh-rsa key of {bits} bits is larger than {MaxRsaBits}";
                break;
            default:
                var curve = type["ecdsa-sha2-".Length..];
                var pointLength = curve switch { "nistp256" => 65, "nistp384" => 97, _ => 133 };
                if (Next() is not { } c || Encoding.ASCII.GetString(c) != curve) return $"the key data does not name the curve {curve}";
                if (Next() is not { } q || q.Length != pointLength || q[0] != 4) return $"the {curve} point is malformed";
                break;
        }
        return at == blob.Length ? null : "the key data has trailing bytes";
    }

    private static string Show(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
