using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;

namespace Infra.Ssh.Etcd;

/// <summary>One member in <c>infra etcd status</c>: planned, in the member list, or both.</summary>
public sealed record EtcdMemberReport
{
    public required string Name { get; init; }
    public string? Id { get; init; }
    public string? ClientUrl { get; init; }
    public required bool Planned { get; init; }
    public required bool IsMember { get; init; }
    public bool IsLearner { get; init; }
    public bool IsLeader { get; init; }
    public required bool Healthy { get; init; }
    public string? Version { get; init; }
    public long? DbSize { get; init; }
    public long? DbSizeInUse { get; init; }
    public ulong? RaftIndex { get; init; }
    /// <summary>Why the member is not healthy (no answer, an error, not reachable over SSH, not a member).</summary>
    public string? Problem { get; init; }
}

public sealed record EtcdStatusReport
{
    public required IReadOnlyList<EtcdMemberReport> Members { get; init; }
    public required IReadOnlyList<string> Alarms { get; init; }
    public required string Quorum { get; init; }
    /// <summary>Where the tool asked from (a member's host, or a control plane for stacked etcd).</summary>
    public string? AskedFrom { get; init; }
    /// <summary>Set when no member could be asked at all.</summary>
    public string? Failure { get; init; }
    /// <summary>Why the alarms are not known (the alarm list did not answer, or no member was asked); null when they are.</summary>
    public string? AlarmsUnknown { get; init; }

    /// <summary>Healthy means: every planned member is a healthy voting member, nothing else is a member, no alarm.</summary>
    public bool Healthy => Failure is null && Alarms.Count == 0 && Members.All(m => m.Planned && m.IsMember && !m.IsLearner && m.Healthy);
}

public sealed record EtcdSnapshotResult
{
    public required string Member { get; init; }
    public required EtcdSnapshotStatus Status { get; init; }
    public required long Size { get; init; }
    public required string Sha256 { get; init; }
}

public sealed record EtcdRestoreResult
{
    public required EtcdSnapshotStatus Status { get; init; }
    public required IReadOnlyList<string> Members { get; init; }
    public required string Token { get; init; }
    public required TimeSpan Took { get; init; }
}

/// <summary>A restore refused before any member was touched (a corrupt snapshot, an unreachable member, a declined confirmation).</summary>
public sealed class EtcdRefusedException(string message) : Exception(message)
{
    public EtcdRefusedException() : this("refused") { }
}

/// <summary>Opens a session that can also download files.</summary>
public delegate Task<SshHostSession> EtcdSessionFactory(PlannedHost host, CancellationToken ct);

/// <summary>
/// Day-2 operations on a cluster's etcd over SSH: status, snapshot, restore. External members are reached on their
/// hosts (etcdctl/etcdutl installed there); stacked etcd through the control planes, inside kubeadm's etcd
/// container. The tool's own client certificate (infra-etcd-client) is put on the host for the length of the
/// operation, on tmpfs for external members, and removed afterwards.
/// </summary>
public sealed class EtcdOperations(EtcdSessionFactory connect, Redactor redactor, KeptSecrets secrets, TimeSpan commandTimeout, Action<string>? progress = null)
{
    public static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(90);

    public static EtcdAccess AccessFor(ClusterSpec spec) => spec.Etcd.Topology == EtcdTopology.External ? EtcdAccess.Host : EtcdAccess.StaticPod;

    public async Task<EtcdStatusReport> StatusAsync(ClusterPlan plan, CancellationToken ct)
    {
        var members = EtcdMembers.Of(plan.Spec, plan.Hosts);
        var (sessions, unreachable) = await ConnectAllAsync(members, ct);
        try
        {
            return await StatusWithAsync(plan, members, sessions, unreachable, ct);
        }
        finally
        {
            foreach (var s in sessions.Values) await s.DisposeAsync();
        }
    }

