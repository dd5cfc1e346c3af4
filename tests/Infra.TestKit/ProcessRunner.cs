using System.Diagnostics;

namespace Infra.TestKit;

/// <summary>The outcome of a process the harness ran.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs machine commands (ip, ssh-keygen, nsenter, …) for the harness, and real tools (shellcheck, yamllint, …) for tests.</summary>
public static class ProcessRunner
{
    /// <param name="check">throw unless the exit code is 0.</param>
    /// <param name="aptPackage">the Debian package that ships <paramref name="file"/>, named when it is missing.</param>
    public static async Task<ProcessResult> RunAsync(
        string file, IEnumerable<string> args, string? stdin = null, string? workingDirectory = null,
        bool check = true, IReadOnlyDictionary<string, string>? environment = null, string? aptPackage = null,
        CancellationToken ct = default)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        Process? started;
        try
        {
            started = Process.Start(psi);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{file}' is not installed; install it with: apt-get install {aptPackage ?? file}", e);
        }
        using var p = started ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin.AsMemory(), ct);
        p.StandardInput.Close();
        try
        {
            await p.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }
        var result = new ProcessResult(p.ExitCode, await stdout, await stderr);
        if (check && result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', psi.ArgumentList)} exited with {result.ExitCode}: {result.Stderr.Trim()}");
        }
        return result;
    }

    /// <summary>
    /// Runs a tool to its end for a test (exit code not checked). The timeout bounds a hung tool, it is not a speed
    /// check: test classes share the machine's cores.
    /// </summary>
    public static ProcessResult Run(string file, IEnumerable<string> args, string? stdin = null, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, string? aptPackage = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromMinutes(10);
        using var cts = new CancellationTokenSource(limit);
        try
        {
            return RunAsync(file, args, stdin, workingDirectory, check: false, environment, aptPackage, cts.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"{file} did not finish within {limit.TotalMinutes} minutes");
        }
    }

    public static Task<ProcessResult> ShellAsync(string script, string? stdin = null, string? workingDirectory = null,
        bool check = true, CancellationToken ct = default) =>
        RunAsync("/bin/sh", ["-c", script], stdin, workingDirectory, check, ct: ct);
}
