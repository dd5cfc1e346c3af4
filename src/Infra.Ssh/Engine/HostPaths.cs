namespace Infra.Ssh.Engine;

/// <summary>Where the engine keeps its state on each host (mode 0700).</summary>
public static class HostPaths
{
    public const string Dir = "/var/lib/infra";
    /// <summary>One line per finished step: id, input hash, result, unix time. The last line of an id wins.</summary>
    public const string Journal = Dir + "/journal";
    /// <summary>The settings the node was bootstrapped with (NodeState JSON), to refuse changes that need a procedure.</summary>
    public const string State = Dir + "/state.json";
    /// <summary>
    /// Locks live on tmpfs: a host that lost power and booted again has no run going on it (every run's connection
    /// to it broke), so its locks must not outlive the boot. A lock left by a killed run is taken over when its holder
    /// was a process of this machine that has ended (<see cref="LockHolder"/>), and needs --break-lock otherwise.
    /// </summary>
    public const string LockDir = "/run/lock/infra";
    /// <summary>A directory: mkdir is atomic, so the first of two runs wins.</summary>
    public const string HostLock = LockDir + "/host";
    /// <summary>On the first control plane: one apply per cluster.</summary>
    public const string ClusterLock = LockDir + "/cluster";
}
