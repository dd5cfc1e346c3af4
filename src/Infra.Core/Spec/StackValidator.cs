using System.Net;
using Infra.Core.Diagnostics;

namespace Infra.Core.Spec;

/// <summary>The rules that need more than one key at a time. Returns the spec with derived values filled in.</summary>
internal static class StackValidator
{
    private const string R = StackReader.ClusterKey;

    public static ClusterSpec Validate(ClusterSpec spec, ReadContext ctx, IReadOnlyDictionary<string, string> providers, bool targetKnown = true)
    {
        CheckVersion(spec, ctx);
        CheckNetwork(spec, ctx);
        CheckCounts(spec, ctx);
        CheckPackages(spec, ctx);
        if (!targetKnown)
        {
            // The target is reported already; still report every problem that does not depend on it.
            CheckHostIdentities(spec, ctx);
            var cps = spec.Hosts.Count > 0 ? spec.Hosts.Count(h => h.Has(Roles.ControlPlane)) : spec.ControlPlane.Count;
            CheckEtcd(spec with { ControlPlane = spec.ControlPlane with { Count = cps } }, ctx);
            return spec;
        }
        if (spec.Target == Target.Baremetal) spec = CheckBareMetal(spec, ctx);
        else CheckCloud(spec, ctx, providers);
        CheckEtcd(spec, ctx);
        if (spec.Network.Cni == Cni.Flannel && spec.Workloads.Policies)
        {
            ctx.Warning($"{R}.network.cni", Codes.NoNetworkPolicy,
                "flannel does not enforce NetworkPolicies: the baseline's default-deny policies will have no effect (choose calico or cilium to enforce them)");
        }
        return spec;
    }

    private static void CheckVersion(ClusterSpec spec, ReadContext ctx)
    {
        var v = spec.Kubernetes.Version;
        if (v.Major == 0) return; // malformed: already reported
        if (!SupportedVersions.IsSupported(v))
        {
            ctx.Error($"{R}.kubernetes.version", Codes.UnsupportedVersion,
                $"Kubernetes {v} is outside the supported window {SupportedVersions.Window} (the three newest minors this release of the tool knows)");
        }
    }

    /// <summary>kube-apiserver refuses a service network with more than 20 host bits (cmd/kube-apiserver/app/options/validation.go).</summary>
    public const int MaxServiceHostBits = 20;
    /// <summary>kube-controller-manager's default --node-cidr-mask-size for IPv4: each node gets a /24 of the pod network.</summary>
    public const int NodePodPrefix = 24;
    /// <summary>The cluster DNS Service takes the 10th address of the service network (kubeadm's default).</summary>
    public const int ClusterDnsIndex = 10;

