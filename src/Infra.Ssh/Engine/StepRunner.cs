using Infra.Core.Planning;

namespace Infra.Ssh.Engine;

/// <summary>Runs one step on a host: uploads its files, runs its script, and records it in the journal on success.</summary>
internal static class StepRunner
{
    /// <summary>The step's files, and its binaries from the local bundle folder.</summary>
    public static async Task UploadAsync(IHostSession session, Step step, string? bundleDirectory, CancellationToken ct)
    {
        foreach (var f in step.Files)
        {
            await session.UploadAsync(f.Path, f.Content, Convert.ToInt32(f.Mode, 8), ct);
        }
        foreach (var b in step.BundleUploads)
        {
            var local = Path.Combine(bundleDirectory ?? throw new InvalidOperationException($"step {step.Id} needs the bundle folder"), b.Name);
            // The step's script checks the SHA-256 on the host; a file that changed since planning fails there.
            await session.UploadAsync(b.Path, await File.ReadAllBytesAsync(local, ct), Convert.ToInt32(b.Mode, 8), ct);
        }
    }

    public static async Task<CommandResult> RunAsync(IHostSession session, Step step, IReadOnlyDictionary<string, string>? env,
        string? bundleDirectory, TimeSpan timeout, CancellationToken ct)
    {
        await UploadAsync(session, step, bundleDirectory, ct);
        // The journal line is written only after the script succeeded: a run killed mid-step re-runs that step.
        var script = $"set -euo pipefail\n{Shell.Nested(step.Script, "STEP")}\n{Journal.AppendCommand(step.Id, step.InputHash)}\n";
        return await session.RunAsync(script, env, timeout, step.Id, ct);
    }
}
