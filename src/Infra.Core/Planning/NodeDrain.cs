using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>The one drain of a node, run on the first control plane, before its upgrade or its removal.</summary>
internal static class NodeDrain
{
    /// <summary>
    /// Evictions only, bounded by <c>kubernetes.upgrade.drainTimeout</c> (kubernetes/kubectl pkg/cmd/drain/drain.go:
    /// its flags; never --force or --disable-eviction). <paramref name="inputs"/> add what makes this drain another one
    /// (an upgrade's target version).
    /// </summary>
    public static Step For(string id, Phase phase, string node, UpgradeSpec settings, OsFamily os, string why, params (string Key, string Value)[] inputs) =>
        Step.Create(id, phase, $"{why} (evictions, PodDisruptionBudgets respected, at most {settings.DrainTimeout})",
            ShellScript.Render(new ShellArgs().Set("ADMIN_CONF", HostPaths.AdminConf).Set("NODE", node).Set("DRAIN_TIMEOUT", settings.DrainTimeout),
                ShellScript.Load("nodes/drain.sh")),
            check: null, Steps.In([("node", node), ("drainTimeout", settings.DrainTimeout), .. inputs]), [os]);
}
