using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Infra.Core.Security;

/// <summary>
/// Every line the tool prints or logs passes through here: known secret values (tokens, certificate keys,
/// passwords) and anything shaped like key material are replaced before they can reach a terminal or a CI log.
/// </summary>
public sealed partial class Redactor
{
    public const string Mask = "[redacted]";
    private readonly ConcurrentDictionary<string, byte> _values = new(StringComparer.Ordinal);

    /// <summary>Registers a secret value; values shorter than 6 characters are ignored (they would mask ordinary text).</summary>
    public void Add(string? secret)
    {
        if (secret is { Length: >= 6 }) _values.TryAdd(secret, 0);
    }

    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        foreach (var value in _values.Keys.OrderByDescending(v => v.Length))
        {
            text = text.Replace(value, Mask, StringComparison.Ordinal);
        }
        text = PemPrivateKey().Replace(text, "-----BEGIN $1PRIVATE KEY-----" + Mask + "-----END $1PRIVATE KEY-----");
        text = BootstrapToken().Replace(text, Mask);
        text = CertificateKey().Replace(text, "$1" + Mask);
        return text;
    }

    [GeneratedRegex(@"-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)")]
    private static partial Regex PemPrivateKey();

    /// <summary>kubeadm bootstrap tokens: [a-z0-9]{6}.[a-z0-9]{16}.</summary>
    [GeneratedRegex(@"\b[a-z0-9]{6}\.[a-z0-9]{16}\b")]
    private static partial Regex BootstrapToken();

    /// <summary>The 64-hex certificate key after the flag or field that carries it.</summary>
    [GeneratedRegex(@"((?:certificate-key|certificateKey)[=:\s""]+)[0-9a-f]{64}", RegexOptions.IgnoreCase)]
    private static partial Regex CertificateKey();
}
