using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>The machines of a cluster: the stack's hosts on bare metal, planned VMs on clouds.</summary>
public static class HostInventory
{
    /// <summary>
    /// Hosts in bootstrap order: etcd-only hosts, control planes (the first is where <c>kubeadm init</c> runs),
    /// then workers. Cloud VMs get names <c>cp-N</c>, <c>etcd-N</c>, <c>POOL-N</c> and zones round-robin.
    /// </summary>
    public static IReadOnlyList<PlannedHost> Plan(ClusterSpec spec)
    {
        var hosts = spec.Target == Target.Baremetal ? FromStack(spec) : CloudVms(spec);
        return [.. hosts.OrderBy(OrderKey).ThenBy(h => Index(spec, h))];
    }

    /// <summary>Replace planned cloud VMs by what the cloud created (the inventory the Pulumi program outputs).</summary>
    public static IReadOnlyList<PlannedHost> WithInventory(ClusterSpec spec, IReadOnlyList<HostSpec> inventory) =>
        Plan(spec with { Target = Target.Baremetal, Hosts = inventory, Cloud = null })
            .Select(h => h with { Os = spec.Os })
            .ToList();

    private static int OrderKey(PlannedHost h) =>
        h.Has(Roles.Etcd) && !h.Has(Roles.ControlPlane) ? 0 : h.Has(Roles.ControlPlane) ? 1 : 2;

    private static int Index(ClusterSpec spec, PlannedHost h)
    {
        for (var i = 0; i < spec.Hosts.Count; i++)
        {
            if (spec.Hosts[i].Name == h.Name) return i;
        }
        return 0;
    }

    private static IEnumerable<PlannedHost> FromStack(ClusterSpec spec) =>
        spec.Hosts.Select(h => new PlannedHost
        {
            Name = h.Name,
            Address = h.Address,
            Port = h.Port,
            User = h.User,
            HostKey = h.HostKey,
            Roles = h.Roles,
            Pool = h.Has(Roles.Worker) ? h.Pool ?? (spec.Workers.Count > 0 ? spec.Workers[0].Name : null) : null,
            InternalAddress = h.InternalAddress,
            Os = h.Os ?? spec.Os,
        });

    private static IEnumerable<PlannedHost> CloudVms(ClusterSpec spec)
    {
        var zones = spec.Cloud?.Zones ?? [];
        string? Zone(int i) => zones.Count == 0 ? null : zones[i % zones.Count];
        PlannedHost Vm(string name, IReadOnlyList<string> roles, string? pool, int i) => new()
        {
            Name = name,
            Address = null,
            Port = 22,
            User = spec.Ssh.AdminUser,
            HostKey = null,
            Roles = roles,
            Pool = pool,
            Os = spec.Os,
            Zone = Zone(i),
        };
        if (spec.Etcd.Topology == EtcdTopology.External)
        {
            for (var i = 0; i < spec.Etcd.Count; i++) yield return Vm($"etcd-{i + 1}", [Roles.Etcd], null, i);
        }
        var cpRoles = spec.Etcd.Topology == EtcdTopology.External && spec.Etcd.Count == 0
            ? new[] { Roles.ControlPlane, Roles.Etcd }
            : new[] { Roles.ControlPlane };
        for (var i = 0; i < spec.ControlPlane.Count; i++) yield return Vm($"cp-{i + 1}", cpRoles, null, i);
        foreach (var pool in spec.Workers)
        {
            for (var i = 0; i < pool.Count; i++) yield return Vm($"{pool.Name}-{i + 1}", [Roles.Worker], pool.Name, i);
        }
    }
}
