using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Infra.Core.Shell;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Infra.Ssh;

/// <summary>
/// One pinned SSH connection to a host, reused for every command and upload. Scripts go to <c>bash -s</c> on
/// stdin, so neither they nor their environment show in the host's process list; the sudo password goes the
/// same way. Connection failures are retried; a command that ran is never retried.
/// </summary>
public sealed partial class SshConnection : IAsyncDisposable
{
    private readonly SshClientOptions _options;
    private readonly SshClient _client;
    private readonly SshClient? _bastion;
    private readonly ForwardedPortLocal? _forward;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SftpClient? _sftp;
    private SudoMode? _sudo;

    private enum SudoMode { None, Passwordless, Password }

    private SshConnection(SshTarget target, SshClientOptions options, SshClient client, SshClient? bastion, ForwardedPortLocal? forward)
    {
        Target = target;
        _options = options;
        _client = client;
        _bastion = bastion;
        _forward = forward;
    }

    public SshTarget Target { get; }

    /// <summary>The key exchange the connection negotiated (curve25519-sha256 unless the host lacks it).</summary>
    public string KeyExchange => _client.ConnectionInfo.CurrentKeyExchangeAlgorithm ?? "";

    /// <summary>Test seam: called with the temporary file's path after an upload's bytes are written, before the check.</summary>
    internal Func<string, Task>? AfterUploadWritten { get; set; }