    /// <summary>
    /// A member that answers the member list but not the health check gets a second look before it is reported:
    /// an election in progress or a slow answer on a loaded host is not an outage, and scripts gate on the exit code.
    /// </summary>
    private async Task<EtcdStatusReport> StatusWithAsync(ClusterPlan plan, IReadOnlyList<PlannedMember> members,
        Dictionary<string, SshHostSession> sessions, Dictionary<string, string> unreachable, CancellationToken ct)
    {
        var first = await LookAsync(plan, members, sessions, unreachable, ct);
        if (first.Healthy || first.Failure is not null || !first.Members.Any(m => m.IsMember && !m.Healthy)) return first;
        await Task.Delay(SecondLook, ct);
        return await LookAsync(plan, members, sessions, unreachable, ct);
    }

    private static readonly TimeSpan SecondLook = TimeSpan.FromSeconds(2);

    private async Task<EtcdStatusReport> LookAsync(ClusterPlan plan, IReadOnlyList<PlannedMember> members,
        Dictionary<string, SshHostSession> sessions, Dictionary<string, string> unreachable, CancellationToken ct)
    {
        var access = AccessFor(plan.Spec);
        EtcdObservation? obs = null;
        string? askedFrom = null;
        var failures = new List<string>();
        foreach (var m in members.Where(m => sessions.ContainsKey(m.Name)))
        {
            var session = sessions[m.Name];
            try
            {
                var commands = await CommandsAsync(session, access, ct);
                obs = await WithClientAsync(session, access, () => ObserveAsync(session, commands, members, full: true, ct), ct);
                askedFrom = m.Name;
                if (obs.Members is not null) break;
            }
            catch (EtcdCommandException e)
            {
                failures.Add($"{m.Name}: {e.Message}");
            }
        }
        if (obs is null)
        {
            var why = sessions.Count == 0 ? "no member's host can be reached over SSH" : string.Join("; ", failures);
            return new EtcdStatusReport
            {
                Members = members.Select(m => new EtcdMemberReport
                {
                    Name = m.Name,
                    ClientUrl = m.ClientUrl,
                    Planned = true,
                    IsMember = false,
                    Healthy = false,
                    Problem = unreachable.TryGetValue(m.Name, out var u) ? $"host unreachable: {u}" : "not asked",
                }).ToList(),
                Alarms = [],
                Quorum = "unknown",
                Failure = why,
                AlarmsUnknown = $"no member could be asked: {why}",
            };
        }
        return Report(members, obs, askedFrom, unreachable);
    }

