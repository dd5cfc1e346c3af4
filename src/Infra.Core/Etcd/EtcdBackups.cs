using System.Globalization;
using System.Text.RegularExpressions;
using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Core.Etcd;

/// <summary>
/// Scheduled etcd snapshots on a member (<c>etcd.backup</c>): <see cref="ServiceName"/> runs <see cref="ScriptPath"/>,
/// which saves a snapshot through the member's client TLS, verifies it (etcdutl snapshot status where installed,
/// else etcdctl's: 3.6 removed it from etcdctl), writes it 0600 under <see cref="Directory"/> named with its time,
/// revision and hash, and prunes to <c>keep</c>; <see cref="TimerName"/> runs it on the schedule.
/// </summary>
public static partial class EtcdBackups
{
    public const string Directory = HostPaths.EtcdSnapshotsDir;
    public const string ServiceName = "infra-etcd-snapshot.service";
    public const string TimerName = "infra-etcd-snapshot.timer";
    public const string ServiceUnitPath = "/etc/systemd/system/" + ServiceName;
    public const string TimerUnitPath = "/etc/systemd/system/" + TimerName;
    public const string ScriptPath = "/usr/local/sbin/infra-etcd-snapshot";
    /// <summary>Where systemd keeps the last run of a persistent timer (<c>Persistent=true</c>): removed with the units.</summary>
    public const string TimerStampDir = "/var/lib/systemd/timers";
    public const string TimerStamp = TimerStampDir + "/stamp-" + TimerName;

    /// <summary>
    /// <c>etcd-YYYYMMDDTHHMMSSZ-rREVISION-HASH.db</c>: the time first, so that names sort oldest to newest; the revision
    /// (decimal) and the hash (8 hex digits) that <c>snapshot status</c> reported when the file was verified.
    /// </summary>
    [GeneratedRegex("^etcd-(?<time>[0-9]{8}T[0-9]{6}Z)-r(?<revision>[0-9]{1,20})-(?<hash>[0-9a-f]{8})\\.db$")]
    public static partial Regex SnapshotName();

    /// <summary>The client certificate a member's snapshot is taken with: external members' or stacked etcd's health-check client.</summary>
    public sealed record ClientTls(string CaCert, string Cert, string Key);

    /// <summary>
    /// The snapshot script of an external member: etcdctl on the host with the member's client TLS; its inputs are
    /// readonly quoted variables in its header (all from Core's constants and a validated count).
    /// </summary>
    public static string Script(ClientTls tls, string endpoint, int keep) => Head(keep, $$"""
        readonly endpoint={{Word(endpoint)}}
        readonly cacert={{Word(tls.CaCert)}}
        readonly cert={{Word(tls.Cert)}}
        readonly key={{Word(tls.Key)}}

        """) + $$"""
        tmp=$(mktemp "$dir/.partial.XXXXXX")
        trap 'rm -f "$tmp"' EXIT
        etcdctl --endpoints="$endpoint" --cacert="$cacert" --cert="$cert" --key="$key" \
          --dial-timeout=5s --command-timeout=300s snapshot save "$tmp" >/dev/null
        if command -v etcdutl >/dev/null; then
          status=$(etcdutl snapshot status "$tmp" -w json)
        else
          status=$(ETCDCTL_API=3 etcdctl snapshot status "$tmp" -w json)
        fi

        """ + Tail;

    /// <summary>
    /// The snapshot script of a control plane with stacked etcd: the commands of <paramref name="etcd"/> (run inside
    /// kubeadm's etcd container, as <c>infra etcd snapshot</c> runs them), saved through this member into the data
    /// folder the container mounts, then verified and moved as an external member's.
    /// </summary>
    public static string StackedScript(EtcdCommands etcd, string endpoint, int keep)
    {
        const string work = EtcdCommands.DataDir + "/infra-scheduled-snapshot.db";
        return Head(keep, "") + etcd.Preamble + $$"""
            tmp={{Word(work)}}
            rm -f "$tmp"
            trap 'rm -f "$tmp"' EXIT
            {{etcd.SnapshotSave(endpoint, work)}} >/dev/null
            status=$({{etcd.SnapshotStatus(work)}})

            """ + Tail;
    }