    private static void CheckNetwork(ClusterSpec spec, ReadContext ctx)
    {
        var n = spec.Network;
        var named = new (string Key, Cidr Cidr)[] { ("podCidr", n.PodCidr), ("serviceCidr", n.ServiceCidr), ("nodeCidr", n.NodeCidr) };
        var lists = new (string Key, IReadOnlyList<Cidr> Cidrs)[] { ("adminCidrs", n.AdminCidrs), ("apiCidrs", n.ApiCidrs), ("ingressCidrs", n.IngressCidrs) };
        var v6 = named.Where(x => !IsV4(x.Cidr)).Select(x => x.Key)
            .Concat(lists.Where(l => l.Cidrs.Any(c => !IsV4(c))).Select(l => l.Key)).Distinct().ToList();
        foreach (var key in v6)
        {
            ctx.Error($"{R}.network.{key}", Codes.UnsupportedIpFamily,
                $"network.{key} is IPv6: this release supports IPv4 clusters only (no IPv6, no dual stack); write IPv4 networks");
        }
        if (v6.Count > 0) return; // sizes and overlaps are IPv4 rules
        var serviceHostBits = 32 - n.ServiceCidr.Network.PrefixLength;
        if (serviceHostBits > MaxServiceHostBits)
        {
            ctx.Error($"{R}.network.serviceCidr", Codes.NetworkSize,
                $"serviceCidr {n.ServiceCidr} is larger than the API server allows: at most /{32 - MaxServiceHostBits} for IPv4");
        }
        else if (!n.ServiceCidr.Contains(n.ServiceCidr.AddressAt(ClusterDnsIndex)) || serviceHostBits < 4)
        {
            ctx.Error($"{R}.network.serviceCidr", Codes.NetworkSize,
                $"serviceCidr {n.ServiceCidr} is too small: the cluster DNS Service takes its {ClusterDnsIndex}th address; use at least a /28 (a /16 or /12 is usual)");
        }
        if (n.PodCidr.Network.PrefixLength > NodePodPrefix)
        {
            ctx.Error($"{R}.network.podCidr", Codes.NetworkSize,
                $"podCidr {n.PodCidr} is smaller than one node's range (each node gets a /{NodePodPrefix}); use a /{NodePodPrefix} or larger (a /16 is usual)");
        }
        else
        {
            var nodes = spec.Target == Target.Baremetal ? spec.Hosts.Count(h => h.Has(Roles.ControlPlane) || h.Has(Roles.Worker))
                : Math.Max(spec.ControlPlane.Count, 0) + spec.Workers.Sum(w => Math.Max(w.Count, 0));
            var capacity = 1L << (NodePodPrefix - n.PodCidr.Network.PrefixLength);
            if (nodes > capacity)
            {
                ctx.Error($"{R}.network.podCidr", Codes.NetworkSize,
                    $"podCidr {n.PodCidr} holds {capacity} node range(s) of /{NodePodPrefix}, but the cluster has {nodes} nodes");
            }
        }
        for (var i = 0; i < named.Length; i++)
        {
            for (var j = i + 1; j < named.Length; j++)
            {
                if (named[i].Cidr.Overlaps(named[j].Cidr))
                {
                    ctx.Error($"{R}.network.{named[j].Key}", Codes.OverlappingCidrs,
                        $"{named[j].Key} {named[j].Cidr} overlaps {named[i].Key} {named[i].Cidr}");
                }
            }
        }
        if (spec.ControlPlane.Endpoint is { } ep && IPAddress.TryParse(ep.Host, out var addr))
        {
            foreach (var (key, cidr) in named.Take(2))
            {
                if (cidr.Contains(addr))
                {
                    ctx.Error($"{R}.controlPlane.endpoint", Codes.EndpointInCidr,
                        $"the control-plane endpoint {ep.Host} lies inside {key} {cidr}: it would be unreachable from the nodes");
                }
            }
        }
    }

    private static void CheckCounts(ClusterSpec spec, ReadContext ctx)
    {
        if (spec.ControlPlane.Count == 0 && spec.Target != Target.Baremetal)
        {
            ctx.Error($"{R}.controlPlane.count", Codes.NoControlPlane, "controlPlane.count is 0: a cluster needs at least one control plane");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Workers.Count; i++)
        {
            var w = spec.Workers[i];
            if (w.Name.Length > 0 && !seen.Add(w.Name))
            {
                ctx.Error($"{R}.workers[{i}].name", Codes.DuplicateName, $"worker pool '{w.Name}' is defined twice");
            }
        }
        if (spec.Network.IngressCidrs.Count > 0 && spec.Workloads.Ingress != IngressKind.Traefik)
        {
            // Traefik's NodePorts are pinned (30080, 30443); Envoy Gateway's Services get theirs from Kubernetes.
            ctx.Error($"{R}.network.ingressCidrs", Codes.InvalidValue, spec.Workloads.Ingress == IngressKind.None
                ? "network.ingressCidrs opens the ingress controller's ports, but workloads.ingress is none: remove one of them"
                : "network.ingressCidrs opens Traefik's fixed NodePorts 30080 and 30443; Envoy Gateway's ports are assigned by Kubernetes: use workloads.ingress traefik, or open the ports yourself");
        }
        if (spec.Target != Target.Baremetal)
        {
            var nodes = (long)Math.Max(spec.ControlPlane.Count, 0) + spec.Workers.Sum(w => (long)Math.Max(w.Count, 0)) + spec.Etcd.Count;
            if (nodes > Limits.MaxNodes)
            {
                ctx.Error($"{R}.workers", Codes.OutOfBounds, $"{nodes} machines in all; at most {Limits.MaxNodes} (Kubernetes' tested cluster size)");
            }
        }
    }

