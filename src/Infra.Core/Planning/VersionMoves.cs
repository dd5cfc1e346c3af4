using Infra.Core.Catalog;
using Infra.Core.Spec;
using Infra.Core.Workloads;

namespace Infra.Core.Planning;

/// <summary>What moving a running cluster from one Kubernetes version to another takes.</summary>
public enum VersionMoveKind
{
    /// <summary>The same version: nothing to do.</summary>
    None,
    /// <summary>A newer patch of the same minor.</summary>
    Patch,
    /// <summary>The next minor.</summary>
    Minor,
    /// <summary>A skipped minor, a downgrade or a minor this release (or a pinned component) does not support.</summary>
    Refused,
}

/// <summary>A version move as decided by <see cref="VersionMoves"/>; <see cref="Refusal"/> set when refused.</summary>
public sealed record VersionMove(VersionMoveKind Kind, KubernetesVersion From, KubernetesVersion To, string? Refusal = null)
{
    public bool IsUpgrade => Kind is VersionMoveKind.Patch or VersionMoveKind.Minor;

    /// <summary>As <c>infra plan</c> names the procedure: <c>upgrade 1.34.1 → 1.34.2 (patch)</c>.</summary>
    public string Describe() => $"upgrade {From} → {To} ({(Kind == VersionMoveKind.Minor ? "next minor" : "patch")})";
}

/// <summary>
/// The version-move policy: the same version does nothing; a newer patch of the same minor is a patch upgrade; the
/// next minor is a minor upgrade when this release and every pinned component support it; anything else (a skipped
/// minor, a downgrade, an unsupported minor) is refused before anything runs, naming the allowed next steps.
/// kubeadm enforces one minor at a time (cmd/kubeadm/app/phases/upgrade/policy.go,
/// MaximumAllowedMinorVersionUpgradeSkew = 1); downgrades, which kubeadm tolerates by one minor, are refused here
/// because the tool's packages, etcd and baseline are planned forward only.
/// </summary>
public static class VersionMoves
{
    /// <summary>kubeadm's MaximumAllowedMinorVersionUpgradeSkew (cmd/kubeadm/app/phases/upgrade/policy.go).</summary>
    public const int MaxMinorStep = 1;

    /// <param name="unsupportedBy">Pinned components that do not support <paramref name="to"/> (their messages); empty when all do.</param>
    public static VersionMove Decide(KubernetesVersion from, KubernetesVersion to, IReadOnlyList<string>? unsupportedBy = null)
    {
        if (from == to) return new(VersionMoveKind.None, from, to);
        VersionMove Refuse(string why) => new(VersionMoveKind.Refused, from, to, $"{why}; {AllowedNext(from)}");
        if (to < from) return Refuse($"moving from {from} to {to} is a downgrade, which the tool does not perform");
        if (to.Major != from.Major || to.Minor > from.Minor + MaxMinorStep)
        {
            return Refuse($"{to} skips a minor: kubeadm upgrades one minor at a time (from {from.MinorString} only to {from.Major}.{from.Minor + 1})");
        }
        if (to.Minor == from.Minor) return new(VersionMoveKind.Patch, from, to);
        if (!VersionCatalog.IsSupported(to.Major, to.Minor) || VersionCatalog.ComponentsFor(to.Major, to.Minor) is null)
        {
            return Refuse($"Kubernetes {to.MinorString} is outside the supported window {VersionCatalog.Window} of this release of the tool");
        }
        if (unsupportedBy is { Count: > 0 })
        {
            return Refuse($"Kubernetes {to.MinorString} is not supported by the pinned components: {string.Join(" ", unsupportedBy)}");
        }
        return new(VersionMoveKind.Minor, from, to);
    }

    /// <summary>The move for a live cluster at <paramref name="from"/> to the version <paramref name="wanted"/> asks for, its baseline included.</summary>
    public static VersionMove Decide(KubernetesVersion from, ClusterSpec wanted) =>
        Decide(from, wanted.Kubernetes.Version, [.. BaselinePlanner.Check(wanted).Where(d => d.Severity == WorkloadSeverity.Error && d.Key != "workloads.storage").Select(d => d.Message)]);

    /// <summary>"the allowed next steps from 1.34.1: a newer 1.34 patch, or 1.35.x (upgrade to 1.35.x first)".</summary>
    public static string AllowedNext(KubernetesVersion from)
    {
        var next = (from.Major, Minor: from.Minor + 1);
        var minor = VersionCatalog.IsSupported(next.Major, next.Minor) ? $", or {next.Major}.{next.Minor}.x (upgrade to {next.Major}.{next.Minor}.x first)" : "";
        return $"the allowed next steps from {from}: a newer {from.MinorString} patch{minor}";
    }
}
