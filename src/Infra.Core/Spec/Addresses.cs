using System.Net;
using System.Net.Sockets;

namespace Infra.Core.Spec;

/// <summary>
/// The spellings of addresses a stack accepts: canonical dotted-quad IPv4 (no <c>10.0.11</c>, <c>167772171</c>,
/// <c>0x0a00000b</c> or <c>010.0.0.21</c>, which other parsers read as different hosts), IPv6 without a zone id, or
/// an RFC 1123 DNS name where a name is allowed. Duplicates are found by comparing <see cref="Canonical"/> forms.
/// </summary>
public static class Addresses
{
    /// <summary>Parses canonical dotted-quad IPv4 or IPv6 without a zone id; nothing else.</summary>
    public static bool TryParseIp(string text, out IPAddress? address)
    {
        address = null;
        if (text.Contains(':', StringComparison.Ordinal))
        {
            if (!text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')) return false; // no zone id, no brackets
            if (!IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6) return false;
            address = v6;
            return true;
        }
        var parts = text.Split('.');
        if (parts.Length != 4) return false;
        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            var p = parts[i];
            if (p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || (p.Length > 1 && p[0] == '0')) return false;
            var n = int.Parse(p, System.Globalization.CultureInfo.InvariantCulture);
            if (n > 255) return false;
            bytes[i] = (byte)n;
        }
        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>
    /// An RFC 1123 host name (labels of letters, digits and '-', at most 63 each and 253 in all) whose last label
    /// starts with a letter, so that no name can be read as a number (<c>167772171</c>, <c>0x0a00000b</c>, <c>10.0.11</c>).
    /// </summary>
    public static bool IsHostName(string text) =>
        Names.IsDnsName(text) && char.IsAsciiLetter(text[(text.LastIndexOf('.') + 1)..][0]);

    /// <summary>An IP address (canonical spelling) or, when <paramref name="allowName"/>, a host name.</summary>
    public static bool IsAddress(string text, bool allowName) => TryParseIp(text, out _) || (allowName && IsHostName(text));

    /// <summary>The form two spellings of one address share: the IP's own text, or the lower-cased name.</summary>
    public static string Canonical(string text) =>
        TryParseIp(text, out var ip) ? ip!.ToString() : text.ToLowerInvariant();
}
