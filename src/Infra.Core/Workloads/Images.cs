namespace Infra.Core.Workloads;

/// <summary>
/// A container image: <c>registry/repository:tag</c>, optionally <c>@sha256:…</c> where the upstream release
/// publishes the digest. <see cref="Registry"/> may carry a path prefix after a mirror rewrite
/// (<c>mirror.example.com/docker</c>).
/// </summary>
public sealed record ImageRef(string Registry, string Repository, string Tag, string? Digest = null)
{
    /// <summary>registry/repository, as charts want it in their <c>repository</c> values.</summary>
    public string Name => $"{Registry}/{Repository}";
    public override string ToString() => Digest is null ? $"{Name}:{Tag}" : $"{Name}:{Tag}@{Digest}";

    /// <summary>Parse <c>host/path:tag[@sha256:…]</c>; the registry must be explicit (no Docker Hub shorthand).</summary>
    public static ImageRef Parse(string text)
    {
        string? digest = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0) { digest = text[(at + 1)..]; text = text[..at]; }
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var colon = text.LastIndexOf(':');
        if (slash <= 0 || colon < slash) throw new FormatException($"image '{text}' needs an explicit registry and a tag");
        return new ImageRef(text[..slash], text[(slash + 1)..colon], text[(colon + 1)..], digest);
    }
}

/// <summary>Rewrites image registries to mirrors (<c>spec.packages.mirrors</c>: registry host → mirror prefix).</summary>
public sealed class ImageMirrors
{
    private readonly IReadOnlyDictionary<string, string> mirrors;

    public ImageMirrors(IReadOnlyDictionary<string, string> mirrors) => this.mirrors = mirrors;

    /// <summary>The registry (host or mirror prefix) to use in place of <paramref name="registry"/>.</summary>
    public string Registry(string registry) =>
        mirrors.TryGetValue(registry, out var mirror) ? mirror.TrimEnd('/') : registry;

    public ImageRef Rewrite(ImageRef image) => image with { Registry = Registry(image.Registry) };

    public ImageRef Rewrite(string image) => Rewrite(ImageRef.Parse(image));
}
