namespace Infra.Ssh;

/// <summary>A failure of the SSH transport for one host. Messages name the host and never hold secrets.</summary>
public abstract class SshTransportException(string host, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The host's name (see <see cref="SshTarget.Name"/>).</summary>
    public string Host { get; } = host;
}

/// <summary>The host could not be reached or logged into (after the configured retries, where retrying helps).</summary>
public sealed class SshConnectException(string host, string message, Exception? inner = null)
    : SshTransportException(host, message, inner);

/// <summary>
/// The host presented a key other than the pinned one (or offers none of the pinned key's algorithm).
/// Nothing ran on the host. This is a refusal, not a retryable failure.
/// </summary>
public sealed class HostKeyMismatchException : SshTransportException
{
    public HostKeyMismatchException(string host, string expected, string? presented, string? presentedAlgorithm, string message)
        : base(host, message)
    {
        Expected = expected;
        Presented = presented;
        PresentedAlgorithm = presentedAlgorithm;
    }

    /// <summary>The pinned fingerprint, <c>SHA256:…</c>.</summary>
    public string Expected { get; }
    /// <summary>The presented key's fingerprint, or null when the host offered no key of the pinned algorithm.</summary>
    public string? Presented { get; }
    public string? PresentedAlgorithm { get; }
}

/// <summary>A command ran longer than its budget; it was sent a TERM signal.</summary>
public sealed class SshCommandTimeoutException(string host, string command, TimeSpan timeout)
    : SshTransportException(host, $"'{command}' on {host} did not finish within {timeout.TotalSeconds:0.###} s and was stopped")
{
    public string Command { get; } = command;
    public TimeSpan Timeout { get; } = timeout;
}

/// <summary>sudo needs a password that is not available, or refused the one given.</summary>
public sealed class SshSudoException(string host, string message) : SshTransportException(host, message);

/// <summary>An upload did not arrive intact or could not be put in place.</summary>
public sealed class SshUploadException(string host, string path, string message) : SshTransportException(host, message)
{
    public string Path { get; } = path;
}

/// <summary>A file could not be read from the host, or arrived with another checksum than the host's copy.</summary>
public sealed class SshDownloadException(string host, string path, string message) : SshTransportException(host, message)
{
    public string Path { get; } = path;
}
