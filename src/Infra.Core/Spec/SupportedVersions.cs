namespace Infra.Core.Spec;

/// <summary>The Kubernetes minors this release of the tool supports: the three newest it knows.</summary>
public static class SupportedVersions
{
    public static readonly IReadOnlyList<(int Major, int Minor)> Minors = [(1, 34), (1, 35), (1, 36)];

    public static string Window => $"{Minors[0].Major}.{Minors[0].Minor}–{Minors[^1].Major}.{Minors[^1].Minor}";

    public static bool IsSupported(KubernetesVersion v) => Minors.Contains((v.Major, v.Minor));
}
