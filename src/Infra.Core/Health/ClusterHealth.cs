using System.Globalization;
using System.Text.Json;

namespace Infra.Core.Health;

/// <summary>The state of one part of <c>infra status</c>: healthy, degraded, unknown (with why), or not applicable.</summary>
public enum PartState { Healthy, Degraded, Unknown, NotApplicable }

/// <summary>One part's state and, unless healthy, the reason in words.</summary>
public sealed record HealthPart(PartState State, string? Reason = null)
{
    public static HealthPart Healthy { get; } = new(PartState.Healthy);
    public static HealthPart Unknown(string reason) => new(PartState.Unknown, reason);
    public static HealthPart Degraded(string reason) => new(PartState.Degraded, reason);
    public static HealthPart NotApplicable(string reason) => new(PartState.NotApplicable, reason);

    public string Word => State switch
    {
        PartState.Healthy => "healthy",
        PartState.Degraded => "degraded",
        PartState.Unknown => "unknown",
        _ => "not applicable",
    };
}

/// <summary>A node as <c>kubectl get nodes -o json</c> reports it: Ready and the pressure conditions that are True.</summary>
public sealed record NodeHealth(string Name, bool Ready, IReadOnlyList<string> Pressures)
{
    public bool Healthy => Ready && Pressures.Count == 0;
}

/// <summary>A control-plane static pod (kube-system, label tier=control-plane): its phase and whether every container is ready.</summary>
public sealed record PodHealth(string Name, string Node, string Phase, bool Ready)
{
    public bool Healthy => Phase == "Running" && Ready;
}

/// <summary>An etcd member as <c>infra etcd status</c> reports it.</summary>
public sealed record EtcdMemberHealth(string Name, bool Healthy, string? Problem);

/// <summary>A host's earliest certificate expiry (of the files <c>infra certs check</c> reads).</summary>
public sealed record HostExpiry(string Host, DateTimeOffset? NotAfter, int? DaysLeft, string? Subject, string? Problem);

/// <summary>The newest scheduled etcd snapshot of a member (<c>/var/lib/infra/etcd-snapshots</c>) and its snapshot service's last run.</summary>
public sealed record HostBackup(string Host, DateTimeOffset? Newest, int Count, string? Problem, Etcd.SnapshotServiceRun? LastRun = null);

/// <summary>A host's reachability and drift as the engine's dry run saw it.</summary>
public sealed record HostReach(string Host, bool Reachable, bool Drift, string? Problem);

/// <summary>
/// Everything <c>infra status</c> reports, each part with its own state. A degraded part makes the cluster degraded
/// (exit 1); a part that could not be read is unknown with the reason, shown but not by itself a failure (an
/// unreachable host, or an API server that does not answer, is degraded); a part that does not apply (alerts with
/// monitoring off) does not count.
/// </summary>
public sealed record ClusterHealth
{
    /// <summary>Version of the JSON form (<see cref="ToJson"/>); README documents it.</summary>
    public const int SchemaVersion = 1;

    /// <summary>Certificates expiring within this many days make the certificates part degraded (as <c>certs check</c>'s default).</summary>
    public const int ExpiryWarningDays = 30;

    /// <summary>A newest snapshot older than this many schedule periods is degraded; the schedule's default period is 6 hours.</summary>
    public static readonly TimeSpan BackupMaxAge = TimeSpan.FromHours(25);

    public required DateTimeOffset Now { get; init; }
    public required IReadOnlyList<HostReach> Hosts { get; init; }
    public required HealthPart HostsPart { get; init; }
    public required IReadOnlyList<NodeHealth> Nodes { get; init; }
    public required HealthPart NodesPart { get; init; }
    public required IReadOnlyList<PodHealth> ControlPlanePods { get; init; }
    public required HealthPart ControlPlanePart { get; init; }
    public required IReadOnlyList<EtcdMemberHealth> EtcdMembers { get; init; }
    public required HealthPart EtcdPart { get; init; }
    public required IReadOnlyList<HostExpiry> Certificates { get; init; }
    public required HealthPart CertificatesPart { get; init; }
    public required IReadOnlyList<HostBackup> Backups { get; init; }
    public required HealthPart BackupsPart { get; init; }
    /// <summary>Firing alerts by severity label ("none" for alerts without one).</summary>
    public required IReadOnlyDictionary<string, int> FiringAlerts { get; init; }
    public required HealthPart AlertsPart { get; init; }

    public IEnumerable<(string Name, HealthPart Part)> Parts =>
    [
        ("hosts", HostsPart), ("nodes", NodesPart), ("controlPlane", ControlPlanePart), ("etcd", EtcdPart),
        ("certificates", CertificatesPart), ("backups", BackupsPart), ("alerts", AlertsPart),
    ];

    public bool Degraded => Parts.Any(p => p.Part.State == PartState.Degraded);

    /// <summary>"degraded" (a part is), "unknown" (none is, but a part could not be read) or "healthy".</summary>
    public string State => Degraded ? "degraded" : Parts.Any(p => p.Part.State == PartState.Unknown) ? "unknown" : "healthy";

