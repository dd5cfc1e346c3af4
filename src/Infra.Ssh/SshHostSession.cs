using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Ssh;

/// <summary>The engine's view of an <see cref="SshConnection"/>: every command as root (through sudo for other users).</summary>
public sealed class SshHostSession(SshConnection connection) : IHostSession
{
    public string Host => connection.Target.Name;
    public SshConnection Connection => connection;

    public async Task<CommandResult> RunAsync(string script, IReadOnlyDictionary<string, string>? env, TimeSpan timeout, string label, CancellationToken ct)
    {
        var r = await connection.RunAsync(script, env, sudo: true, timeout, label, ct);
        return new CommandResult(r.ExitCode, r.Stdout, r.Stderr);
    }

    public Task UploadAsync(string path, byte[] content, int mode, CancellationToken ct) => connection.UploadAsync(path, content, mode, ct);

    /// <summary>Copies a root-readable file of the host into <paramref name="destination"/>, checked by SHA-256; returns it.</summary>
    public Task<string> DownloadAsync(string path, Stream destination, CancellationToken ct) => connection.DownloadAsync(path, destination, ct);

    public ValueTask DisposeAsync() => connection.DisposeAsync();

    /// <summary>Opens pinned SSH sessions to planned hosts with the stack's SSH settings.</summary>
    public static HostSessionFactory Factory(SshSpec ssh, SshClientOptions? options = null) =>
        async (host, ct) => new SshHostSession(await SshConnection.ConnectAsync(TargetFor(host, ssh), options, ct));

    public static SshTarget TargetFor(PlannedHost host, SshSpec ssh)
    {
        var address = host.Address ?? throw new SshConnectException(host.Name, $"{host.Name} has no address yet (a cloud VM not created?)");
        var pin = host.HostKey ?? throw new SshConnectException(host.Name, $"{host.Name} has no pinned host key: nothing is run on a host whose key is unknown");
        return SshTarget.For(host.Name, address, host.Port, host.User, pin, ssh);
    }
}
