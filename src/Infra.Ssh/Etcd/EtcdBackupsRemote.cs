using System.Text.RegularExpressions;
using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Ssh.Etcd;

/// <summary>The snapshots one member keeps and its snapshot service's last run (read in the same round trip), or why they could not be listed.</summary>
public sealed record MemberSnapshots(string Host, IReadOnlyList<StoredSnapshot> Snapshots, string? Failure, SnapshotServiceRun? LastRun = null);

/// <summary>The scheduled snapshots (<c>etcd.backup</c>) on the members: listed, and one copied off with its SHA-256 checked.</summary>
public static partial class EtcdBackupsRemote
{
    /// <summary>The hosts that keep snapshots: external members, or the control planes with stacked etcd.</summary>
    public static IReadOnlyList<PlannedHost> Members(ClusterPlan plan) =>
        [.. plan.Hosts.Where(h => h.Has(plan.Spec.Etcd.Topology == EtcdTopology.External ? Roles.Etcd : Roles.ControlPlane))];

    public static async Task<IReadOnlyList<MemberSnapshots>> ListAsync(IReadOnlyList<PlannedHost> members, EtcdSessionFactory connect, TimeSpan timeout, CancellationToken ct) =>
        await Task.WhenAll(members.Select(async host =>
        {
            try
            {
                await using var session = await connect(host, ct);
                var r = await session.RunAsync(EtcdBackups.ListScript, null, timeout, "list etcd snapshots", ct);
                return r.Succeeded
                    ? new MemberSnapshots(host.Name, EtcdBackups.ParseListing(host.Name, r.Stdout), null, EtcdBackups.ParseServiceRun(r.Stdout))
                    : new MemberSnapshots(host.Name, [], $"listing failed (exit {r.ExitCode}): {r.StderrTail(3)}");
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                return new MemberSnapshots(host.Name, [], e.Message);
            }
        }));

    /// <summary>Copies <paramref name="snapshot"/> into <paramref name="destination"/>; returns the SHA-256 the host computed before the copy.</summary>
    public static async Task<string> PullAsync(PlannedHost host, StoredSnapshot snapshot, Stream destination, EtcdSessionFactory connect, TimeSpan timeout, CancellationToken ct)
    {
        if (!EtcdBackups.SnapshotName().IsMatch(snapshot.Name)) throw new ArgumentException($"not a snapshot name: {snapshot.Name}", nameof(snapshot));
        await using var session = await connect(host, ct);
        // The name passed SnapshotName (no quote, space or slash): safe as one word.
        var r = await session.RunAsync($"sha256sum -- '{snapshot.Path}'\n", null, timeout, "hash etcd snapshot", ct);
        var m = Sha256Line().Match(r.Stdout);
        if (!r.Succeeded || !m.Success) throw new InvalidOperationException($"{host.Name}: could not hash {snapshot.Path}: {r.StderrTail(3)}");
        await session.DownloadAsync(snapshot.Path, destination, ct);
        return m.Groups[1].Value;
    }

    [GeneratedRegex("^([0-9a-f]{64}) ")]
    private static partial Regex Sha256Line();
}
