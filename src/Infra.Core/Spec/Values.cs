using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace Infra.Core.Spec;

/// <summary>A Kubernetes release, MAJOR.MINOR.PATCH.</summary>
public sealed record KubernetesVersion(int Major, int Minor, int Patch) : IComparable<KubernetesVersion>
{
    public string MinorString => $"{Major}.{Minor}";
    public override string ToString() => $"{Major}.{Minor}.{Patch}";

    public static bool TryParse(string text, out KubernetesVersion? version)
    {
        version = null;
        var t = text.StartsWith('v') ? text[1..] : text;
        var parts = t.Split('.');
        if (parts.Length != 3) return false;
        var n = new int[3];
        for (var i = 0; i < 3; i++)
        {
            if (parts[i].Length == 0 || parts[i].Length > 4 || !parts[i].All(char.IsAsciiDigit)) return false;
            if (parts[i].Length > 1 && parts[i][0] == '0') return false;
            n[i] = int.Parse(parts[i], CultureInfo.InvariantCulture);
        }
        version = new KubernetesVersion(n[0], n[1], n[2]);
        return true;
    }

    public int CompareTo(KubernetesVersion? other) =>
        other is null ? 1 : (Major, Minor, Patch).CompareTo((other.Major, other.Minor, other.Patch));

    public static bool operator <(KubernetesVersion a, KubernetesVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(KubernetesVersion a, KubernetesVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(KubernetesVersion a, KubernetesVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(KubernetesVersion a, KubernetesVersion b) => a.CompareTo(b) >= 0;
}

/// <summary>An IPv4 or IPv6 network in CIDR form.</summary>
public sealed record Cidr(IPNetwork Network)
{
    public override string ToString() => Network.ToString();

    public static bool TryParse(string text, out Cidr? cidr)
    {
        cidr = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return false;
        // Only canonical spellings of the address (no 10.0/16, 010.0.0.0/8): other tools read those differently.
        var bits = text[(slash + 1)..];
        if (!Addresses.TryParseIp(text[..slash], out _) || bits.Length is 0 or > 3 || !bits.All(char.IsAsciiDigit) || (bits.Length > 1 && bits[0] == '0')) return false;
        if (!IPNetwork.TryParse(text, out var net)) return false;
        // Reject host bits set (10.0.0.1/16): a typo that usually means the wrong prefix.
        if (!string.Equals(net.ToString(), Normalize(text), StringComparison.OrdinalIgnoreCase)) return false;
        cidr = new Cidr(net);
        return true;
    }

    private static string Normalize(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return IPAddress.TryParse(text[..slash], out var a) ? $"{a}/{text[(slash + 1)..]}" : text;
    }

    public bool Contains(IPAddress address) => Network.Contains(address);

    public bool Overlaps(Cidr other) =>
        Network.BaseAddress.AddressFamily == other.Network.BaseAddress.AddressFamily
        && (Network.Contains(other.Network.BaseAddress) || other.Network.Contains(Network.BaseAddress));

    /// <summary>The n-th address of the network (0 is the network address itself).</summary>
    public IPAddress AddressAt(long n)
    {
        var bytes = Network.BaseAddress.GetAddressBytes();
        for (var i = bytes.Length - 1; i >= 0 && n > 0; i--)
        {
            var sum = bytes[i] + (n & 0xff);
            bytes[i] = (byte)sum;
            n = (n >> 8) + (sum >> 8);
        }
        return new IPAddress(bytes);
    }
}

/// <summary>host:port of the API server.</summary>
public sealed record Endpoint(string Host, int Port)
{
    /// <summary>
    /// The port every control plane's API server listens on (the tool sets kubeadm's localAPIEndpoint.bindPort to it), and
    /// an endpoint's port when none is written.
    /// </summary>
    public const int ApiServerPort = 6443;

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    public static bool TryParse(string text, out Endpoint? endpoint)
    {
        endpoint = null;
        string host;
        string port;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':') return false;
            host = text[1..close];
            port = text[(close + 2)..];
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon <= 0) { host = text; port = ApiServerPort.ToString(CultureInfo.InvariantCulture); }
            else { host = text[..colon]; port = text[(colon + 1)..]; }
        }
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535) return false;
        if (!Addresses.IsAddress(host, allowName: true)) return false;
        endpoint = new Endpoint(host, p);
        return true;
    }
}