    /// <summary>0 healthy (or partly unknown), 1 degraded.</summary>
    public int ExitCode => Degraded ? 1 : 0;

    public static HealthPart HostsPartOf(IReadOnlyList<HostReach> hosts)
    {
        var unreachable = hosts.Where(h => !h.Reachable).Select(h => h.Host).ToList();
        var drift = hosts.Where(h => h.Reachable && h.Drift).Select(h => h.Host).ToList();
        if (unreachable.Count == 0 && drift.Count == 0) return HealthPart.Healthy;
        var why = new List<string>();
        if (unreachable.Count > 0) why.Add("unreachable: " + string.Join(", ", unreachable));
        if (drift.Count > 0) why.Add("drifted: " + string.Join(", ", drift));
        return HealthPart.Degraded(string.Join("; ", why));
    }

    public static HealthPart NodesPartOf(IReadOnlyList<NodeHealth> nodes, IEnumerable<string> planned)
    {
        var bad = nodes.Where(n => !n.Healthy).Select(n => n.Ready ? $"{n.Name} ({string.Join(", ", n.Pressures)})" : $"{n.Name} NotReady").ToList();
        var missing = planned.Where(p => nodes.All(n => n.Name != p)).ToList();
        if (missing.Count > 0) bad.Add("not registered: " + string.Join(", ", missing));
        return bad.Count == 0 ? HealthPart.Healthy : HealthPart.Degraded(string.Join("; ", bad));
    }

    /// <summary>The four static pods on every control plane, each running and ready.</summary>
    public static HealthPart ControlPlanePartOf(IReadOnlyList<PodHealth> pods, IEnumerable<string> controlPlanes, bool stackedEtcd)
    {
        string[] components = stackedEtcd
            ? ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]
            : ["kube-apiserver", "kube-controller-manager", "kube-scheduler"];
        var bad = new List<string>();
        foreach (var cp in controlPlanes)
        {
            foreach (var c in components)
            {
                var pod = pods.FirstOrDefault(p => p.Name == $"{c}-{cp}");
                if (pod is null) bad.Add($"{c}-{cp} missing");
                else if (!pod.Healthy) bad.Add($"{pod.Name} {pod.Phase}{(pod.Ready ? "" : ", not ready")}");
            }
        }
        return bad.Count == 0 ? HealthPart.Healthy : HealthPart.Degraded(string.Join("; ", bad));
    }

    public static HealthPart CertificatesPartOf(IReadOnlyList<HostExpiry> hosts)
    {
        var unread = hosts.Where(h => h.Problem is not null).Select(h => $"{h.Host}: {h.Problem}").ToList();
        var due = hosts.Where(h => h.DaysLeft is < ExpiryWarningDays).Select(h => $"{h.Host} in {h.DaysLeft} days").ToList();
        if (due.Count > 0) return HealthPart.Degraded("expiring within " + ExpiryWarningDays.ToString(CultureInfo.InvariantCulture) + " days: " + string.Join(", ", due));
        return unread.Count > 0 ? HealthPart.Unknown(string.Join("; ", unread)) : HealthPart.Healthy;
    }

    public static HealthPart BackupsPartOf(IReadOnlyList<HostBackup> members, DateTimeOffset now)
    {
        if (members.Count == 0) return HealthPart.NotApplicable("no etcd members");
        // A member with no snapshot yet may be new (the first runs on the timer's schedule): unknown, not degraded.
        var unread = members.Where(m => m.Problem is not null || m.Newest is null)
            .Select(m => m.Problem is null ? $"{m.Host} has no snapshot yet ('systemctl start infra-etcd-snapshot.service' on it takes one)" : $"{m.Host}: {m.Problem}").ToList();
        var stale = members.Where(m => m.Problem is null && m.Newest is { } newest && now - newest > BackupMaxAge)
            .Select(m => $"{m.Host}'s newest is {(int)(now - m.Newest!.Value).TotalHours} h old").ToList();
        // A failed last run is degraded even while an older snapshot is fresh: the next one may not come.
        var failed = members.Where(m => m.LastRun is { Failed: true }).Select(m => $"{m.Host}'s {m.LastRun!.Describe()}").ToList();
        if (failed.Count > 0 || stale.Count > 0) return HealthPart.Degraded(string.Join("; ", failed.Concat(stale).Concat(unread)));
        return unread.Count > 0 ? HealthPart.Unknown(string.Join("; ", unread)) : HealthPart.Healthy;
    }

    /// <summary>Firing alerts other than the always-firing dead-man's switch (severity none) make the part degraded.</summary>
    public static HealthPart AlertsPartOf(IReadOnlyDictionary<string, int> firing)
    {
        var real = firing.Where(kv => kv.Key != "none" && kv.Value > 0).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        return real.Count == 0
            ? HealthPart.Healthy
            : HealthPart.Degraded(string.Join(", ", real.Select(kv => $"{kv.Value.ToString(CultureInfo.InvariantCulture)} {kv.Key}")) + " firing");
    }

    /// <summary>The documented JSON form (schemaVersion 1): README, "infra status --output json".</summary>
    public System.Text.Json.Nodes.JsonObject ToJson()
    {
        static object Part(HealthPart p) => new { state = p.Word, reason = p.Reason };
        return (System.Text.Json.Nodes.JsonObject)JsonSerializer.SerializeToNode(new
        {
            state = State,
            now = Now,
            hosts = new { part = Part(HostsPart), items = Hosts.Select(h => new { host = h.Host, reachable = h.Reachable, drift = h.Drift, problem = h.Problem }) },
            nodes = new { part = Part(NodesPart), items = Nodes.Select(n => new { name = n.Name, ready = n.Ready, pressures = n.Pressures }) },
            controlPlane = new { part = Part(ControlPlanePart), pods = ControlPlanePods.Select(p => new { name = p.Name, node = p.Node, phase = p.Phase, ready = p.Ready }) },
            etcd = new { part = Part(EtcdPart), members = EtcdMembers.Select(m => new { name = m.Name, healthy = m.Healthy, problem = m.Problem }) },
            certificates = new
            {
                part = Part(CertificatesPart),
                hosts = Certificates.Select(c => new { host = c.Host, earliestNotAfter = c.NotAfter, daysLeft = c.DaysLeft, subject = c.Subject, problem = c.Problem }),
            },
            backups = new
            {
                part = Part(BackupsPart),
                members = Backups.Select(b => new
                {
                    host = b.Host,
                    newest = b.Newest,
                    count = b.Count,
                    problem = b.Problem,
                    lastRun = b.LastRun is not { } r ? null : new { result = r.Result, exitStatus = r.ExitStatus, finished = r.Finished, output = r.Output },
                }),
            },
            alerts = new { part = Part(AlertsPart), firing = FiringAlerts.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value) },
        })!;
    }
}

