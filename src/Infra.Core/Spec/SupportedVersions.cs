using Infra.Core.Catalog;

namespace Infra.Core.Spec;

/// <summary>The Kubernetes minors this release of the tool supports (<see cref="VersionCatalog.SupportedMinors"/>).</summary>
public static class SupportedVersions
{
    public static IReadOnlyList<(int Major, int Minor)> Minors => VersionCatalog.SupportedMinors;

    public static string Window => VersionCatalog.Window;

    public static bool IsSupported(KubernetesVersion v) => VersionCatalog.IsSupported(v.Major, v.Minor);
}