    private static string Head(int keep, string readonlyLines) => $$"""
        #!/bin/bash
        # infra: scheduled etcd snapshot (etcd.backup). Written by infra; changes are overwritten.
        set -euo pipefail
        readonly dir={{Word(Directory)}}
        {{readonlyLines}}readonly keep={{keep.ToString(CultureInfo.InvariantCulture)}}
        umask 077
        install -d -m 0700 "$dir"

        """;

    /// <summary>After the snapshot is in <c>$tmp</c> and its status JSON in <c>$status</c>: named, kept, pruned.</summary>
    private const string Tail = """
        revision=$(printf '%s' "$status" | sed -n 's/.*"revision":\([0-9][0-9]*\).*/\1/p')
        hash=$(printf '%s' "$status" | sed -n 's/.*"hash":\([0-9][0-9]*\).*/\1/p')
        if [ -z "$revision" ] || [ -z "$hash" ]; then
          echo "the snapshot does not verify: $status" >&2
          exit 1
        fi
        name=$(printf 'etcd-%s-r%s-%08x.db' "$(date -u +%Y%m%dT%H%M%SZ)" "$revision" "$hash")
        chmod 0600 "$tmp"
        mv "$tmp" "$dir/$name"
        trap - EXIT
        echo "snapshot $dir/$name (revision $revision)"
        # Prune: keep the newest $keep snapshots (names sort oldest to newest); other files are not touched.
        find "$dir" -maxdepth 1 -type f -name 'etcd-*.db' -printf '%f\n' \
          | grep -E '^etcd-[0-9]{8}T[0-9]{6}Z-r[0-9]+-[0-9a-f]{8}\.db$' \
          | LC_ALL=C sort -r | tail -n +"$((keep + 1))" \
          | while read -r old; do
              rm -f -- "$dir/$old"
            done

        """;

    public const string ServiceUnit = $"""
        [Unit]
        Description=infra: etcd snapshot, verified and pruned (etcd.backup)
        After=etcd.service network-online.target

        [Service]
        Type=oneshot
        ExecStart={ScriptPath}

        """;

    /// <summary>The timer; <paramref name="schedule"/> passed <see cref="EtcdBackupSpec.CheckSchedule"/> (one line, no specifiers).</summary>
    public static string TimerUnit(string schedule) => $"""
        [Unit]
        Description=infra: etcd snapshot schedule (etcd.backup)

        [Timer]
        OnCalendar={schedule}
        Persistent=true

        [Install]
        WantedBy=timers.target

        """;

    /// <summary>The line after which <see cref="ListScript"/> prints the snapshot service's last run.</summary>
    public const string ServiceRunMarker = "@@infra-snapshot-service";

    /// <summary>The line after which <see cref="ListScript"/> prints that run's last lines of output.</summary>
    public const string ServiceLogMarker = "@@infra-snapshot-log";

    /// <summary>
    /// Lists the verified snapshots on a member: one line each, "NAME SIZE" (names cannot hold spaces:
    /// <see cref="SnapshotName"/>); then, after <see cref="ServiceRunMarker"/>, the service's last run as systemd keeps it
    /// (the Service interface's Result and the ExecMain exec status' Status and ExitTimestamp, systemd/systemd
    /// src/core/dbus-service.c and dbus-execute.h), and after <see cref="ServiceLogMarker"/> that run's last output lines
    /// (journal entries of its invocation).
    /// </summary>
    public const string ListScript = $"""
        if [ -d {Directory} ]; then
          find {Directory} -maxdepth 1 -type f -name 'etcd-*.db' -printf '%f %s\n'
        fi
        echo '{ServiceRunMarker}'
        systemctl show {ServiceName} -p Result -p ExecMainStatus -p ExecMainExitTimestamp -p InvocationID 2>/dev/null || true
        invocation=$(systemctl show {ServiceName} -p InvocationID --value 2>/dev/null || true)
        if [ -n "$invocation" ]; then
          echo '{ServiceLogMarker}'
          journalctl --no-pager -o cat -n 3 _SYSTEMD_INVOCATION_ID="$invocation" 2>/dev/null || true
        fi

        """;

