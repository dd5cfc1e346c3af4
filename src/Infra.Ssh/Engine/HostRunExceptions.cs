namespace Infra.Ssh.Engine;

/// <summary>A host run that stopped before its host converged. Messages name the host and pass the redactor.</summary>
public abstract class HostRunException(string host, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Host { get; } = host;
}

/// <summary>The host could not be reached, or presented another key than the pinned one (<see cref="HostKeyRefused"/>).</summary>
public sealed class HostUnreachableException(string host, string message, bool hostKeyRefused, Exception? inner = null)
    : HostRunException(host, $"host {host}: {message}", inner)
{
    public bool HostKeyRefused { get; } = hostKeyRefused;
}

/// <summary>Another run holds the host's lock (and is not known to be gone).</summary>
public sealed class HostLockedException(string host, string holder, long ageSeconds)
    : HostRunException(host, $"host {host} is locked by {holder} for {ageSeconds} s")
{
    public string Holder { get; } = holder;
    public long AgeSeconds { get; } = ageSeconds;
}

/// <summary>The host waits for something that is not done: an earlier phase, the first control plane, an etcd member.</summary>
public sealed class HostBlockedException(string host, string why) : HostRunException(host, $"host {host}: {why}")
{
    public string Why { get; } = why;
}

/// <summary>A step (or the probe, or the join credentials) failed on the host; <see cref="Failure"/> names the step, exit, stderr tail and, for a check that did not hold after the script, the check's line.</summary>
public sealed class StepFailedException(string host, StepFailure failure) : HostRunException(host, Describe(host, failure))
{
    public StepFailure Failure { get; } = failure;

    private static string Describe(string host, StepFailure f) => f.Check is { } check
        ? $"host {host}: step {f.StepId} ran, but its check does not hold ({check.Describe()}): {f.StderrTail}"
        : $"host {host}: step {f.StepId} failed with exit {f.ExitCode}: {f.StderrTail}";
}
