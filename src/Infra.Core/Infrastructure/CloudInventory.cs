using System.Text.Json;
using System.Text.Json.Nodes;
using Infra.Core.Pki;
using Infra.Core.Spec;

namespace Infra.Core.Infrastructure;

/// <summary>The addresses the cloud gave one VM (<see cref="VmPlan.Name"/>).</summary>
public sealed record VmAddress(string Vm, string PublicAddress, string PrivateAddress);

/// <summary>
/// Cloud VMs as hosts: the same fields as <c>hosts</c> in a stack, pinned to the host keys the tool made for them,
/// so that everything after the VMs exist (node programs, <c>infra --inventory</c>) treats them like bare metal.
/// </summary>
public static class CloudInventory
{
    public static IReadOnlyList<HostSpec> Build(ClusterSpec spec, InfrastructurePlan plan, IReadOnlyList<VmAddress> addresses,
        IReadOnlyDictionary<string, SshHostKey> hostKeys)
    {
        var byVm = addresses.ToDictionary(a => a.Vm, StringComparer.Ordinal);
        var hosts = new List<HostSpec>(plan.Vms.Count);
        foreach (var vm in plan.Vms)
        {
            if (!byVm.TryGetValue(vm.Name, out var a))
                throw new InvalidOperationException($"the cloud reported no addresses for VM {vm.Name} (host {vm.Host})");
            if (!hostKeys.TryGetValue(vm.Host, out var key))
                throw new InvalidOperationException($"no host key was made for host {vm.Host}: the cluster secrets predate it");
            if (!HostKeyPin.TryParse(key.PublicKeyLine, out var pin, out var problem))
                throw new InvalidOperationException($"the kept host key of {vm.Host} is not a public key line: {problem}");
            hosts.Add(new HostSpec
            {
                Name = vm.Host,
                Address = a.PublicAddress,
                InternalAddress = a.PrivateAddress,
                Port = 22,
                User = spec.Ssh.AdminUser,
                HostKey = pin!,
                Roles = vm.Roles,
                Pool = vm.Pool,
                Os = spec.Os,
            });
        }
        return hosts;
    }

    /// <summary>
    /// Reads what <see cref="ToJson"/> writes, with the stack reader's rules for hosts; a malformed document is an
    /// error listing every problem with its position and key.
    /// </summary>
    public static IReadOnlyList<HostSpec> FromJson(string json)
    {
        var (hosts, diagnostics) = StackReader.ReadInventory("inventory", json);
        return hosts ?? throw new FormatException(string.Join("\n", diagnostics.Where(d => d.Severity == Diagnostics.Severity.Error)));
    }

    /// <summary>The inventory file <c>infra --inventory</c> reads: <c>{"hosts": [{name, address, port, user, hostKey, roles, pool}]}</c>.</summary>
    /// <param name="endpoint">The API endpoint (the cloud load balancer's host:port), which <c>infra apply --inventory</c> needs.</param>
    public static string ToJson(IReadOnlyList<HostSpec> hosts, string? endpoint = null)
    {
        var array = new JsonArray();
        foreach (var h in hosts)
        {
            var o = new JsonObject
            {
                ["name"] = h.Name,
                ["address"] = h.Address,
                ["port"] = h.Port,
                ["user"] = h.User,
                ["hostKey"] = h.HostKey.ToString(),
                ["roles"] = new JsonArray([.. h.Roles.Select(r => (JsonNode)JsonValue.Create(r)!)]),
            };
            if (h.Pool is not null) o["pool"] = h.Pool;
            if (h.InternalAddress is not null) o["internalAddress"] = h.InternalAddress;
            array.Add(o);
        }
        var root = new JsonObject();
        if (endpoint is not null) root["endpoint"] = endpoint;
        root["hosts"] = array;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
