using System.Security.Cryptography;
using System.Text;
using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh.Etcd;

namespace Infra.Ssh.Engine;

/// <summary>What converging one node did.</summary>
public sealed record NodeRunResult(IReadOnlyList<string> Ran, IReadOnlyList<string> Skipped, string? AdminKubeconfig);

/// <summary>
/// One host at a time, for the Pulumi provider (the Pulumi engine orders the hosts): the same probe, journal and
/// decisions as <see cref="ClusterConverger"/>, under the host's own lock only. A joining host gets its join token
/// from the first control plane named by the caller; the token is deleted after the join.
/// </summary>
public sealed class NodeEngine : IDisposable
{
    private readonly Redactor _redactor = new();
    private readonly string _keyDir = Directory.CreateTempSubdirectory("infra-provider-").FullName;
    private static readonly Phase[] ApplyPhases = [Phase.Prepare, Phase.Etcd, Phase.ControlPlane, Phase.Workers, Phase.Workloads];

    public async Task<NodeRunResult> ApplyAsync(NodeProgram program, PlannedHost? joinVia, NodeConnection connection, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(connection.CommandTimeoutSeconds);
        var holder = LockHolder.ForThisProcess();
        await using var session = await Connect(program.Host, connection, ct);
        var probe = await Probe(session, program, holder, timeout, ct);
        try
        {
            var decision = HostDecision.Decide(null, program, probe, ApplyPhases.ToHashSet());
            if (decision.Blocked is not null) throw new InvalidOperationException($"host {program.Host.Name}: {decision.Blocked}");
            JoinCredentials? credentials = null;
            IHostSession? joinSession = null;
            try
            {
                if (decision.Pending.Any(p => p.Step.RuntimeInputs.Any(i => i is JoinCredentials.TokenInput or JoinCredentials.CertificateKeyInput)))
                {
                    if (joinVia is null) throw new InvalidOperationException($"host {program.Host.Name} joins a cluster but no first control plane was named");
                    joinSession = await Connect(joinVia, connection, ct);
                    var certificates = decision.Pending.Any(p => p.Step.RuntimeInputs.Contains(JoinCredentials.CertificateKeyInput));
                    (credentials, var r) = await StepRunner.RegisterJoinCredentialsAsync(joinSession, certificates, _redactor, timeout, ct);
                    if (!r.Succeeded) throw new InvalidOperationException($"could not create join credentials on {joinVia.Name}: {_redactor.Redact(r.StderrTail(5))}");
                }
                var ran = new List<string>();
                foreach (var (step, _) in decision.Pending)
                {
                    if (step.RuntimeInputs.Contains(EtcdMembers.StartInput))
                    {
                        // An external etcd member: the coordinator makes its membership change around the step.
                        await new EtcdMembershipCoordinator(Connect(connection), _redactor, null, timeout).ConvergeOneAsync(program, step, session, async env =>
                        {
                            var r = await StepRunner.RunAsync(session, step, env, bundleDirectory: null, timeout, ct);
                            return r.Succeeded ? true : throw new InvalidOperationException(
                                $"host {program.Host.Name}: step {step.Id} failed with exit {r.ExitCode}: {_redactor.Redact(r.StderrTail())}");
                        }, ct);
                        ran.Add(step.Id);
                        continue;
                    }
                    var env = credentials is null || step.RuntimeInputs.Count == 0 ? null : credentials.EnvironmentFor(step.RuntimeInputs);
                    var r = await StepRunner.RunAsync(session, step, env, bundleDirectory: null, timeout, ct);
                    if (!r.Succeeded)
                    {
                        throw new InvalidOperationException(
                            $"host {program.Host.Name}: step {step.Id} failed with exit {r.ExitCode}: {_redactor.Redact(r.StderrTail())}");
                    }
                    ran.Add(step.Id);
                }
                string? kubeconfig = null;
                if (program.Steps.Any(s => s.Id == "control-plane.init"))
                {
                    var k = await session.RunAsync("set -euo pipefail\ncat /etc/kubernetes/admin.conf\n", null, timeout, "read admin.conf", ct);
                    kubeconfig = k.Succeeded ? k.Stdout : throw new InvalidOperationException($"host {program.Host.Name}: no admin kubeconfig after init");
                }
                var skipped = program.Steps.Where(s => s.Phase != Phase.Reset).Select(s => s.Id).Except(ran).ToList();
                return new NodeRunResult(ran, skipped, kubeconfig);
            }
            finally
            {
                if (joinSession is not null)
                {
                    if (credentials is not null) await StepRunner.DeleteJoinCredentialsAsync(joinSession, credentials, timeout);
                    await joinSession.DisposeAsync();
                }
            }
        }
        finally
        {
            try
            {
                await session.RunAsync(HostProbe.UnlockScript(holder), null, timeout, "unlock", CancellationToken.None);
            }
            catch (SshTransportException)
            {
                // The run's connection broke: release the lock over a new one, as the cluster engine does.
                await using var fresh = await Connect(program.Host, connection, CancellationToken.None);
                await fresh.RunAsync(HostProbe.UnlockScript(holder), null, timeout, "unlock", CancellationToken.None);
            }
        }
    }

