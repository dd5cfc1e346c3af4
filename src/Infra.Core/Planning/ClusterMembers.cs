using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>One host of the cluster as the tool last applied it: enough to reach it again once the stack forgets it.</summary>
public sealed record RecordedHost
{
    public required string Name { get; init; }
    public required string Address { get; init; }
    public required int Port { get; init; }
    public required string User { get; init; }
    /// <summary>The pinned host key as the stack wrote it (a fingerprint or a public key line).</summary>
    public required string HostKey { get; init; }
    public required IReadOnlyList<string> Roles { get; init; }
    /// <summary>The stack's spelling, e.g. <c>debian-12</c>.</summary>
    public required string Os { get; init; }
}

/// <summary>
/// The cluster's members, kept by the engine on the first control plane (<see cref="HostPaths.Members"/>) after each
/// apply, so that a host taken out of the stack can still be drained, deleted and reset. The file comes back from a
/// host, so it is read as untrusted: every field passes the stack's own rule for it before it reaches a script.
/// </summary>
public static class ClusterMembers
{
    public const int SchemaVersion = 1;

    private sealed record Document(int SchemaVersion, IReadOnlyList<RecordedHost> Members);

    /// <summary>The hosts that can be reached again (an address and a pinned key), in plan order.</summary>
    public static IReadOnlyList<RecordedHost> Of(IEnumerable<PlannedHost> hosts) =>
    [
        .. hosts.Where(h => h.Address is not null && h.HostKey is not null).Select(h => new RecordedHost
        {
            Name = h.Name,
            Address = h.Address!,
            Port = h.Port,
            User = h.User,
            HostKey = h.HostKey!.ToString(),
            Roles = [.. h.Roles],
            Os = h.Os.Name(),
        }),
    ];

    /// <summary>The record in the members' order, which is bootstrap order: the first control plane is the one that initialized the cluster.</summary>
    public static string Render(IEnumerable<RecordedHost> members) => WireJson.Serialize(new Document(SchemaVersion, [.. members])) + "\n";

    /// <exception cref="FormatException">Not a members document, or a field breaks the rule the stack holds it to.</exception>
    public static IReadOnlyList<RecordedHost> Parse(string json, string source)
    {
        var doc = WireJson.Deserialize<Document>(json, source);
        if (doc.SchemaVersion != SchemaVersion)
        {
            throw new FormatException($"{source}: schemaVersion {doc.SchemaVersion}; this release reads {SchemaVersion} (upgrade the tool)");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in doc.Members ?? [])
        {
            string? problem = null;
            if (m.Name is null || !Names.IsDns1123Label(m.Name)) problem = "name is not a DNS-1123 label";
            else if (!names.Add(m.Name)) problem = "name appears twice";
            else if (m.Address is null || !Addresses.IsAddress(m.Address, allowName: true)) problem = "address is not an address";
            else if (m.Port is < 1 or > 65535) problem = "port is out of range";
            else if (m.User is null) problem = "user is missing";
            else if (TextRules.UserName(m.User) is { } userProblem) problem = "user: " + userProblem;
            else if (m.HostKey is null || !HostKeyPin.TryParse(m.HostKey, out _, out _)) problem = "hostKey is not a host key pin";
            else if (m.Roles is null || m.Roles.Count == 0 || m.Roles.Any(r => !Spec.Roles.All.Contains(r))) problem = "roles are not roles";
            else if (m.Os is null || !SpecNames.OsNames.ContainsKey(m.Os)) problem = "os is not a supported system";
            if (problem is not null)
            {
                throw new FormatException($"{source}: member '{Limits.Show(m.Name ?? "")}': {problem}");
            }
        }
        return doc.Members ?? [];
    }

    /// <summary>The planned host a member was: the engine connects to it and the planner builds its reset from it.</summary>
    public static PlannedHost ToPlannedHost(RecordedHost m)
    {
        if (!HostKeyPin.TryParse(m.HostKey, out var pin, out var problem)) throw new FormatException($"member {m.Name}: {problem}");
        return new PlannedHost
        {
            Name = m.Name,
            Address = m.Address,
            Port = m.Port,
            User = m.User,
            HostKey = pin,
            Roles = m.Roles,
            Os = SpecNames.OsNames[m.Os],
        };
    }
}
