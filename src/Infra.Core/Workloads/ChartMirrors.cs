using Infra.Core.Spec;

namespace Infra.Core.Workloads;

/// <summary>
/// <c>packages.chartMirrors</c>: a chart repository URL as the tool pins it (<c>https://…</c>) → the URL of a Helm
/// repository that mirrors it, or an OCI prefix (<c>oci://host[/path]</c>) → the OCI prefix that mirrors it. Both sides
/// are plain URLs: scheme, a host name with an optional port, path segments of letters, digits and <c>. _ ~ -</c>;
/// no user, query, fragment, whitespace or quotes, at most <see cref="MaxLength"/> characters.
/// </summary>
public static class ChartMirrors
{
    public const int MaxLength = 512;

    /// <summary>Why a key and its mirror are refused, or null when both are well-formed and of the same kind.</summary>
    public static string? Problem(string upstream, string mirror)
    {
        if (UrlProblem(upstream) is { } u) return $"chart source '{Limits.Show(upstream)}' {u}";
        if (UrlProblem(mirror) is { } m) return $"chart mirror '{Limits.Show(mirror)}' {m}";
        if (IsOci(upstream) != IsOci(mirror))
        {
            return $"an {(IsOci(upstream) ? "oci://" : "http(s)://")} chart source needs a mirror of the same kind, not '{Limits.Show(mirror)}'";
        }
        return null;
    }

    /// <summary>The chart with its repository (or OCI reference) replaced by its mirror, if one is given.</summary>
    public static ChartRelease Apply(ChartRelease chart, IReadOnlyDictionary<string, string> mirrors)
    {
        if (mirrors.Count == 0) return chart;
        if (chart.Repository is { } repo)
        {
            var key = mirrors.Keys.FirstOrDefault(k => k.TrimEnd('/') == repo.TrimEnd('/'));
            return key is null ? chart : chart with { Repository = mirrors[key] };
        }
        // OCI: the longest prefix that ends at a path boundary.
        var prefix = mirrors.Keys.Where(IsOci)
            .Where(k => chart.Chart == k.TrimEnd('/') || chart.Chart.StartsWith(k.TrimEnd('/') + "/", StringComparison.Ordinal))
            .OrderByDescending(k => k.TrimEnd('/').Length).FirstOrDefault();
        return prefix is null ? chart : chart with { Chart = mirrors[prefix].TrimEnd('/') + chart.Chart[prefix.TrimEnd('/').Length..] };
    }

    private static bool IsOci(string url) => url.StartsWith("oci://", StringComparison.Ordinal);

    private static string? UrlProblem(string url)
    {
        if (url.Length > MaxLength) return $"is longer than {MaxLength} characters";
        var rest = url.StartsWith("https://", StringComparison.Ordinal) ? url[8..]
            : url.StartsWith("http://", StringComparison.Ordinal) ? url[7..]
            : IsOci(url) ? url[6..]
            : null;
        if (rest is null) return "does not start with https://, http:// or oci://";
        rest = rest.TrimEnd('/');
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var host = slash < 0 ? rest : rest[..slash];
        if (TextRules.RegistryHost(host) is not null) return "does not name a host (a DNS name or IPv4 address and an optional port)";
        if (slash >= 0 && !rest[(slash + 1)..].Split('/').All(seg =>
                seg.Length > 0 && seg is not ("." or "..") && seg.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '~' or '-')))
        {
            return "has a path with characters other than letters, digits and . _ ~ - (or an empty, '.' or '..' segment)";
        }
        return null;
    }
}
