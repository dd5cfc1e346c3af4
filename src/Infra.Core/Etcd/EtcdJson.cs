using System.Globalization;
using System.Text.Json;

namespace Infra.Core.Etcd;

/// <summary>A member as <c>etcdctl member list</c> reports it; an added member that never started has no name.</summary>
public sealed record EtcdMemberInfo
{
    public required ulong Id { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<string> PeerUrls { get; init; }
    public required IReadOnlyList<string> ClientUrls { get; init; }
    public required bool IsLearner { get; init; }

    /// <summary>etcdctl prints member ids in hex; its commands take them in hex.</summary>
    public string HexId => Id.ToString("x", CultureInfo.InvariantCulture);
    public bool Started => Name.Length > 0;
    public string Label => Started ? $"{Name} ({HexId})" : $"unstarted member {HexId} ({string.Join(",", PeerUrls)})";
}

/// <summary>One endpoint of <c>etcdctl endpoint status</c>.</summary>
public sealed record EtcdEndpointStatus
{
    public required string Endpoint { get; init; }
    public required ulong MemberId { get; init; }
    public required string Version { get; init; }
    public required long DbSize { get; init; }
    public required long DbSizeInUse { get; init; }
    public required ulong Leader { get; init; }
    public required ulong RaftIndex { get; init; }
    public required ulong RaftAppliedIndex { get; init; }
    public required long Revision { get; init; }
    public required ulong ClusterId { get; init; }
}

/// <summary>One endpoint of <c>etcdctl endpoint health</c>: healthy when a quorum read through it succeeded.</summary>
public sealed record EtcdEndpointHealth(string Endpoint, bool Healthy, string? Error);

/// <summary>An alarm a member raised (NOSPACE: the database hit its quota; CORRUPT: a hash check failed).</summary>
public sealed record EtcdAlarm(ulong MemberId, string Alarm);

/// <summary>What <c>snapshot status</c> says of a snapshot file.</summary>
public sealed record EtcdSnapshotStatus
{
    public required uint Hash { get; init; }
    public required long Revision { get; init; }
    public required long TotalKeys { get; init; }
    public required long TotalSize { get; init; }
}

/// <summary>Reads etcdctl's and etcdutl's JSON output (<c>-w json</c>), the same from 3.4 to 3.6.</summary>
public static class EtcdJson
{
    public static IReadOnlyList<EtcdMemberInfo> MemberList(string json)
    {
        using var doc = Parse(json, "member list");
        if (!doc.RootElement.TryGetProperty("members", out var members) || members.ValueKind != JsonValueKind.Array) return [];
        return members.EnumerateArray().Select(m => new EtcdMemberInfo
        {
            Id = U64(m, "ID"),
            Name = Str(m, "name") ?? "",
            PeerUrls = Strings(m, "peerURLs"),
            ClientUrls = Strings(m, "clientURLs"),
            // 3.4 leaves isLearner out when false.
            IsLearner = m.TryGetProperty("isLearner", out var l) && l.ValueKind == JsonValueKind.True,
        }).ToList();
    }

    /// <summary>The output of <c>member add -w json</c>: the new member's id and the member list that now has it.</summary>
    public static (ulong Added, IReadOnlyList<EtcdMemberInfo> Members) MemberAdd(string json)
    {
        using var doc = Parse(json, "member add");
        var added = doc.RootElement.TryGetProperty("member", out var m) ? U64(m, "ID") : 0;
        return (added, MemberList(json));
    }

    public static IReadOnlyList<EtcdEndpointStatus> EndpointStatus(string json)
    {
        using var doc = Parse(json, "endpoint status");
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new FormatException("etcdctl endpoint status: expected a JSON array");
        return doc.RootElement.EnumerateArray().Select(e =>
        {
            var s = e.GetProperty("Status");
            var header = s.GetProperty("header");
            return new EtcdEndpointStatus
            {
                Endpoint = Str(e, "Endpoint") ?? "",
                MemberId = U64(header, "member_id"),
                ClusterId = U64(header, "cluster_id"),
                Revision = I64(header, "revision"),
                Version = Str(s, "version") ?? "",
                DbSize = I64(s, "dbSize"),
                DbSizeInUse = I64(s, "dbSizeInUse"),
                Leader = U64(s, "leader"),
                RaftIndex = U64(s, "raftIndex"),
                RaftAppliedIndex = U64(s, "raftAppliedIndex"),
            };
        }).ToList();
    }

    public static IReadOnlyList<EtcdEndpointHealth> EndpointHealth(string json)
    {
        using var doc = Parse(json, "endpoint health");
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new FormatException("etcdctl endpoint health: expected a JSON array");
        return doc.RootElement.EnumerateArray()
            .Select(e => new EtcdEndpointHealth(Str(e, "endpoint") ?? "", e.TryGetProperty("health", out var h) && h.ValueKind == JsonValueKind.True, Str(e, "error")))
            .ToList();
    }

    public static IReadOnlyList<EtcdAlarm> AlarmList(string json)
    {
        using var doc = Parse(json, "alarm list");
        if (!doc.RootElement.TryGetProperty("alarms", out var alarms) || alarms.ValueKind != JsonValueKind.Array) return [];
        return alarms.EnumerateArray().Select(a => new EtcdAlarm(U64(a, "memberID"), AlarmName(a))).ToList();
    }

    public static EtcdSnapshotStatus SnapshotStatus(string json)
    {
        using var doc = Parse(json, "snapshot status");
        var r = doc.RootElement;
        return new EtcdSnapshotStatus
        {
            Hash = (uint)U64(r, "hash"),
            Revision = I64(r, "revision"),
            TotalKeys = I64(r, "totalKey"),
            TotalSize = I64(r, "totalSize"),
        };
    }

    private static string AlarmName(JsonElement a)
    {
        if (!a.TryGetProperty("alarm", out var v)) return "NONE";
        if (v.ValueKind == JsonValueKind.String) return v.GetString()!;
        return v.TryGetInt32(out var n) ? n switch { 1 => "NOSPACE", 2 => "CORRUPT", _ => $"alarm {n}" } : "unknown";
    }

    private static JsonDocument Parse(string json, string what)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"etcdctl {what} did not print JSON: {e.Message}", e);
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static List<string> Strings(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
            : [];

    private static ulong U64(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetUInt64(out var n) ? n : 0;

    private static long I64(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : 0;
}