    /// <summary>Connects (through the bastion when the target has one), verifying every host key against its pin.</summary>
    public static async Task<SshConnection> ConnectAsync(SshTarget target, SshClientOptions? options = null, CancellationToken ct = default)
    {
        options ??= new SshClientOptions();
        if (target.Bastion is not { } bastionTarget)
        {
            var direct = await SshConnector.ConnectAsync(target, target.Address, target.Port, options, i => new SshClient(i), ct);
            return new SshConnection(target, options, direct, null, null);
        }

        var bastion = await SshConnector.ConnectAsync(bastionTarget, bastionTarget.Address, bastionTarget.Port, options, i => new SshClient(i), ct);
        ForwardedPortLocal? forward = null;
        try
        {
            // SSH.NET has no ProxyJump: a local port on loopback, forwarded by the bastion to the target.
            forward = new ForwardedPortLocal("127.0.0.1", 0, target.Address, (uint)target.Port);
            bastion.AddForwardedPort(forward);
            forward.Start();
            var client = await SshConnector.ConnectAsync(target, "127.0.0.1", (int)forward.BoundPort, options, i => new SshClient(i), ct);
            return new SshConnection(target, options, client, bastion, forward);
        }
        catch
        {
            forward?.Dispose();
            bastion.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="script"/> with bash on the host. Environment values are exported at the top of the
    /// script (secrets belong there, not in the script text: the script's first line names the command in errors).
    /// A non-zero exit is returned, not thrown; a timeout throws <see cref="SshCommandTimeoutException"/>.
    /// </summary>
    /// <param name="sudo">Run as root through sudo when the login user is not root.</param>
    /// <param name="label">Names the command in errors; default: the script's first line.</param>
    public async Task<SshCommandResult> RunAsync(
        string script, IReadOnlyDictionary<string, string>? env = null, bool sudo = false, TimeSpan? timeout = null,
        string? label = null, CancellationToken ct = default)
    {
        var mode = sudo ? await SudoModeAsync(ct) : SudoMode.None;
        // The tag (bash's $1) finds the command's session again if it has to be stopped.
        var tag = "infra-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var commandLine = SudoPrefix(mode) + ReadAllThenRun(tag);
        var input = new StringBuilder();
        if (mode == SudoMode.Password) input.Append(SudoPassword()).Append('\n');
        if (env is not null)
        {
            foreach (var (name, value) in env.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (!EnvName().IsMatch(name)) throw new ArgumentException($"'{name}' is not a valid environment variable name", nameof(env));
                input.Append("export ").Append(name).Append('=').Append(Bash.Quote(value)).Append('\n');
            }
        }
        input.Append(script);
        if (!script.EndsWith('\n')) input.Append('\n');
        var limit = timeout ?? Target.CommandTimeout;
        label ??= FirstLine(script);
        try
        {
            return await ExecuteAsync(commandLine, Encoding.UTF8.GetBytes(input.ToString()), limit, label, ct);
        }
        catch (SshCommandTimeoutException)
        {
            await StopSessionAsync(tag, mode, label);
            throw;
        }
    }

    /// <summary>
    /// Kills a timed-out command's whole session: sshd refuses SSH "signal" requests for root logins, and a
    /// signal to the shell alone would leave its children running.
    /// </summary>
    private async Task StopSessionAsync(string tag, SudoMode mode, string label)
    {
        var script = SessionScripts.StopSession(tag);
        var killer = SudoPrefix(mode) + ReadAllThenRun("infra-stop");
        var input = (mode == SudoMode.Password ? SudoPassword() + "\n" : "") + script + "\n";
        try
        {
            await ExecuteAsync(killer, Encoding.UTF8.GetBytes(input), Target.ConnectTimeout, "stop " + label, CancellationToken.None);
        }
        catch (SshTransportException e)
        {
            _options.Logger.LogWarning("{Host}: could not stop '{Label}' after its timeout: {Reason}", Target.Name, label, e.Message);
        }
    }

    // -k: always read the password (a cached credential would leave it for bash to read as a command).
    private static string SudoPrefix(SudoMode mode) => mode switch
    {
        SudoMode.Password => "sudo -S -k -p '' ",
        SudoMode.Passwordless => "sudo -n ",
        _ => "",
    };

    /// <summary>
    /// <c>bash -s TAG</c>, fed from a copy of the whole of stdin. The remote side reads to the end of its input
    /// before anything runs, so it cannot exit (and the server close the channel) before our end-of-input arrives:
    /// SSH.NET checks that the channel is open outside the lock it sends EOF under, and an EOF that follows our
    /// CLOSE makes OpenSSH drop the whole connection. The script stays off the process list (printf is a builtin).
    /// </summary>
    private static string ReadAllThenRun(string tag) => $"bash -c 's=$(cat) && printf \"%s\\n\" \"$s\" | bash -s \"$0\"' {tag}";

    private async Task<SshCommandResult> ExecuteAsync(string commandLine, byte[] stdin, TimeSpan timeout, string label, CancellationToken ct)
    {
        using var command = _client.CreateCommand(commandLine);
        command.CommandTimeout = timeout;
        var watch = Stopwatch.StartNew();
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            var running = command.ExecuteAsync(gone.Token);
            try
            {
                using var input = command.CreateInputStream();
                await input.WriteAsync(stdin, ct);
            }
            catch (Exception) when (running.IsCompleted)
            {
                // The command ended before reading its input; its result says why.
            }
            _ = WatchLivenessAsync(running, gone);
            await running;
        }
        catch (SshOperationTimeoutException)
        {
            throw new SshCommandTimeoutException(Target.Name, label, timeout);
        }
        catch (OperationCanceledException) when (gone.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new SshConnectException(Target.Name, $"{Target.Name} stopped answering while running '{label}': " +
                $"{_options.LivenessMisses} connection checks in a row got no answer (lost power or network?)");
        }
        catch (SshConnectionException e)
        {
            throw new SshConnectException(Target.Name, $"the connection to {Target.Name} broke while running '{label}': {e.Message}", e);
        }
        var result = new SshCommandResult
        {
            ExitCode = command.ExitStatus ?? -1,
            ExitSignal = command.ExitSignal,
            Stdout = command.Result,
            Stderr = command.Error,
            Duration = watch.Elapsed,
        };
        _options.Logger.LogDebug("{Host}: '{Label}' exited {Exit} in {Ms} ms", Target.Name, label, result.ExitCode, watch.ElapsedMilliseconds);
        return result;
    }

    /// <summary>
    /// Until <paramref name="running"/> ends, runs <c>true</c> on the connection every
    /// <see cref="SshClientOptions.LivenessInterval"/>; after <see cref="SshClientOptions.LivenessMisses"/> checks in a
    /// row without an answer, cancels <paramref name="gone"/>. Never throws.
    /// </summary>
    private async Task WatchLivenessAsync(Task running, CancellationTokenSource gone)
    {
        var misses = 0;
        try
        {
            while (await Task.WhenAny(running, Task.Delay(_options.LivenessInterval)) != running)
            {
                misses = await AnswersAsync() ? 0 : misses + 1;
                if (misses < _options.LivenessMisses || running.IsCompleted) continue;
                await gone.CancelAsync();
                return;
            }
        }
        catch (ObjectDisposedException)
        {
            // The command (and its token source) finished while a check was on its way.
        }
    }

    private Task<bool> AnswersAsync() => Task.Run(async () =>
    {
        try
        {
            using var check = _client.CreateCommand("true");
            // Opening the channel waits for the server's confirmation (up to the connection's timeout, the connect
            // timeout): that answer is the check. How long `true` takes to start on a loaded host does not count.
            var run = check.ExecuteAsync();
            _ = run.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            await Task.WhenAny(run, Task.Delay(Target.ConnectTimeout));
            return true;
        }
        catch (Exception e) when (e is SshOperationTimeoutException or SshConnectionException or InvalidOperationException or SocketException)
        {
            return false;
        }
        catch (SshException)
        {
            // The server answered, if only to refuse the channel (MaxSessions): it is there.
            return true;
        }
    });

    private async Task<SudoMode> SudoModeAsync(CancellationToken ct)
    {
        if (Target.User == "root") return SudoMode.None;
        if (_sudo is { } known) return known;
        await _gate.WaitAsync(ct);
        try
        {
            if (_sudo is { } raced) return raced;
            var probe = await ExecuteAsync("sudo -n -k true", [], Target.ConnectTimeout, "sudo -n true", ct);
            if (probe.Succeeded) return (_sudo = SudoMode.Passwordless).Value;
            // cat reads to the end of the input, so the command cannot end before our EOF reaches it (see ReadAllThenRun).
            var check = await ExecuteAsync("sudo -S -k -p '' cat >/dev/null", Encoding.UTF8.GetBytes(SudoPassword() + "\n"),
                Target.ConnectTimeout, "sudo true", ct);
            if (!check.Succeeded)
            {
                throw new SshSudoException(Target.Name, $"sudo on {Target.Name} refused the password of {Target.User}");
            }
            return (_sudo = SudoMode.Password).Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    private string SudoPassword() =>
        _options.SudoPassword(Target.Name, Target.User) is { Length: > 0 } p
            ? p
            : throw new SshSudoException(Target.Name,
                $"sudo on {Target.Name} needs the password of {Target.User}: set {SshClientOptions.SudoPasswordVariable} or enter it when asked");

    /// <summary>
    /// Puts <paramref name="content"/> at <paramref name="path"/> with <paramref name="mode"/>: written over SFTP to a
    /// temporary name (created 0600), its SHA-256 checked on the host, then moved into place atomically. A non-root
    /// user uploads into a private temporary directory and sudo installs the file as root.
    /// </summary>
    public async Task UploadAsync(string path, ReadOnlyMemory<byte> content, int mode, CancellationToken ct = default)
    {
        if (!path.StartsWith('/') || path.EndsWith('/') || path.Any(char.IsControl))
        {
            throw new ArgumentException($"upload path '{path}' must be an absolute file path", nameof(path));
        }
        var octal = Convert.ToString(mode & 0xfff, 8).PadLeft(4, '0');
        var sha = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        var dir = path[..path.LastIndexOf('/')] is { Length: > 0 } d ? d : "/";
        var name = path[(path.LastIndexOf('/') + 1)..];
        var staged = $"{dir.TrimEnd('/')}/.{name}.infra-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        var asRoot = Target.User == "root";

        string temp;
        if (asRoot)
        {
            temp = staged;
            await RunCheckedAsync($"mkdir -p {Bash.Quote(dir)} && (umask 077 && : > {Bash.Quote(temp)})", sudo: false, path, ct);
        }
        else
        {
            var made = await RunCheckedAsync("mktemp -d", sudo: false, path, ct);
            temp = made.Stdout.Trim() + "/upload";
        }

        var sftp = await SftpAsync(ct);
        using (var stream = new MemoryStream(content.ToArray(), writable: false))
        {
            await sftp.UploadFileAsync(stream, temp, ct);
        }
        if (AfterUploadWritten is { } hook) await hook(temp);

        var install = SessionScripts.UploadInstall(temp, sha, octal, path, asRoot ? null : staged);
        var done = await RunAsync(install, sudo: !asRoot, label: $"install {path}", ct: ct);
        if (!done.Succeeded)
        {
            throw new SshUploadException(Target.Name, path, done.ExitCode == 3
                ? $"upload of {path} to {Target.Name} arrived corrupted ({done.StderrTail(1)}); the file was not replaced"
                : $"upload of {path} to {Target.Name} could not be put in place (exit {done.ExitCode}): {done.StderrTail(5)}");
        }
    }

    /// <summary>
    /// Copies the file at <paramref name="path"/> (readable by root) into <paramref name="destination"/> over SFTP and
    /// checks that what arrived has the file's SHA-256 on the host. A non-root user downloads a copy sudo puts in a
    /// private temporary directory, removed afterwards. Returns the SHA-256 (lower-case hex).
    /// </summary>
    public async Task<string> DownloadAsync(string path, Stream destination, CancellationToken ct = default)
    {
        if (!path.StartsWith('/') || path.EndsWith('/') || path.Any(char.IsControl))
        {
            throw new ArgumentException($"download path '{path}' must be an absolute file path", nameof(path));
        }
        var asRoot = Target.User == "root";
        var source = path;
        string? copyDir = null;
        if (!asRoot)
        {
            copyDir = (await RunCheckedAsync("mktemp -d", sudo: false, path, ct)).Stdout.Trim();
            source = copyDir + "/download";
            await RunCheckedAsync($"install -m 0600 -o {Bash.Quote(Target.User)} {Bash.Quote(path)} {Bash.Quote(source)}", sudo: true, path, ct);
        }
        try
        {
            var sum = await RunAsync($"set -e\nsha256sum {Bash.Quote(source)} | cut -d' ' -f1\n", sudo: false, label: $"sha256sum {path}", ct: ct);
            if (!sum.Succeeded)
            {
                throw new SshDownloadException(Target.Name, path, $"cannot read {path} on {Target.Name} (exit {sum.ExitCode}): {sum.StderrTail(3)}");
            }
            var sftp = await SftpAsync(ct);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var hashing = new HashingStream(destination, hash))
            {
                await sftp.DownloadFileAsync(source, hashing, ct);
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != sum.Stdout.Trim())
            {
                throw new SshDownloadException(Target.Name, path, $"download of {path} from {Target.Name} arrived corrupted (SHA-256 {actual}, the host has {sum.Stdout.Trim()})");
            }
            return actual;
        }
        finally
        {
            if (copyDir is not null) await RunAsync($"rm -rf {Bash.Quote(copyDir)}", sudo: false, ct: CancellationToken.None);
        }
    }

    /// <summary>Writes through to another stream and hashes what passes.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            hash.AppendData(buffer, offset, count);
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            hash.AppendData(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    private async Task<SshCommandResult> RunCheckedAsync(string script, bool sudo, string path, CancellationToken ct)
    {
        var r = await RunAsync(script, sudo: sudo, ct: ct);
        return r.Succeeded
            ? r
            : throw new SshUploadException(Target.Name, path, $"upload of {path} to {Target.Name} failed at '{FirstLine(script)}' (exit {r.ExitCode}): {r.StderrTail(5)}");
    }

    /// <summary>SFTP runs on a second connection (SSH.NET cannot open the subsystem on the command connection), made once.</summary>
    private async Task<SftpClient> SftpAsync(CancellationToken ct)
    {
        if (_sftp is { } ready) return ready;
        await _gate.WaitAsync(ct);
        try
        {
            if (_sftp is { } raced) return raced;
            var (address, port) = _forward is { } f ? ("127.0.0.1", (int)f.BoundPort) : (Target.Address, Target.Port);
            _sftp = await SshConnector.ConnectAsync(Target, address, port, _options, i => new SftpClient(i), ct);
            return _sftp;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string FirstLine(string script)
    {
        // Skip comments and shell options: the first command says what the script does.
        var line = script.Split('\n').Select(l => l.Trim())
            .FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("set ", StringComparison.Ordinal)) ?? "(empty script)";
        return line.Length <= 80 ? line : line[..77] + "...";
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();

    public ValueTask DisposeAsync()
    {
        _sftp?.Dispose();
        _client.Dispose();
        if (_forward is { } f)
        {
            if (f.IsStarted) f.Stop();
            f.Dispose();
        }
        _bastion?.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }

    public override string ToString() => Target.ToString();
}
