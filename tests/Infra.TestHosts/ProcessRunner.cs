using System.Diagnostics;

namespace Infra.TestHosts;

/// <summary>The outcome of a process the harness ran.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs machine commands (ip, ssh-keygen, nsenter, …) for the harness.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string file, IEnumerable<string> args, string? stdin = null, string? workingDirectory = null,
        bool check = true, CancellationToken ct = default)
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
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
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

    public static Task<ProcessResult> ShellAsync(string script, string? stdin = null, string? workingDirectory = null,
        bool check = true, CancellationToken ct = default) =>
        RunAsync("/bin/sh", ["-c", script], stdin, workingDirectory, check, ct);
}
