using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Ssh.Engine;

public sealed record ConvergeOptions
{
    /// <summary>Phases to run; empty: every phase but reset.</summary>
    public IReadOnlyList<Phase> Phases { get; init; } = [];
    /// <summary>Hosts to act on; empty: all.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];
    public int Concurrency { get; init; } = 20;
    public bool DryRun { get; init; }
    public bool BreakLock { get; init; }
    /// <summary>Recorded in the locks so that a refused second run can say who holds them (see <see cref="Engine.LockHolder"/>).</summary>
    public required string LockHolder { get; init; }
    /// <summary>Whether a lock's holder is known to be gone, so that its locks are taken over without --break-lock.</summary>
    public Func<string, bool> HolderIsGone { get; init; } = _ => false;
    public required TimeSpan CommandTimeout { get; init; }
    /// <summary>The local bundle folder (packages.source bundle): binaries steps upload with checksums.</summary>
    public string? BundleDirectory { get; init; }
    /// <summary>Take the cluster lock on the first control plane (the infra command does; the Pulumi provider does not).</summary>
    public bool ClusterLock { get; init; } = true;
    /// <summary>The external members' etcd per Kubernetes version for an upgrade; the catalogue's by default (tests give entries it does not have yet).</summary>
    public Func<KubernetesVersion, EtcdRelease?>? EtcdReleases { get; init; }
}