    /// <summary>The snapshots in what <see cref="ListScript"/> printed on <paramref name="host"/>, oldest first; other lines are ignored.</summary>
    public static IReadOnlyList<StoredSnapshot> ParseListing(string host, string output)
    {
        var list = new List<StoredSnapshot>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line == ServiceRunMarker) break;
            var parts = line.Split(' ');
            if (parts.Length != 2 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)) continue;
            var m = SnapshotName().Match(parts[0]);
            if (!m.Success || !long.TryParse(m.Groups["revision"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var revision)) continue;
            var taken = DateTimeOffset.ParseExact(m.Groups["time"].Value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            list.Add(new StoredSnapshot(host, Directory + "/" + parts[0], parts[0], size, taken, revision, m.Groups["hash"].Value));
        }
        return [.. list.OrderBy(s => s.Taken).ThenBy(s => s.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The snapshot service's last run in what <see cref="ListScript"/> printed; null when it printed none (a host that
    /// does not run systemd's manager, or an older listing).
    /// </summary>
    public static SnapshotServiceRun? ParseServiceRun(string output)
    {
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var run = lines.IndexOf(ServiceRunMarker);
        if (run < 0) return null;
        var log = lines.IndexOf(ServiceLogMarker, run);
        var properties = lines[(run + 1)..(log < 0 ? lines.Count : log)].Select(l => l.Split('=', 2)).Where(kv => kv.Length == 2)
            .GroupBy(kv => kv[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
        if (!properties.TryGetValue("Result", out var result) || result.Length == 0) return null;
        int? status = properties.TryGetValue("ExecMainStatus", out var s) && int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code) ? code : null;
        var finished = properties.GetValueOrDefault("ExecMainExitTimestamp") is { Length: > 0 } f ? f : null;
        IReadOnlyList<string> output3 = log < 0 ? [] : [.. lines[(log + 1)..].Where(l => l.Trim().Length > 0)];
        return new SnapshotServiceRun(result, status, finished, output3);
    }

    /// <summary>The newest snapshot of the cluster: the highest revision, then the latest taken (members agree on revisions).</summary>
    public static StoredSnapshot? Newest(IEnumerable<StoredSnapshot> snapshots) =>
        snapshots.OrderByDescending(s => s.Revision).ThenByDescending(s => s.Taken).ThenBy(s => s.Host, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>A single-quoted bash word.</summary>
    private static string Word(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>
/// The last run of <see cref="EtcdBackups.ServiceName"/> on a member: systemd's Result (<c>success</c>, or why it failed:
/// <c>exit-code</c>, <c>signal</c>, <c>timeout</c>, …), the main process' exit status, when it ended (as systemctl
/// prints it; empty when it never ran) and the run's last lines of output.
/// </summary>
public sealed record SnapshotServiceRun(string Result, int? ExitStatus, string? Finished, IReadOnlyList<string> Output)
{
    public bool Failed => Result != "success";

    /// <summary>What a user reads: the result, the exit status, when, and the run's last line of output.</summary>
    public string Describe()
    {
        var what = ExitStatus is { } code && code != 0 ? $"{Result}, exit status {code.ToString(CultureInfo.InvariantCulture)}" : Result;
        var when = Finished is null ? "" : $" at {Finished}";
        var said = Output.Count == 0 ? "" : ": " + Output[^1];
        return $"last run failed ({what}){when}{said}";
    }
}

/// <summary>A snapshot kept on a member by the scheduled backups.</summary>
public sealed record StoredSnapshot(string Host, string Path, string Name, long Size, DateTimeOffset Taken, long Revision, string Hash);
