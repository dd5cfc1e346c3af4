namespace Infra.Ssh;

/// <summary>What a command did on a host.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    public string StderrTail(int lines = 15) => string.Join('\n', Stderr.TrimEnd('\n').Split('\n').TakeLast(lines));
}

/// <summary>One open connection to a host, reused for every command of a run (as root, through sudo if needed).</summary>
public interface IHostSession : IAsyncDisposable
{
    string Host { get; }

    /// <summary>Runs a bash script (sent on stdin, never on a command line) with exported environment variables.</summary>
    Task<CommandResult> RunAsync(string script, IReadOnlyDictionary<string, string>? env, TimeSpan timeout, string label, CancellationToken ct);

    /// <summary>Uploads a file, verified by checksum on the host, then moved into place with its mode.</summary>
    Task UploadAsync(string path, byte[] content, int mode, CancellationToken ct);
}

/// <summary>Opens sessions; a failure to connect (or a host key that does not match) is thrown from here.</summary>
public delegate Task<IHostSession> HostSessionFactory(Core.Model.PlannedHost host, CancellationToken ct);
