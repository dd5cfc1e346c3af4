namespace Infra.Core.Spec;

/// <summary>
/// The strict forms of free-text stack values that reach scripts, config files and command lines. Each returns
/// null when the text is acceptable, else the rule in words (the value itself is quoted by the caller, shortened).
/// </summary>
public static class TextRules
{
    /// <summary>POSIX portable user names as useradd accepts them: [a-z_][a-z0-9_-]{0,31}.</summary>
    public static string? UserName(string s) =>
        s.Length is > 0 and <= 32 && (char.IsAsciiLetterLower(s[0]) || s[0] == '_')
        && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-')
            ? null
            : "a user name is 1–32 of lower-case letters, digits, '_' and '-', starting with a letter or '_'";

    /// <summary>Cloud zones: eu-west-1a, europe-west1-b, 1.</summary>
    public static string? Zone(string s) => Word(s, 63, "", "a zone is at most 63 letters, digits and '-', starting with a letter or digit");

    /// <summary>VM sizes: m6i.large, Standard_D2s_v5, e2-standard-2.</summary>
    public static string? Size(string s) => Word(s, 64, "._", "a VM size is at most 64 letters, digits, '-', '_' and '.', starting with a letter or digit");

    /// <summary>Cloud settings such as aws:region, gcp:project, azure-native:location.</summary>
    public static string? ProviderSetting(string s) => Word(s, 63, "", "at most 63 letters, digits and '-', starting with a letter or digit");

    /// <summary>Image overrides: ami-0abc…, projects/debian-cloud/global/images/family/debian-12, Canonical:ubuntu-24_04-lts:server:latest.</summary>
    public static string? Image(string s) =>
        Word(s, 512, "._:/", "an image is at most 512 letters, digits, '-', '_', '.', ':' and '/', starting with a letter, digit or '/'", allowLeadingSlash: true)
        ?? (s.Split('/').Contains("..") ? "an image may not hold a '..' path segment" : null);

    /// <summary>
    /// <c>cloud.image</c> in the form its target takes (read here, so that a plan never refuses what validation
    /// accepted): an AMI id on AWS, a publisher:offer:sku:version URN on Azure, an image or family path on GCP.
    /// </summary>
    public static string? CloudImage(Target target, string s) => Image(s) ?? target switch
    {
        Target.Aws when !(s.StartsWith("ami-", StringComparison.Ordinal) && s.Length > 4 && s[4..].All(char.IsAsciiHexDigitLower)) =>
            "on aws an image is an AMI id: 'ami-' followed by lower-case hex digits",
        Target.Azure when !(s.Split(':') is { Length: 4 } parts && parts.All(p => p.Length > 0)) =>
            "on azure an image is a URN: publisher:offer:sku:version",
        _ => null,
    };

    /// <summary>Local paths (identity file, bundle folder): any printable text without control characters.</summary>
    public static string? LocalPath(string s) =>
        s.Length == 0 ? "the path is empty"
        : s.Length > Limits.MaxPathLength ? $"a path is at most {Limits.MaxPathLength} characters"
        : s.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029') ? "a path may not hold control characters (line breaks, tabs, escapes)"
        : null;

    /// <summary>
    /// A registry host as containerd names its hosts.toml folder: a DNS name or IPv4 address with an optional :port,
    /// nothing else (no '/', '..', quotes or line breaks).
    /// </summary>
    public static string? RegistryHost(string s)
    {
        const string rule = "a registry host is a DNS name or IPv4 address with an optional :port (e.g. docker.io, registry.example.com:5000), nothing else";
        var colon = s.LastIndexOf(':');
        var host = colon < 0 ? s : s[..colon];
        if (colon >= 0 && !IsPort(s[(colon + 1)..])) return rule;
        return Names.IsDnsName(host) || Addresses.TryParseIp(host, out var ip) && ip!.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? null : rule;
    }

    /// <summary>
    /// A registry reference: [https://]host[:port][/path], path segments of lower-case letters, digits, '.', '_', '-'
    /// (the OCI repository name charset), no '..' segments. <paramref name="allowScheme"/>: a mirror may name https://.
    /// </summary>
    public static string? RegistryReference(string s, bool allowScheme)
    {
        var rule = $"a registry is {(allowScheme ? "[https://]" : "")}host[:port][/path] (e.g. mirror.example.com:5000/k8s); the path holds lower-case letters, digits, '.', '_', '-' and '/'";
        var rest = s;
        if (allowScheme && rest.StartsWith("https://", StringComparison.Ordinal)) rest = rest[8..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var host = slash < 0 ? rest : rest[..slash];
        if (RegistryHost(host) is not null) return rule;
        if (slash < 0) return null;
        var segments = rest[(slash + 1)..].Split('/');
        return segments.All(g => g.Length > 0 && g != ".." && g != "." && char.IsAsciiLetterOrDigit(g[0])
            && g.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-')) ? null : rule;
    }

    // Alert receivers' settings reach Alertmanager's configuration, where to/from are Go templates: none of these
    // forms can hold '{', quotes, spaces or line breaks.

    /// <summary>A Slack channel as Slack names them: an optional '#', then 1–80 lower-case letters, digits, '-', '_' and '.'.</summary>
    public static string? AlertChannel(string s)
    {
        var name = s.StartsWith('#') ? s[1..] : s;
        return name.Length is > 0 and <= 80 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.')
            ? null
            : "a Slack channel is an optional '#' and 1–80 lower-case letters, digits, '-', '_' and '.'";
    }

    /// <summary>One e-mail address: local part of letters, digits and '.', '_', '%', '+', '-', '@' and a DNS name; at most 254 characters.</summary>
    public static string? EmailAddress(string s)
    {
        const string rule = "an e-mail address is local@domain: letters, digits and . _ % + - before '@', a DNS name after it (one address, at most 254 characters)";
        var at = s.IndexOf('@', StringComparison.Ordinal);
        if (s.Length > 254 || at is <= 0 || at != s.LastIndexOf('@')) return rule;
        var local = s[..at];
        return local.Length <= 64 && local.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-') && Names.IsDnsName(s[(at + 1)..])
            ? null
            : rule;
    }

    /// <summary>An SMTP server as host:port: a DNS name or IPv4 address and a port.</summary>
    public static string? HostPort(string s)
    {
        const string rule = "a server is host:port (a DNS name or IPv4 address and a port 1–65535, e.g. smtp.example.com:587)";
        var colon = s.LastIndexOf(':');
        if (colon <= 0 || !IsPort(s[(colon + 1)..])) return rule;
        var host = s[..colon];
        return Names.IsDnsName(host) || Addresses.TryParseIp(host, out var ip) && ip!.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? null : rule;
    }

    /// <summary>An SMTP user name: 1–128 letters, digits and '.', '_', '@', '+', '-'.</summary>
    public static string? AlertUserName(string s) =>
        s.Length is > 0 and <= 128 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '@' or '+' or '-')
            ? null
            : "an SMTP user name is 1–128 letters, digits and . _ @ + -";

    private static bool IsPort(string p) =>
        p.Length is > 0 and <= 5 && p.All(char.IsAsciiDigit) && p[0] != '0' && int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) <= 65535;

    private static string? Word(string s, int max, string extra, string rule, bool allowLeadingSlash = false) =>
        s.Length is > 0 && s.Length <= max
        && (char.IsAsciiLetterOrDigit(s[0]) || (allowLeadingSlash && s[0] == '/'))
        && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || extra.Contains(c, StringComparison.Ordinal))
            ? null
            : rule;
}