    /// <summary>Joins the plan, the member list, health and status into one row per member.</summary>
    internal static EtcdStatusReport Report(IReadOnlyList<PlannedMember> planned, EtcdObservation obs, string? askedFrom, IReadOnlyDictionary<string, string> unreachable)
    {
        var rows = new List<EtcdMemberReport>();
        var view = obs.View;
        var leaders = obs.Status.Select(s => s.Leader).Where(l => l != 0).ToHashSet();
        EtcdMemberReport Row(EtcdMemberInfo? info, PlannedMember? p)
        {
            var status = info is null ? null : obs.Status.FirstOrDefault(s => s.MemberId == info.Id);
            var health = info is null ? null : obs.Health.FirstOrDefault(h => info.ClientUrls.Contains(h.Endpoint, StringComparer.Ordinal));
            var healthy = info is not null && view!.Healthy.Contains(info.Id);
            string? problem = null;
            if (info is null) problem = view is null ? "no member answers" : "planned, but not a member of the cluster";
            else if (p is null) problem = "a member the plan does not have";
            else if (!info.Started) problem = "added, never started";
            else if (!healthy) problem = health?.Error is { Length: > 0 } e ? $"not healthy: {e}" : "does not answer";
            if (p is not null && unreachable.TryGetValue(p.Name, out var u)) problem = (problem is null ? "" : problem + "; ") + $"host unreachable over SSH: {u}";
            return new EtcdMemberReport
            {
                Name = info is { Started: true } ? info.Name : p?.Name ?? info!.Label,
                Id = info?.HexId,
                ClientUrl = info is { ClientUrls.Count: > 0 } ? info.ClientUrls[0] : p?.ClientUrl,
                Planned = p is not null,
                IsMember = info is not null,
                IsLearner = info?.IsLearner ?? false,
                IsLeader = info is not null && leaders.Contains(info.Id),
                Healthy = healthy,
                Version = status?.Version,
                DbSize = status?.DbSize,
                DbSizeInUse = status?.DbSizeInUse,
                RaftIndex = status?.RaftIndex,
                Problem = problem,
            };
        }
        var seen = new HashSet<ulong>();
        foreach (var p in planned)
        {
            var info = view?.Find(p);
            if (info is not null) seen.Add(info.Id);
            rows.Add(Row(info, p));
        }
        foreach (var info in view?.Members.Where(m => !seen.Contains(m.Id)) ?? []) rows.Add(Row(info, null));
        var names = view?.Members.ToDictionary(m => m.Id, m => m.Started ? m.Name : m.HexId) ?? [];
        return new EtcdStatusReport
        {
            Members = rows,
            Alarms = obs.Alarms.Where(a => a.Alarm != "NONE").Select(a => $"{a.Alarm} on {names.GetValueOrDefault(a.MemberId, a.MemberId.ToString("x", System.Globalization.CultureInfo.InvariantCulture))}").ToList(),
            Quorum = view?.QuorumText ?? "unknown: no member answers",
            AskedFrom = askedFrom,
            AlarmsUnknown = obs.AlarmsKnown ? null : $"the alarm list did not answer{(askedFrom is null ? "" : " through " + askedFrom)}",
        };
    }

    /// <summary>
    /// Takes a snapshot through a healthy member, checks it on the host (snapshot status) and after the download
    /// (size and SHA-256 trailer), and writes it to <paramref name="output"/>.
    /// </summary>
    public async Task<EtcdSnapshotResult> SnapshotAsync(ClusterPlan plan, Stream output, CancellationToken ct)
    {
        var access = AccessFor(plan.Spec);
        var members = EtcdMembers.Of(plan.Spec, plan.Hosts);
        var (sessions, unreachable) = await ConnectAllAsync(members, ct);
        try
        {
            var status = await StatusWithAsync(plan, members, sessions, unreachable, ct);
            var source = status.Members.FirstOrDefault(m => m.Planned && m.IsMember && !m.IsLearner && m.Healthy && sessions.ContainsKey(m.Name))
                ?? throw new EtcdRefusedException("no healthy member can be reached to take a snapshot from" +
                    (status.Failure is null ? $" ({status.Quorum})" : $": {status.Failure}"));
            var session = sessions[source.Name];
            var commands = await CommandsAsync(session, access, ct);
            Progress($"taking a snapshot through {source.Name} ({source.ClientUrl})");
            var file = commands.SnapshotWorkFile;
            return await WithClientAsync(session, access, async () =>
            {
                try
                {
                    var endpoint = access == EtcdAccess.Host ? source.ClientUrl! : $"https://127.0.0.1:{PlannedMember.ClientPort}";
                    await RunAsync(session, commands.Preamble + $"rm -f {file}\n" + commands.SnapshotSave(endpoint, file) + " >/dev/null", "snapshot save", ct);
                    var st = EtcdJson.SnapshotStatus(await RunAsync(session, commands.Preamble + commands.SnapshotStatus(file), "snapshot status", ct));
                    var sha = await session.DownloadAsync(file, output, ct);
                    return new EtcdSnapshotResult { Member = source.Name, Status = st, Size = output.CanSeek ? output.Length : -1, Sha256 = sha };
                }
                finally
                {
                    await Quietly(() => session.RunAsync($"rm -f {file}\n", null, commandTimeout, "remove snapshot", CancellationToken.None));
                }
            }, ct);
        }
        finally
        {
            foreach (var s in sessions.Values) await s.DisposeAsync();
        }
    }

