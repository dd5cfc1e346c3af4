using System.Net;
using Infra.Core.Diagnostics;

namespace Infra.Core.Spec;

/// <summary>The rules that need more than one key at a time. Returns the spec with derived values filled in.</summary>
internal static class StackValidator
{
    private const string R = StackReader.ClusterKey;

    public static ClusterSpec Validate(ClusterSpec spec, ReadContext ctx, IReadOnlyDictionary<string, string> providers)
    {
        CheckVersion(spec, ctx);
        CheckNetwork(spec, ctx);
        CheckCounts(spec, ctx);
        if (spec.Target == Target.Baremetal) spec = CheckBareMetal(spec, ctx);
        else CheckCloud(spec, ctx, providers);
        CheckEtcd(spec, ctx);
        CheckPackages(spec, ctx);
        if (spec.Network.Cni == Cni.Flannel && spec.Workloads.Policies)
        {
            ctx.Warning($"{R}.network.cni", Codes.NoNetworkPolicy,
                "flannel does not enforce NetworkPolicies: the baseline's default-deny policies will have no effect (choose calico or cilium to enforce them)");
        }
        CheckWorkloads(spec, ctx);
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

    private static void CheckNetwork(ClusterSpec spec, ReadContext ctx)
    {
        var n = spec.Network;
        var named = new (string Key, Cidr Cidr)[] { ("podCidr", n.PodCidr), ("serviceCidr", n.ServiceCidr), ("nodeCidr", n.NodeCidr) };
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
        if (spec.Ssh.ConnectTimeoutSeconds <= 0) ctx.Error($"{R}.ssh.connectTimeoutSeconds", Codes.InvalidValue, "the connect timeout must be positive");
        if (spec.Ssh.CommandTimeoutSeconds <= 0) ctx.Error($"{R}.ssh.commandTimeoutSeconds", Codes.InvalidValue, "the command timeout must be positive");
    }

    private static ClusterSpec CheckBareMetal(ClusterSpec spec, ReadContext ctx)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var addresses = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < spec.Hosts.Count; i++)
        {
            var h = spec.Hosts[i];
            if (h.Name.Length > 0 && !names.TryAdd(h.Name, i))
            {
                ctx.Error($"{R}.hosts[{i}].name", Codes.DuplicateHostName, $"host name '{h.Name}' is also used by hosts[{names[h.Name]}]");
            }
            var at = $"{h.Address}:{h.Port}";
            if (h.Address.Length > 0 && !addresses.TryAdd(at, i))
            {
                ctx.Error($"{R}.hosts[{i}].address", Codes.DuplicateAddress, $"address {at} is also used by hosts[{addresses[at]}]");
            }
            if (h.Roles.Count == 0) ctx.Error($"{R}.hosts[{i}].roles", Codes.InvalidRole, $"host '{h.Name}' has no role");
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
                endpoint = new Endpoint(cps[0].NodeAddress, 6443);
            }
        }
        else if (spec.ControlPlane.LoadBalancer == LoadBalancerKind.KubeVip)
        {
            if (!IPAddress.TryParse(endpoint.Host, out _))
            {
                ctx.Error($"{R}.controlPlane.endpoint", Codes.MalformedEndpoint, "with kube-vip the endpoint must be an IP address (the virtual IP kube-vip holds)");
            }
            else if (spec.Hosts.Any(h => h.Address == endpoint.Host || h.InternalAddress == endpoint.Host))
            {
                ctx.Error($"{R}.controlPlane.endpoint", Codes.MalformedEndpoint, $"with kube-vip the endpoint {endpoint.Host} must be a free address, not a host's own");
            }
        }

        if (spec.Ssh.Bastion is { } b && b.Address.Length > 0 && !IPAddress.TryParse(b.Address, out _) && !Names.IsDnsName(b.Address))
        {
            ctx.Error($"{R}.ssh.bastion.address", Codes.MalformedAddress, $"'{b.Address}' is neither an IP address nor a DNS name");
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
            if (!providers.ContainsKey(key))
            {
                ctx.Error("config", Codes.MissingProviderSetting,
                    $"target '{spec.Target.ToString().ToLowerInvariant()}' needs '{key}' in the stack's config (e.g. 'pulumi config set {key} …')");
            }
        }
        if (spec.ControlPlane.Size is null) ctx.Error($"{R}.controlPlane", Codes.MissingKey, "missing required key 'size': the VM size of the control planes");
        else CheckSize(spec, ctx, $"{R}.controlPlane.size", spec.ControlPlane.Size);
        for (var i = 0; i < spec.Workers.Count; i++)
        {
            if (spec.Workers[i].Size is not { } size) ctx.Error($"{R}.workers[{i}]", Codes.MissingKey, $"missing required key 'size' in worker pool '{spec.Workers[i].Name}'");
            else CheckSize(spec, ctx, $"{R}.workers[{i}].size", size);
        }
        if (spec.Etcd.Topology == EtcdTopology.External && spec.Etcd.Count > 0)
        {
            if (spec.Etcd.Size is null) ctx.Error($"{R}.etcd", Codes.MissingKey, "missing required key 'size': the VM size of the dedicated etcd members");
            else CheckSize(spec, ctx, $"{R}.etcd.size", spec.Etcd.Size);
        }
    }

    /// <summary>The baseline's pinned versions must support the cluster's minor (e.g. cert-manager's window).</summary>
    private static void CheckWorkloads(ClusterSpec spec, ReadContext ctx)
    {
        if (!SupportedVersions.IsSupported(spec.Kubernetes.Version)) return; // already reported
        foreach (var d in Workloads.BaselinePlanner.Check(spec))
        {
            if (d.Severity != Workloads.WorkloadSeverity.Error) continue;
            ctx.Error($"{R}.{d.Key}", Codes.WorkloadUnsupported, d.Message);
        }
    }

    /// <summary>kubeadm's preflight minimum is 2 CPUs and 1700 MB; sizes the tool does not know only get a warning.</summary>
    private static void CheckSize(ClusterSpec spec, ReadContext ctx, string path, string size)
    {
        if (!Infrastructure.CloudSizes.TryGet(spec.Target, size, out var cpus, out var memoryMb))
        {
            ctx.Warning(path, Codes.UnknownSize,
                $"size '{size}' is not in this tool's table for {spec.Target.ToString().ToLowerInvariant()}, so its CPU and memory are not checked" +
                Diagnostics.Suggest.DidYouMean(size, Infrastructure.CloudSizes.Known(spec.Target)));
            return;
        }
        if (cpus < 2 || memoryMb < 1700)
        {
            ctx.Error(path, Codes.SizeTooSmall,
                $"'{size}' has {cpus} vCPU and {memoryMb} MB; kubeadm needs at least 2 vCPU and 1700 MB");
        }
    }

    private static void CheckEtcd(ClusterSpec spec, ReadContext ctx)
    {
        var cpCount = spec.ControlPlane.Count;
        if (spec.Etcd.Topology == EtcdTopology.Stacked)
        {
            if (cpCount > 0 && cpCount % 2 == 0)
            {
                ctx.Error($"{R}.controlPlane.count", Codes.EvenControlPlanes,
                    $"{cpCount} control planes with stacked etcd: an even member count tolerates no more failures than {cpCount - 1} and splits votes; use {cpCount - 1} or {cpCount + 1}");
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
        foreach (var (registry, mirror) in spec.Packages.Mirrors)
        {
            if (!Names.IsDnsName(registry.Split(':')[0]))
            {
                ctx.Error($"{R}.packages.mirrors.{registry}", Codes.InvalidName, $"'{registry}' is not a registry host name");
            }
            if (mirror.Length == 0 || mirror.Contains(' ', StringComparison.Ordinal))
            {
                ctx.Error($"{R}.packages.mirrors.{registry}", Codes.InvalidValue, $"mirror '{mirror}' is not a registry host or host/path");
            }
        }
        foreach (var (upstream, mirror) in spec.Packages.ChartMirrors)
        {
            if (Workloads.ChartMirrors.Problem(upstream, mirror) is { } problem)
            {
                ctx.Error($"{R}.packages.chartMirrors.{upstream}", Codes.MalformedChartMirror, problem);
            }
        }
    }
}
