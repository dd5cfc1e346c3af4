using Infra.Core.Catalog;
using Infra.Core.Model;
using Infra.Core.Shell;

namespace Infra.Core.NodePrograms;

/// <summary>The checks for the pinned Helm, shared by prepare and the workloads phase.</summary>
internal static class HelmChecks
{
    private static ShellArgs Version() => new ShellArgs().Set("HELM_VERSION", VersionCatalog.HelmVersion);

    /// <summary>Exits 0 when exactly the pinned Helm is on PATH.</summary>
    public static readonly string Installed = Step.Header + ShellScript.Render(Version(), ShellScript.Load("helm/installed.sh"));

    /// <summary>
    /// Preinstalled: exactly the pinned Helm on PATH, else exit 1 saying what was found. Prepare runs it too, so a
    /// missing Helm is found before kubeadm init rather than after the cluster is up.
    /// </summary>
    public static readonly string Preinstalled = Step.Header + ShellScript.Render(Version(), ShellScript.Load("helm/installed-preinstalled.sh"));
}