    /// <summary>Duplicate host names and addresses; addresses compare in canonical form (10.0.0.1 and 10.0.0.01 are one).</summary>
    private static void CheckHostIdentities(ClusterSpec spec, ReadContext ctx)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var addresses = new Dictionary<string, int>(StringComparer.Ordinal);
        var nodeAddresses = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Hosts.Count; i++)
        {
            var h = spec.Hosts[i];
            if (h.Name.Length > 0 && !names.TryAdd(h.Name, i))
            {
                ctx.Error($"{R}.hosts[{i}].name", Codes.DuplicateHostName, $"host name '{h.Name}' is also used by hosts[{names[h.Name]}]");
            }
            var at = $"{Addresses.Canonical(h.Address)}:{h.Port}";
            if (h.Address.Length > 0 && !addresses.TryAdd(at, i))
            {
                ctx.Error($"{R}.hosts[{i}].address", Codes.DuplicateAddress, $"address {at} is also used by hosts[{addresses[at]}]");
            }
            else if (h.InternalAddress is { } internalAddress && !nodeAddresses.TryAdd(Addresses.Canonical(internalAddress), i))
            {
                ctx.Error($"{R}.hosts[{i}].internalAddress", Codes.DuplicateAddress,
                    $"internal address {internalAddress} is also used by hosts[{nodeAddresses[Addresses.Canonical(internalAddress)]}]");
            }
        }
    }

    private static ClusterSpec CheckBareMetal(ClusterSpec spec, ReadContext ctx)
    {
        CheckHostIdentities(spec, ctx);
        for (var i = 0; i < spec.Hosts.Count; i++)
        {
            var h = spec.Hosts[i];
            if (h.Roles.Count == 0) ctx.Error($"{R}.hosts[{i}].roles", Codes.InvalidRole, $"host '{h.Name}' has no role");
            // The address a node advertises must lie in nodeCidr: the baseline's network policies allow the nodes by it.
            if (Addresses.TryParseIp(h.NodeAddress, out var ip) && IsV4(spec.Network.NodeCidr) && !spec.Network.NodeCidr.Contains(ip!))
            {
                var key = h.InternalAddress is null ? "address" : "internalAddress";
                ctx.Error($"{R}.hosts[{i}].{key}", Codes.AddressOutsideNetwork,
                    $"host '{h.Name}' would be a node at {h.NodeAddress}, outside network.nodeCidr {spec.Network.NodeCidr}: set nodeCidr to the hosts' network" +
                    (h.InternalAddress is null ? " (or give the host its internalAddress)" : ""));
            }
        }

        var cps = spec.Hosts.Where(h => h.Has(Roles.ControlPlane)).ToList();
        if (spec.Hosts.Count > 0 && cps.Count == 0)
        {
            ctx.Error($"{R}.hosts", Codes.NoControlPlane, "no host has the role 'control-plane': a cluster needs at least one");
        }
        if (spec.ControlPlane.Count >= 0 && spec.ControlPlane.Count != cps.Count && spec.Hosts.Count > 0)
        {
            ctx.Error($"{R}.controlPlane.count", Codes.CountMismatch,
                $"controlPlane.count is {spec.ControlPlane.Count} but {cps.Count} host(s) have the role 'control-plane'; on bare metal the hosts decide (remove count or make them agree)");
        }

        var pools = spec.Workers.ToList();
        for (var i = 0; i < spec.Hosts.Count; i++)
        {
            var h = spec.Hosts[i];
            if (h.Pool is null) continue;
            if (!h.Has(Roles.Worker))
            {
                ctx.Error($"{R}.hosts[{i}].pool", Codes.UnknownPool, $"host '{h.Name}' names pool '{h.Pool}' but has no 'worker' role");
            }
            else if (pools.All(p => p.Name != h.Pool))
            {
                ctx.Error($"{R}.hosts[{i}].pool", Codes.UnknownPool,
                    $"host '{h.Name}' names pool '{h.Pool}', which 'workers' does not define{Diagnostics.Suggest.DidYouMean(h.Pool, pools.Select(p => p.Name))}");
            }
        }
        var workerHosts = spec.Hosts.Where(h => h.Has(Roles.Worker)).ToList();
        if (pools.Count == 0 && workerHosts.Count > 0)
        {
            pools.Add(new WorkerPoolSpec { Name = "default", Count = -1, DiskGb = 50, Labels = new Dictionary<string, string>(), Taints = [] });
        }
        for (var i = 0; i < pools.Count; i++)
        {
            var p = pools[i];
            var members = workerHosts.Count(h => (h.Pool ?? pools[0].Name) == p.Name);
            if (p.Count >= 0 && p.Count != members)
            {
                ctx.Error($"{R}.workers[{i}].count", Codes.CountMismatch,
                    $"worker pool '{p.Name}' has count {p.Count} but {members} host(s) join it; on bare metal the hosts decide");
            }
            pools[i] = p with { Count = members };
        }

        var endpoint = spec.ControlPlane.Endpoint;
        if (endpoint is null)
        {
            if (cps.Count > 1 || spec.ControlPlane.LoadBalancer == LoadBalancerKind.KubeVip)
            {
                ctx.Error($"{R}.controlPlane", Codes.MissingKey,
                    "missing required key 'endpoint': with more than one control plane (or kube-vip) the API needs one stable address");
            }
            else if (cps.Count == 1)
            {
                endpoint = new Endpoint(cps[0].NodeAddress, Endpoint.ApiServerPort);
            }
        }
        else if (spec.ControlPlane.LoadBalancer == LoadBalancerKind.KubeVip)
        {
            if (!IPAddress.TryParse(endpoint.Host, out _))
            {
                ctx.Error($"{R}.controlPlane.endpoint", Codes.MalformedEndpoint, "with kube-vip the endpoint must be an IP address (the virtual IP kube-vip holds)");
            }
            else if (spec.Hosts.Any(h => Addresses.Canonical(h.Address) == Addresses.Canonical(endpoint.Host)
                || (h.InternalAddress is { } a && Addresses.Canonical(a) == Addresses.Canonical(endpoint.Host))))
            {
                ctx.Error($"{R}.controlPlane.endpoint", Codes.MalformedEndpoint, $"with kube-vip the endpoint {endpoint.Host} must be a free address, not a host's own");
            }
            else if (IsV4(spec.Network.NodeCidr) && !spec.Network.NodeCidr.Contains(IPAddress.Parse(endpoint.Host)))
            {
                ctx.Error($"{R}.controlPlane.endpoint", Codes.AddressOutsideNetwork,
                    $"the kube-vip address {endpoint.Host} lies outside network.nodeCidr {spec.Network.NodeCidr}: kube-vip announces it (ARP) on the hosts' own network, so it must be a free address there");
            }
        }

        return spec with
        {
            ControlPlane = spec.ControlPlane with { Count = cps.Count, Endpoint = endpoint },
            Workers = pools,
        };
    }

    private static void CheckCloud(ClusterSpec spec, ReadContext ctx, IReadOnlyDictionary<string, string> providers)
    {
        foreach (var key in StackReader.RequiredProviderKeys(spec.Target))
        {
            if (providers.TryGetValue(key, out var value) && TextRules.ProviderSetting(value) is { } problem)
            {
                ctx.Error($"config.{key}", Codes.InvalidText, $"'{Limits.Show(value)}': {problem}");
            }
            else if (!providers.ContainsKey(key))
            {
                ctx.Error("config", Codes.MissingProviderSetting,
                    $"target '{spec.Target.Name()}' needs '{key}' in the stack's config (e.g. 'pulumi config set {key} …')");
            }
        }
        // Known sizes are checked after reading (Planning.StackFile): the size table is Infrastructure's.
        if (spec.ControlPlane.Size is null) ctx.Error($"{R}.controlPlane", Codes.MissingKey, "missing required key 'size': the VM size of the control planes");
        for (var i = 0; i < spec.Workers.Count; i++)
        {
            if (spec.Workers[i].Size is null) ctx.Error($"{R}.workers[{i}]", Codes.MissingKey, $"missing required key 'size' in worker pool '{spec.Workers[i].Name}'");
        }
        if (spec.Etcd.Topology == EtcdTopology.External && spec.Etcd.Count > 0)
        {
            if (spec.Etcd.Size is null) ctx.Error($"{R}.etcd", Codes.MissingKey, "missing required key 'size': the VM size of the dedicated etcd members");
        }
    }


    private static bool IsV4(Cidr c) => c.Network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;

    private static void CheckEtcd(ClusterSpec spec, ReadContext ctx)
    {
        var cpCount = spec.ControlPlane.Count;
        if (spec.Etcd.Topology == EtcdTopology.Stacked)
        {
            if (cpCount > 0 && cpCount % 2 == 0)
            {
                ctx.Error($"{R}.controlPlane.count", Codes.EvenControlPlanes,
                    $"{cpCount} control planes with stacked etcd: an even member count tolerates no more failures than {cpCount - 1} and splits votes; use {cpCount - 1} or {cpCount + 1} (to take a control plane out, replace it: remove one, add one)");
            }
            for (var i = 0; i < spec.Hosts.Count; i++)
            {
                if (spec.Hosts[i].Has(Roles.Etcd))
                {
                    ctx.Error($"{R}.hosts[{i}].roles", Codes.EtcdMembers, $"host '{spec.Hosts[i].Name}' has the role 'etcd', which needs etcd.topology: external");
                }
            }
            return;
        }
        var members = spec.Target == Target.Baremetal
            ? spec.Hosts.Count(h => h.Has(Roles.Etcd))
            : spec.Etcd.Count > 0 ? spec.Etcd.Count : cpCount;
        if (spec.Target == Target.Baremetal && members == 0)
        {
            ctx.Error($"{R}.hosts", Codes.EtcdMembers, "etcd.topology is external but no host has the role 'etcd'");
        }
        else if (members is not (1 or 3 or 5 or 7))
        {
            ctx.Error(spec.Target == Target.Baremetal ? $"{R}.hosts" : $"{R}.etcd.count", Codes.EtcdMembers,
                $"{members} etcd members: an etcd cluster has 1, 3, 5 or 7 members (odd, so that a majority survives failures)");
        }
    }

    private static void CheckPackages(ClusterSpec spec, ReadContext ctx)
    {
        if (spec.Packages.Source == PackageSource.Bundle && string.IsNullOrEmpty(spec.Packages.Bundle))
        {
            ctx.Error($"{R}.packages", Codes.MissingKey, "missing required key 'bundle': source 'bundle' needs the folder of binaries");
        }
        if (spec.Packages.Mirrors.Count > Limits.MaxMirrors)
        {
            ctx.Error($"{R}.packages.mirrors", Codes.OutOfBounds, $"{spec.Packages.Mirrors.Count} mirrors; at most {Limits.MaxMirrors}");
            return;
        }
        foreach (var (registry, mirror) in spec.Packages.Mirrors)
        {
            // The key names a folder (certs.d/<host>/hosts.toml) and the value lands in TOML: nothing but their strict forms.
            var path = $"{R}.packages.mirrors.{Limits.Show(registry)}";
            if (TextRules.RegistryHost(registry) is { } hostProblem)
            {
                ctx.Error(path, Codes.InvalidRegistry, $"mirror key '{Limits.Show(registry)}': {hostProblem}");
            }
            else if (TextRules.RegistryReference(mirror, allowScheme: true) is { } mirrorProblem)
            {
                ctx.Error(path, Codes.InvalidRegistry, $"mirror '{Limits.Show(mirror)}': {mirrorProblem}");
            }
        }
        // Chart mirrors are checked after reading (Planning.StackFile): the rules are Workloads'.
    }
}
