using System.Net;
using System.Net.Sockets;
using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Core.Etcd;

/// <summary>A member the plan wants: its host, the address it advertises, and its URLs.</summary>
public sealed record PlannedMember
{
    public const int ClientPort = 2379;
    public const int PeerPort = 2380;

    public required string Name { get; init; }
    /// <summary>The host, for SSH; null when only the member's URLs are known (read back from a member step's inputs).</summary>
    public required PlannedHost? Host { get; init; }
    /// <summary>Internal address, else the SSH address; a placeholder for a cloud VM not created yet.</summary>
    public required string Address { get; init; }

    public string PeerUrl => $"https://{UrlHost(Address)}:{PeerPort}";
    public string ClientUrl => $"https://{UrlHost(Address)}:{ClientPort}";

    /// <summary>An IPv6 address in a URL is written in brackets.</summary>
    public static string UrlHost(string address) =>
        IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address;
}

/// <summary>Which hosts run etcd members, in bootstrap order, and how they are named.</summary>
public static class EtcdMembers
{
    /// <summary>Runtime input of an external member's <c>etcd.member</c> step: how it starts, decided when it runs (INFRA_ETCD_*).</summary>
    public const string StartInput = "etcd-start";

    /// <summary>Address of a cloud VM that does not exist yet, shown in plans (the inventory replaces it).</summary>
    public static string PlaceholderAddress(string host) => $"{host}.address-unknown.invalid";

    /// <summary>
    /// The members: hosts with the etcd role for external topology, the control planes for stacked topology;
    /// each is named after its host.
    /// </summary>
    public static IReadOnlyList<PlannedMember> Of(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts) =>
        hosts.Where(h => spec.Etcd.Topology == EtcdTopology.External ? h.Has(Roles.Etcd) : h.Has(Roles.ControlPlane))
            .Select(h => new PlannedMember { Name = h.Name, Host = h, Address = h.InternalAddress ?? h.Address ?? PlaceholderAddress(h.Name) })
            .ToList();

    /// <summary>The members a node program's membership facts name, without their hosts.</summary>
    public static IReadOnlyList<PlannedMember> Of(Model.EtcdMembershipFacts facts) =>
        [.. facts.Members.Select(m => new PlannedMember { Name = m.Name, Host = null, Address = m.Address })];

    /// <summary>etcd's --initial-cluster value: name=peer URL, comma-separated, in the given order.</summary>
    public static string InitialCluster(IEnumerable<(string Name, string PeerUrl)> members) =>
        string.Join(",", members.Select(m => $"{m.Name}={m.PeerUrl}"));

    public static string InitialCluster(IEnumerable<PlannedMember> members) =>
        InitialCluster(members.Select(m => (m.Name, m.PeerUrl)));

    /// <summary>The members named in an --initial-cluster value, without their hosts (the inverse of <see cref="InitialCluster(IEnumerable{PlannedMember})"/>).</summary>
    public static IReadOnlyList<PlannedMember> FromInitialCluster(string initialCluster) =>
        initialCluster.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !Uri.TryCreate(pair[(eq + 1)..], UriKind.Absolute, out var url))
            {
                throw new FormatException($"'{pair}' is not name=peer URL");
            }
            return new PlannedMember { Name = pair[..eq], Host = null, Address = url.Host.Trim('[', ']') };
        }).ToList();

    /// <summary>The cluster token of a first bootstrap (part of the cluster id etcd derives; restores get a new one).</summary>
    public static string BootstrapToken(ClusterSpec spec) => spec.Name + "-etcd";

    /// <summary>A restore's cluster token: another cluster id, so that no member of the old cluster can talk to the new one.</summary>
    public static string RestoreToken(ClusterSpec spec, DateTimeOffset when) =>
        $"{spec.Name}-etcd-restore-{when.UtcDateTime:yyyyMMddHHmmss}";
}
