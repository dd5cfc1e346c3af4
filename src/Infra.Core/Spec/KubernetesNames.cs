namespace Infra.Core.Spec;

/// <summary>
/// Kubernetes' own syntax rules for label keys (qualified names), label values and taints, as
/// k8s.io/apimachinery's validation package states them (IsQualifiedName / IsLabelKey, IsValidLabelValue,
/// IsDNS1123Subdomain). Labels and taints become kubelet flags, so nothing outside these rules may pass.
/// Each method returns null when the text is valid, else the reason in words.
/// </summary>
public static class KubernetesNames
{
    public const int NameMaxLength = 63;
    public const int PrefixMaxLength = 253;
    public const int LabelValueMaxLength = 63;
    public static readonly IReadOnlyList<string> TaintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    /// <summary>A label key: optional DNS-1123 subdomain prefix (at most 253) and '/', then a name of at most 63.</summary>
    public static string? LabelKeyProblem(string key)
    {
        var parts = key.Split('/');
        if (parts.Length > 2) return "a label key holds at most one '/' (prefix/name)";
        var name = parts[^1];
        if (parts.Length == 2)
        {
            if (parts[0].Length == 0) return "the prefix before '/' is empty";
            if (!IsDns1123Subdomain(parts[0])) return $"the prefix must be a DNS-1123 subdomain of at most {PrefixMaxLength} characters: lower-case letters, digits, '-' and '.'";
        }
        if (name.Length == 0) return "the name part is empty";
        if (name.Length > NameMaxLength) return $"the name part is longer than {NameMaxLength} characters";
        return IsNamePart(name) ? null : "the name part must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
    }

    /// <summary>A label value: empty, or at most 63 of letters, digits, '-', '_', '.', starting and ending alphanumeric.</summary>
    public static string? LabelValueProblem(string value)
    {
        if (value.Length == 0) return null;
        if (value.Length > LabelValueMaxLength) return $"a label value is at most {LabelValueMaxLength} characters";
        return IsNamePart(value) ? null : "a label value must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
    }

    /// <summary>RFC 1123 subdomain as Kubernetes checks it: lower-case labels joined by '.', at most 253.</summary>
    public static bool IsDns1123Subdomain(string s) =>
        s.Length is > 0 and <= PrefixMaxLength && s.Split('.').All(Names.IsDns1123Label);

    private static bool IsNamePart(string s) =>
        s.Length > 0 && char.IsAsciiLetterOrDigit(s[0]) && char.IsAsciiLetterOrDigit(s[^1])
        && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>A taint in kubectl form, <c>key[=value]:Effect</c>: the key is a label key, the value a label value.</summary>
    public static bool TryParseTaint(string text, out Taint? taint, out string? problem)
    {
        taint = null;
        var colon = text.LastIndexOf(':');
        if (colon <= 0) { problem = "write key[=value]:Effect"; return false; }
        var effect = text[(colon + 1)..];
        if (!TaintEffects.Contains(effect))
        {
            problem = $"the effect must be {string.Join(", ", TaintEffects)}";
            return false;
        }
        var kv = text[..colon];
        var eq = kv.IndexOf('=', StringComparison.Ordinal);
        var key = eq < 0 ? kv : kv[..eq];
        var value = eq < 0 ? null : kv[(eq + 1)..];
        problem = LabelKeyProblem(key) is { } k ? $"key: {k}" : value is not null && LabelValueProblem(value) is { } v ? $"value: {v}" : null;
        if (problem is not null) return false;
        taint = new Taint(key, value, effect);
        return true;
    }
}
