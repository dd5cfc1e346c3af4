using Infra.Core.Model;

namespace Infra.Ssh.Engine;

/// <summary>Runs one step on a host: uploads its files, runs its script and its check, and records it in the journal when both succeed.</summary>
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

    /// <summary>
    /// Uploads the step's files, then in one round trip: runs its script, runs its check (verify: a script that exits 0
    /// but leaves its check failing has not done its job), appends the journal line and runs
    /// <paramref name="afterSuccess"/>. A failing check prints the line it stopped at on stderr (<see cref="CheckTrace"/>).
    /// </summary>
    /// <param name="afterSuccess">Shell run in the same round trip after the journal line (e.g. the node's state record).</param>
    public static async Task<CommandResult> RunAsync(IHostSession session, Step step, IReadOnlyDictionary<string, string>? env,
        string? bundleDirectory, TimeSpan timeout, CancellationToken ct, string? afterSuccess = null)
    {
        await UploadAsync(session, step, bundleDirectory, ct);
        return await session.RunAsync(Script(step, afterSuccess), env, timeout, step.Id, ct);
    }

    /// <summary>The round trip of <see cref="RunAsync"/>: the journal line is written only after the script and its check succeeded, so a run killed mid-step re-runs that step.</summary>
    public static string Script(Step step, string? afterSuccess = null)
    {
        var script = $"set -euo pipefail\n{Shell.Nested(step.Script, "STEP")}\n";
        // The check's output is not the step's: its stdout is dropped, its stderr kept for the failure's tail.
        if (Verified(step)) script += CheckTrace.Nested(step.Check!, "VERIFY", " 3>&2 >/dev/null </dev/null") + "\n";
        script += Journal.AppendCommand(step.Id, step.InputHash) + "\n";
        if (afterSuccess is not null) script += afterSuccess + "\n";
        return script;
    }

    /// <summary>
    /// Whether the step's check runs right after its script. An etcd member's check also asks for the whole planned
    /// member list, which holds only once the wave has added every member: the membership coordinator verifies those
    /// steps (learner promoted, member healthy) and the next probe runs their check.
    /// </summary>
    public static bool Verified(Step step) => step.Check is not null && !step.RuntimeInputs.Contains(Core.Etcd.EtcdMembers.StartInput);

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

    /// <summary>Deletes them after the joins, also after a failure; best effort, as the token expires after JoinCredentials.TokenTtl anyway.</summary>
    public static async Task DeleteJoinCredentialsAsync(IHostSession first, JoinCredentials credentials, TimeSpan timeout)
    {
        try { await first.RunAsync(JoinCredentials.DeleteScript, credentials.Environment, timeout, "delete join credentials", CancellationToken.None); }
        catch (Exception) { /* see above */ }
    }
}
