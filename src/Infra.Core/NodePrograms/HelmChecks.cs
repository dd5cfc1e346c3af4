using Infra.Core.Catalog;

namespace Infra.Core.NodePrograms;

/// <summary>The checks for the pinned Helm, shared by prepare and the workloads phase.</summary>
internal static class HelmChecks
{
    /// <summary>Followed by the version and a closing quote: exits 0 when exactly that Helm is on PATH.</summary>
    public const string Installed = """
        set -euo pipefail
        v=$(helm version --template '{{.Version}}' 2>/dev/null || echo none)
        test "$v" = "
        """;

    /// <summary>
    /// Preinstalled: exactly the pinned Helm on PATH, else exit 1 saying what was found. Prepare runs it too, so a
    /// missing Helm is found before kubeadm init rather than after the cluster is up.
    /// </summary>
    public static readonly string Preinstalled = Installed.Replace("test \"$v\" = \"", "", StringComparison.Ordinal) +
        $"[ \"$v\" = \"{VersionCatalog.HelmVersion}\" ] || {{ echo \"helm {VersionCatalog.HelmVersion} must be on PATH (found $v); packages.source is preinstalled, so nothing is downloaded\" >&2; exit 1; }}\n";
}
