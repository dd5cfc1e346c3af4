namespace Infra.Ssh.Engine;

/// <summary>Where the engine keeps its state on each host (mode 0700).</summary>
public static class HostPaths
{
    public const string Dir = "/var/lib/infra";
    /// <summary>One line per finished step: id, input hash, result, unix time. The last line of an id wins.</summary>
    public const string Journal = Dir + "/journal";
    /// <summary>The settings the node was bootstrapped with (NodeState JSON), to refuse changes that need a procedure.</summary>
    public const string State = Dir + "/state.json";
    /// <summary>A directory: mkdir is atomic, so the first of two runs wins.</summary>
    public const string HostLock = Dir + "/lock";
    /// <summary>On the first control plane: one apply per cluster.</summary>
    public const string ClusterLock = Dir + "/cluster-lock";
}