    /// <summary>
    /// Restores every member from a snapshot that was checked before any member is touched: upload to all, open it
    /// (snapshot status), ask, stop all members, restore each with a new cluster token and its own name and peer
    /// URL, start all, wait until all are healthy. The control planes' API servers, controller managers and
    /// schedulers are stopped first and started last (external etcd: on the control-plane hosts; stacked: with
    /// the member), so that nothing writes to the old data or serves a cache of it.
    /// </summary>
    /// <param name="confirm">Shown what will happen; false declines (nothing changed).</param>
    public async Task<EtcdRestoreResult> RestoreAsync(ClusterPlan plan, byte[] snapshot, string token, Func<string, bool> confirm, CancellationToken ct)
    {
        var check = EtcdSnapshot.Verify(new MemoryStream(snapshot, writable: false));
        if (!check.Valid) throw new EtcdRefusedException($"the snapshot is not usable: {check.Problem}; no member was touched");
        var access = AccessFor(plan.Spec);
        var members = EtcdMembers.Of(plan.Spec, plan.Hosts);
        var (sessions, unreachable) = await ConnectAllAsync(members, ct);
        var uploaded = new ConcurrentBag<SshHostSession>();
        // External etcd: the control planes are other hosts, reached before anything changes.
        var controlPlanes = access == EtcdAccess.Host
            ? plan.Hosts.Where(h => h.Has(Roles.ControlPlane) && !members.Any(m => m.Name == h.Name)).ToList()
            : [];
        var planeSessions = new Dictionary<string, SshHostSession>(StringComparer.Ordinal);
        var planesStopped = false;
        try
        {
            foreach (var cp in controlPlanes)
            {
                try
                {
                    planeSessions[cp.Name] = await connect(cp, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    unreachable[cp.Name] = $"{redactor.Redact(e.Message)} (its API server must stop during the restore)";
                }
            }
            if (unreachable.Count > 0)
            {
                throw new EtcdRefusedException("every member is restored, but " + string.Join("; ", unreachable.Select(u => $"{u.Key} cannot be reached: {u.Value}")) +
                    "; no member was touched");
            }
            var commands = new Dictionary<string, EtcdCommands>(StringComparer.Ordinal);
            foreach (var m in members) commands[m.Name] = await CommandsAsync(sessions[m.Name], access, ct);

            var first = members[0];
            var plannedText = string.Join(", ", members.Select(m => $"{m.Name} (etcd {commands[m.Name].Version})"));
            Progress($"checking the snapshot on {first.Name}");
            uploaded.Add(sessions[first.Name]);
            await sessions[first.Name].UploadAsync(EtcdRestore.SnapshotOnHost, snapshot, 0b110_000_000, ct);
            var statusRun = await sessions[first.Name].RunAsync(commands[first.Name].Preamble + commands[first.Name].SnapshotStatus(EtcdRestore.SnapshotOnHost),
                null, commandTimeout, "snapshot status", ct);
            if (!statusRun.Succeeded || !statusRun.Stdout.TrimStart().StartsWith('{'))
            {
                throw new EtcdRefusedException($"etcd on {first.Name} cannot open the snapshot ({redactor.Redact(statusRun.StderrTail(3))}); no member was touched");
            }
            var status = EtcdJson.SnapshotStatus(statusRun.Stdout);
            if (!confirm($"Restore etcd from the snapshot (revision {status.Revision}, {status.TotalKeys} keys, {check.Size} bytes)? " +
                $"Every member stops, its data is replaced (kept as {EtcdRestore.PreviousData}): {plannedText}" +
                (controlPlanes.Count > 0 ? $". The API servers, controller managers and schedulers of {string.Join(", ", controlPlanes.Select(c => c.Name))} stop until the members are healthy again" : "")))
            {
                throw new EtcdRefusedException("declined: no member was touched");
            }

            var watch = Stopwatch.StartNew();
            await Parallel.ForEachAsync(members.Skip(1), ct, async (m, c) =>
            {
                uploaded.Add(sessions[m.Name]);
                await sessions[m.Name].UploadAsync(EtcdRestore.SnapshotOnHost, snapshot, 0b110_000_000, c);
            });
            if (planeSessions.Count > 0)
            {
                Progress($"stopping the API servers, controller managers and schedulers on {string.Join(", ", planeSessions.Keys.Order(StringComparer.Ordinal))}");
                planesStopped = true;
                await Parallel.ForEachAsync(planeSessions.Values, ct, async (s, c) => await RunAsync(s, EtcdRestore.StopControlPlane, "stop the control plane", c));
            }
            Progress("stopping every member");
            await Parallel.ForEachAsync(members, ct, async (m, c) => await RunAsync(sessions[m.Name], EtcdRestore.Stop(access), "stop etcd", c));
            Progress($"restoring every member (cluster token {token})");
            await Parallel.ForEachAsync(members, ct, async (m, c) =>
                await RunAsync(sessions[m.Name], EtcdRestore.Restore(commands[m.Name], m, members, token), "snapshot restore", c));
            Progress("starting every member");
            await Parallel.ForEachAsync(members, ct, async (m, c) => await RunAsync(sessions[m.Name], EtcdRestore.Start(access), "start etcd", c));
            Progress("waiting until every member is healthy");
            var firstSession = sessions[first.Name];
            await WithClientAsync(firstSession, access, async () =>
            {
                var deadline = Stopwatch.StartNew();
                while (true)
                {
                    var report = Report(members, await ObserveAsync(firstSession, commands[first.Name], members, full: false, ct), first.Name, unreachable);
                    if (report.Healthy) return true;
                    if (deadline.Elapsed > HealthTimeout)
                    {
                        throw new EtcdCommandException("etcd health", $"the restored members did not all become healthy within {HealthTimeout.TotalSeconds:0} s: " +
                            string.Join("; ", report.Members.Where(m => !m.Healthy).Select(m => $"{m.Name}: {m.Problem}")));
                    }
                    await Task.Delay(TimeSpan.FromMilliseconds(300), ct);
                }
            }, ct);
            if (planesStopped)
            {
                Progress($"starting the API servers, controller managers and schedulers on {string.Join(", ", planeSessions.Keys.Order(StringComparer.Ordinal))}");
                await Parallel.ForEachAsync(planeSessions.Values, ct, async (s, c) => await RunAsync(s, EtcdRestore.StartControlPlane, "start the control plane", c));
                planesStopped = false;
            }
            return new EtcdRestoreResult { Status = status, Members = members.Select(m => m.Name).ToList(), Token = token, Took = watch.Elapsed };
        }
        finally
        {
            foreach (var s in uploaded) await Quietly(() => s.RunAsync(EtcdRestore.Cleanup, null, commandTimeout, "remove snapshot", CancellationToken.None));
            // A restore that failed half-way still gives the control planes back: they wait for etcd rather than stay down.
            if (planesStopped)
            {
                foreach (var s in planeSessions.Values) await Quietly(() => s.RunAsync(EtcdRestore.StartControlPlane, null, commandTimeout, "start the control plane", CancellationToken.None));
            }
            foreach (var s in sessions.Values.Concat(planeSessions.Values)) await s.DisposeAsync();
        }
    }

    private async Task<(Dictionary<string, SshHostSession> Sessions, Dictionary<string, string> Unreachable)> ConnectAllAsync(
        IReadOnlyList<PlannedMember> members, CancellationToken ct)
    {
        var sessions = new ConcurrentDictionary<string, SshHostSession>(StringComparer.Ordinal);
        var unreachable = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(members, ct, async (m, c) =>
        {
            try
            {
                sessions[m.Name] = await connect(m.Host ?? throw new InvalidOperationException($"member {m.Name} has no host"), c);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                unreachable[m.Name] = redactor.Redact(e.Message);
            }
        });
        return (new Dictionary<string, SshHostSession>(sessions, StringComparer.Ordinal), new Dictionary<string, string>(unreachable, StringComparer.Ordinal));
    }

    /// <summary>The commands for the etcd this host runs (its version decides etcdctl or etcdutl).</summary>
    private async Task<EtcdCommands> CommandsAsync(SshHostSession session, EtcdAccess access, CancellationToken ct)
    {
        var probe = new EtcdCommands { Version = EtcdVersion.OldestSupported, Access = access, Client = EtcdClientFiles.Tool(access) };
        var r = await session.RunAsync("set -uo pipefail\n" + probe.Preamble + probe.EtcdVersion() + "\n", null, commandTimeout, "etcd --version", ct);
        if (!r.Succeeded || !EtcdVersion.TryParse(r.Stdout, out var version))
        {
            throw new EtcdCommandException("etcd --version", $"cannot tell the etcd version on {session.Host} (is etcd installed?): {redactor.Redact(r.StderrTail(3))}");
        }
        return probe with { Version = version! };
    }

    private async Task<EtcdObservation> ObserveAsync(SshHostSession session, EtcdCommands commands, IReadOnlyList<PlannedMember> members, bool full, CancellationToken ct)
    {
        var r = await session.RunAsync(EtcdObservation.Script(commands, members.Select(m => m.ClientUrl).ToList(), full), null, commandTimeout, "etcd status", ct);
        try
        {
            return EtcdObservation.Parse(r.Stdout);
        }
        catch (FormatException e)
        {
            throw new EtcdCommandException("etcd status", $"{session.Host}: {e.Message} {redactor.Redact(r.StderrTail(3))}");
        }
    }

    /// <summary>Runs <paramref name="body"/> with the tool's client certificate on the host; always removes it after.</summary>
    private async Task<T> WithClientAsync<T>(SshHostSession session, EtcdAccess access, Func<Task<T>> body, CancellationToken ct)
    {
        var files = EtcdClientFiles.Tool(access);
        var client = secrets.Issued.TryGetValue(IssuedNames.InfraEtcdClient, out var c)
            ? c
            : throw new EtcdRefusedException($"the kept secrets hold no '{IssuedNames.InfraEtcdClient}' certificate; run 'infra secrets init'");
        try
        {
            if (access == EtcdAccess.Host) await session.UploadAsync(files.CaFile, Encoding.UTF8.GetBytes(secrets.EtcdCa.CertificatePem), 0b110_100_100, ct);
            await session.UploadAsync(files.CertFile, Encoding.UTF8.GetBytes(client.CertificatePem), 0b110_100_100, ct);
            await session.UploadAsync(files.KeyFile, Encoding.UTF8.GetBytes(client.PrivateKeyPem), 0b110_000_000, ct);
            return await body();
        }
        finally
        {
            var remove = access == EtcdAccess.Host
                ? $"rm -rf {Path.GetDirectoryName(files.KeyFile)}\n"
                : $"rm -f {files.CertFile} {files.KeyFile}\n";
            await Quietly(() => session.RunAsync(remove, null, commandTimeout, "remove the client certificate", CancellationToken.None));
        }
    }

    private async Task<string> RunAsync(SshHostSession session, string script, string label, CancellationToken ct)
    {
        var r = await session.RunAsync("set -euo pipefail\n" + script + "\n", null, commandTimeout, label, ct);
        if (!r.Succeeded) throw new EtcdCommandException(label, $"{session.Host}: {label} failed (exit {r.ExitCode}): {redactor.Redact(r.StderrTail(4))}");
        return r.Stdout;
    }

    private void Progress(string what) => progress?.Invoke(redactor.Redact(what));

    private static async Task Quietly(Func<Task> action)
    {
        try { await action(); }
        catch (Exception) { /* best effort: a leftover temporary file is removed by the next operation */ }
    }
}