/// <summary>
/// A pinned SSH host key: either <c>SHA256:&lt;base64&gt;</c> (as <c>ssh-keygen -lf</c> prints it) or a full
/// public key line (<c>ssh-ed25519 AAAA…</c>), which also fixes the algorithm the client offers.
/// </summary>
public sealed record HostKeyPin
{
    public static readonly IReadOnlyList<string> KnownAlgorithms =
    [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa",
    ];

    /// <summary>Unpadded base64 of the SHA-256 of the key blob, without the <c>SHA256:</c> prefix.</summary>
    public required string Sha256 { get; init; }
    /// <summary>Key algorithm when the pin is a full public key; null for a fingerprint pin.</summary>
    public string? Algorithm { get; init; }
    public byte[]? PublicKeyBlob { get; init; }

    public string Fingerprint => "SHA256:" + Sha256;
    public override string ToString() => Algorithm is null ? Fingerprint : $"{Algorithm} {Convert.ToBase64String(PublicKeyBlob!)}";

    public static string FingerprintOf(byte[] blob) => Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');

    /// <summary>Does a key the server presented (its blob) match this pin?</summary>
    public bool Matches(byte[] presentedBlob) =>
        CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(FingerprintOf(presentedBlob)),
            System.Text.Encoding.ASCII.GetBytes(Sha256));

    public static bool TryParse(string text, out HostKeyPin? pin, out string? problem)
    {
        pin = null;
        problem = null;
        text = text.Trim();
        if (text.Any(char.IsControl) || text.Length > SshPublicKeys.MaxLineLength)
        {
            problem = "a host key is one line without control characters: 'SHA256:<fingerprint>' or one key line";
            return false;
        }
        if (text.StartsWith("SHA256:", StringComparison.Ordinal))
        {
            var b64 = text[7..];
            var padded = b64.PadRight(b64.Length + ((4 - b64.Length % 4) % 4), '=');
            Span<byte> buf = stackalloc byte[64];
            if (b64.Length != 43 || !Convert.TryFromBase64String(padded, buf, out var n) || n != 32)
            {
                problem = "a SHA256 fingerprint has 43 base64 characters after 'SHA256:' (as 'ssh-keygen -lf' prints it)";
                return false;
            }
            pin = new HostKeyPin { Sha256 = b64 };
            return true;
        }
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // The line 'infra hosts scan' prints above each key ('#   ssh-ed25519 SHA256:…'), pasted as it is.
        if (parts.Length == 2 && KnownAlgorithms.Contains(parts[0]) && parts[1].StartsWith("SHA256:", StringComparison.Ordinal))
        {
            return TryParse(parts[1], out pin, out problem);
        }
        if (parts.Length >= 2 && KnownAlgorithms.Contains(parts[0]))
        {
            byte[] blob;
            try { blob = Convert.FromBase64String(parts[1]); }
            catch (FormatException) { problem = "the key after the algorithm is not valid base64"; return false; }
            // The blob starts with the algorithm name as an SSH string; a mismatch means a pasted fragment.
            if (blob.Length < 4 + parts[0].Length || System.Text.Encoding.ASCII.GetString(blob, 4, parts[0].Length) != parts[0])
            {
                problem = $"the key blob does not hold a {parts[0]} key";
                return false;
            }
            pin = new HostKeyPin { Sha256 = FingerprintOf(blob), Algorithm = parts[0], PublicKeyBlob = blob };
            return true;
        }
        problem = "expected 'SHA256:<fingerprint>' (as 'ssh-keygen -lf' and 'infra hosts scan' print it) or a public key line such as 'ssh-ed25519 AAAA…'";
        return false;
    }
}

public static class Names
{
    /// <summary>RFC 1123 label, as Kubernetes requires for names: lower-case alphanumerics and '-', 63 at most.</summary>
    public static bool IsDns1123Label(string s) =>
        s.Length is > 0 and <= 63
        && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && s[0] != '-' && s[^1] != '-';

    public static bool IsDnsName(string s) =>
        s.Length is > 0 and <= 253 && s.Split('.').All(l => l.Length is > 0 and <= 63
            && l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && l[0] != '-' && l[^1] != '-');
}
