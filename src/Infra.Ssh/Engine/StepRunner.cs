using Infra.Core.Model;

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

    /// <param name="afterSuccess">Shell run in the same round trip after the journal line (e.g. the node's state record).</param>
    public static async Task<CommandResult> RunAsync(IHostSession session, Step step, IReadOnlyDictionary<string, string>? env,
        string? bundleDirectory, TimeSpan timeout, CancellationToken ct, string? afterSuccess = null)
    {
        await UploadAsync(session, step, bundleDirectory, ct);
        // The journal line is written only after the script succeeded: a run killed mid-step re-runs that step.
        var script = $"set -euo pipefail\n{Shell.Nested(step.Script, "STEP")}\n{Journal.AppendCommand(step.Id, step.InputHash)}\n";
        if (afterSuccess is not null) script += afterSuccess + "\n";
        return await session.RunAsync(script, env, timeout, step.Id, ct);
    }

    /// <summary>
    /// Makes join credentials and registers them on the first control plane (the certificate key only when a join
    /// needs the control-plane certificates). Every value is added to the redactor before it can reach any output.
    /// </summary>
    public static async Task<(JoinCredentials Credentials, CommandResult Result)> RegisterJoinCredentialsAsync(
        IHostSession first, bool certificates, Core.Security.Redactor redactor, TimeSpan timeout, CancellationToken ct)
    {
        var credentials = JoinCredentials.Create();
        redactor.Add(credentials.Token);
        redactor.Add(credentials.CertificateKey);
        var r = await first.RunAsync(JoinCredentials.RegisterScriptFor(certificates), credentials.Environment, timeout, "join credentials", ct);
        return (credentials, r);
    }

    /// <summary>Deletes them after the joins, also after a failure; best effort, as the token expires after 15 minutes anyway.</summary>
    public static async Task DeleteJoinCredentialsAsync(IHostSession first, JoinCredentials credentials, TimeSpan timeout)
    {
        try { await first.RunAsync(JoinCredentials.DeleteScript, credentials.Environment, timeout, "delete join credentials", CancellationToken.None); }
        catch (Exception) { /* see above */ }
    }
}