    /// <summary>Runs the host's reset steps, whatever its journal says (they are idempotent).</summary>
    public async Task ResetAsync(NodeProgram program, NodeConnection connection, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(connection.CommandTimeoutSeconds);
        await using var session = await Connect(program.Host, connection, ct);
        // An external etcd member leaves the member list first, so the others do not count a wiped voter.
        await new EtcdMembershipCoordinator(Connect(connection), _redactor, null, timeout).LeaveOwnAsync(program, session, ct);
        foreach (var step in program.Steps.Where(s => s.Phase == Phase.Reset))
        {
            var r = await session.RunAsync(step.Script, null, timeout, step.Id, ct);
            if (!r.Succeeded) throw new InvalidOperationException($"host {program.Host.Name}: reset step {step.Id} failed with exit {r.ExitCode}: {_redactor.Redact(r.StderrTail())}");
        }
    }

    /// <summary>Step id → input hash of what the host's journal records as done.</summary>
    public async Task<IReadOnlyDictionary<string, string>> JournalAsync(PlannedHost host, NodeConnection connection, CancellationToken ct)
    {
        await using var session = await Connect(host, connection, ct);
        var probe = await Probe(session, new NodeProgram { Host = host, Steps = [] }, holder: null, TimeSpan.FromSeconds(connection.CommandTimeoutSeconds), ct);
        return probe.Journal.ToDictionary(kv => kv.Key, kv => kv.Value.InputHash, StringComparer.Ordinal);
    }

    private async Task<ProbeResult> Probe(IHostSession session, NodeProgram program, string? holder, TimeSpan timeout, CancellationToken ct)
    {
        // A provider killed with the engine (pulumi cancelled hard) left its lock: this machine can tell it is gone.
        var (r, probed) = await HostProbe.RunAsync(session, program.Steps, holder, breakLock: false, LockHolder.IsGoneHere, timeout, "probe", null, ct);
        var probe = probed ?? throw new InvalidOperationException($"host {program.Host.Name}: the probe failed: {_redactor.Redact(r.StderrTail(5))}");
        return probe.Locked
            ? throw new InvalidOperationException($"host {program.Host.Name} is locked by {probe.LockHolder} for {probe.LockAgeSeconds} s")
            : probe;
    }

    private HostSessionFactory Connect(NodeConnection connection) => (host, ct) => Connect(host, connection, ct);

    private async Task<IHostSession> Connect(PlannedHost host, NodeConnection connection, CancellationToken ct)
    {
        var ssh = new SshSpec
        {
            IdentityFile = KeyFile(connection.PrivateKey),
            Bastion = connection.Bastion,
            AdminUser = host.User,
            ConnectTimeoutSeconds = connection.ConnectTimeoutSeconds,
            CommandTimeoutSeconds = connection.CommandTimeoutSeconds,
        };
        var options = new SshClientOptions { PassphrasePrompt = _ => connection.Passphrase };
        return await SshHostSession.Factory(ssh, options)(host, ct);
    }

    /// <summary>The provider receives the key's content; SSH.NET reads a file: one 0600 file per key in a 0700 folder.</summary>
    private string KeyFile(string privateKey)
    {
        var path = Path.Combine(_keyDir, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(privateKey)))[..16]);
        var content = Encoding.UTF8.GetBytes(privateKey.EndsWith('\n') ? privateKey : privateKey + "\n");
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllBytes(path, content);
        }
        else if (!File.Exists(path))
        {
            using var fs = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            fs.Write(content);
        }
        return path;
    }

    public void Dispose() => Directory.Delete(_keyDir, recursive: true);
}