/// <summary>Reads what kubectl and Alertmanager's API print into the health model; each throws <see cref="FormatException"/> on input it cannot read.</summary>
public static class KubeHealthParser
{
    private static readonly string[] Pressures = ["MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"];

    /// <summary><c>kubectl get nodes -o json</c>.</summary>
    public static IReadOnlyList<NodeHealth> Nodes(string json) => Items(json).Select(item =>
    {
        var name = item.GetProperty("metadata").GetProperty("name").GetString() ?? "";
        var conditions = Conditions(item);
        return new NodeHealth(name, conditions.GetValueOrDefault("Ready") == "True",
            [.. Pressures.Where(p => conditions.GetValueOrDefault(p) == "True")]);
    }).OrderBy(n => n.Name, StringComparer.Ordinal).ToList();

    /// <summary><c>kubectl get pods -n kube-system -l tier=control-plane -o json</c>.</summary>
    public static IReadOnlyList<PodHealth> Pods(string json) => Items(json).Select(item =>
    {
        var name = item.GetProperty("metadata").GetProperty("name").GetString() ?? "";
        var spec = item.TryGetProperty("spec", out var s) ? s : default;
        var node = spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("nodeName", out var n) ? n.GetString() ?? "" : "";
        var status = item.TryGetProperty("status", out var st) ? st : default;
        var phase = status.ValueKind == JsonValueKind.Object && status.TryGetProperty("phase", out var ph) ? ph.GetString() ?? "" : "";
        var ready = Conditions(item).GetValueOrDefault("Ready") == "True";
        return new PodHealth(name, node, phase, ready);
    }).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Alertmanager's <c>GET /api/v2/alerts</c> (an array of alerts with <c>labels</c> and <c>status.state</c>):
    /// active alerts counted by their <c>severity</c> label; suppressed (silenced or inhibited) ones are not firing.
    /// </summary>
    public static IReadOnlyDictionary<string, int> FiringAlerts(string json)
    {
        using var doc = Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new FormatException("Alertmanager's answer is not a list of alerts");
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var alert in doc.RootElement.EnumerateArray())
        {
            var state = alert.TryGetProperty("status", out var s) && s.TryGetProperty("state", out var st) ? st.GetString() : null;
            if (state != "active") continue;
            var severity = alert.TryGetProperty("labels", out var l) && l.TryGetProperty("severity", out var sev) ? sev.GetString() ?? "none" : "none";
            counts[severity] = counts.GetValueOrDefault(severity) + 1;
        }
        return counts;
    }

    private static JsonDocument Parse(string json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException("not JSON: " + e.Message, e);
        }
    }

    private static List<JsonElement> Items(string json)
    {
        using var doc = Parse(json);
        if (!doc.RootElement.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array) throw new FormatException("no 'items' list in kubectl's answer");
        return [.. items.EnumerateArray().Select(i => i.Clone())];
    }

    private static Dictionary<string, string> Conditions(JsonElement item)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (item.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object
            && status.TryGetProperty("conditions", out var conditions) && conditions.ValueKind == JsonValueKind.Array)
        {
            foreach (var c in conditions.EnumerateArray())
            {
                if (c.TryGetProperty("type", out var t) && c.TryGetProperty("status", out var v)) result[t.GetString() ?? ""] = v.GetString() ?? "";
            }
        }
        return result;
    }
}
