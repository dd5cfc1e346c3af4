using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Core.Infrastructure;

/// <summary>
/// Lays a cluster out on AWS, Azure or GCP: network, one subnet per zone, least-privilege firewall rules, the API
/// load balancer, VMs spread over zones, metadata hardening and the CSI driver's identity. Pure and deterministic:
/// the Pulumi components only map this plan to resources.
/// </summary>
public static class CloudPlanner
{
    public const int ApiPort = Endpoint.ApiServerPort;
    public const int SshPort = 22;
    public const int KubeletPort = 10250;

    /// <summary>Where GCP's health checkers of an external passthrough network load balancer come from.</summary>
    public static readonly IReadOnlyList<string> GcpHealthCheckRanges = ["35.191.0.0/16", "209.85.152.0/22", "209.85.204.0/22"];

    /// <summary>Azure's service tag for its load balancer's health probes.</summary>
    public const string AzureLoadBalancerTag = "AzureLoadBalancer";

    public static InfrastructurePlan Plan(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts)
    {
        var target = spec.Target;
        if (target == Target.Baremetal)
            throw new InfrastructurePlanException("target", "bare metal has no cloud infrastructure to plan");
        var cloud = spec.Cloud ?? throw new InfrastructurePlanException("cloud", $"{(Lower(target)[0] is 'a' ? "an" : "a")} {Lower(target)} cluster needs its region and zones");
        var c = spec.Name;
        if (target == Target.Gcp && !char.IsAsciiLetterLower(c[0]))
            throw new InfrastructurePlanException("name", $"'{c}' must start with a letter: GCP resource names are derived from it");

        var zones = cloud.Zones;
        if (zones.Count == 0) throw new InfrastructurePlanException("cloud.zones", "at least one zone is needed");
        var duplicate = zones.GroupBy(z => z, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InfrastructurePlanException("cloud.zones", $"zone '{duplicate.Key}' is listed twice");
        if (spec.Network.AdminCidrs.Count == 0)
            throw new InfrastructurePlanException("network.adminCidrs", "at least one CIDR is needed: the tool reaches the VMs over SSH from there");

        var subnets = PlanSubnets(spec, target, zones);
        var vms = PlanVms(spec, target, cloud, hosts, subnets);
        CheckCapacity(target, subnets, vms);

        var etcdGroup = vms.Any(v => v.Groups.Contains(Peer.Etcd)) ? Peer.Etcd : Peer.ControlPlanes;
        var groups = new List<GroupPlan>
        {
            new() { Group = Peer.AllVms, Name = Fit($"{c}-vms") },
            new() { Group = Peer.Nodes, Name = Fit($"{c}-nodes") },
            new() { Group = Peer.ControlPlanes, Name = Fit($"{c}-control-planes") },
        };
        if (etcdGroup == Peer.Etcd) groups.Add(new GroupPlan { Group = Peer.Etcd, Name = Fit($"{c}-etcd") });
        if (target == Target.Aws) groups.Add(new GroupPlan { Group = Peer.LoadBalancer, Name = Fit($"{c}-lb") });

        var csi = spec.Workloads.Storage == StorageKind.Csi;
        return new InfrastructurePlan
        {
            Target = target,
            Cluster = c,
            Region = cloud.Region,
            Network = new NetworkPlan { Name = Fit($"{c}-network"), Cidr = spec.Network.NodeCidr.ToString() },
            Subnets = subnets,
            Groups = groups,
            Firewall = PlanFirewall(spec, target, etcdGroup),
            LoadBalancer = new LoadBalancerPlan
            {
                Name = Fit($"{c}-api", 32),
                BackendName = Fit($"{c}-api-cp", 32),
                Port = ApiPort,
                Targets = [.. vms.Where(v => v.LoadBalancerTarget).Select(v => v.Name)],
                HealthCheck = new HealthCheckPlan
                {
                    Protocol = "HTTPS",
                    Port = ApiPort,
                    Path = "/readyz",
                    IntervalSeconds = 10,
                    TimeoutSeconds = 5,
                    HealthyThreshold = 2,
                    UnhealthyThreshold = 3,
                },
                CrossZone = true,
                PreserveClientIp = target != Target.Aws,
            },
            Vms = vms,
            Tags = ClusterTags(c),
            Aws = target != Target.Aws ? null : new AwsPlan
            {
                MetadataHttpTokens = "required",
                MetadataHopLimit = 2,
                MetadataInstanceTags = "disabled",
                EncryptedVolumes = true,
                Identity = !csi ? null : new AwsIdentityPlan
                {
                    RoleName = Fit($"{c}-nodes", 64),
                    InstanceProfileName = Fit($"{c}-nodes", 64),
                    PolicyName = Fit($"{c}-ebs-csi", 64),
                    AssumeRolePolicy = CloudIdentities.AwsNodeTrustPolicy,
                    Policy = CloudIdentities.AwsEbsCsiPolicy,
                },
            },
            Gcp = target != Target.Gcp ? null : new GcpPlan
            {
                Project = cloud.Project ?? throw new InfrastructurePlanException("cloud.project", "a GCP cluster needs its project (gcp:project)"),
                Metadata = new SortedDictionary<string, string>(StringComparer.Ordinal)
                {
                    ["block-project-ssh-keys"] = "TRUE",
                    ["disable-legacy-endpoints"] = "TRUE",
                    ["enable-oslogin"] = "FALSE",
                    ["serial-port-enable"] = "FALSE",
                },
                ShieldedVm = true,
                HealthCheckRanges = GcpHealthCheckRanges,
                Identity = !csi ? null : new GcpIdentityPlan
                {
                    AccountId = GcpAccountId(c),
                    CustomRoleId = Fit(c.Replace('-', '_') + "_pd_csi", 64),
                    CustomRolePermissions = CloudIdentities.GcpPdCsiCustomPermissions,
                    ProjectRoles = CloudIdentities.GcpPdCsiProjectRoles,
                    ServiceAccountUserRole = CloudIdentities.GcpServiceAccountUserRole,
                    Scopes = ["https://www.googleapis.com/auth/cloud-platform"],
                },
            },
            Azure = target != Target.Azure ? null : new AzurePlan
            {
                ResourceGroup = cloud.Project ?? Fit($"{c}-rg"),
                SecurityGroupName = Fit($"{c}-nsg"),
                PublicIpName = Fit($"{c}-api"),
                DisablePasswordAuthentication = true,
                AdminUsername = spec.Ssh.AdminUser,
                AdminPublicKey = spec.Ssh.AdminPublicKey,
                Identity = !csi ? null : new AzureIdentityPlan
                {
                    IdentityName = Fit($"{c}-nodes"),
                    RoleName = Fit($"{c}-disk-csi"),
                    RoleActions = CloudIdentities.AzureDiskCsiActions,
                },
            },
        };
    }

    private static List<SubnetPlan> PlanSubnets(ClusterSpec spec, Target target, IReadOnlyList<string> zones)
    {
        var node = spec.Network.NodeCidr;
        if (node.Network.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
            throw new InfrastructurePlanException("network.nodeCidr", $"{node} is not IPv4: cloud networks are planned for IPv4 only");
        if (target == Target.Aws && node.Network.PrefixLength is < 16 or > 28)
            throw new InfrastructurePlanException("network.nodeCidr", $"{node}: an AWS VPC takes a /16 to /28 block");
        var bits = 0;
        while ((1 << bits) < zones.Count) bits++;
        var prefix = node.Network.PrefixLength + bits;
        if (prefix > 28)
            throw new InfrastructurePlanException("network.nodeCidr",
                $"{node} split over {zones.Count} zones gives /{prefix} subnets; the clouds need /28 or larger (use a larger node CIDR or fewer zones)");
        var cidrs = SubnetMath.Split(node, zones.Count);
        return [.. zones.Select((z, i) => new SubnetPlan { Name = Fit($"{spec.Name}-zone-{z}"), Zone = z, Cidr = cidrs[i].ToString() })];
    }

    private static List<VmPlan> PlanVms(ClusterSpec spec, Target target, CloudSpec cloud, IReadOnlyList<PlannedHost> hosts, List<SubnetPlan> subnets)
    {
        var vms = new List<VmPlan>(hosts.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < hosts.Count; i++)
        {
            var h = hosts[i];
            var zone = h.Zone ?? cloud.Zones[i % cloud.Zones.Count];
            var subnet = subnets.FirstOrDefault(s => s.Zone == zone)
                ?? throw new InfrastructurePlanException("cloud.zones", $"host {h.Name} is placed in zone '{zone}', which is not one of the cluster's zones");
            var isCp = h.Has(Roles.ControlPlane);
            var isWorker = h.Has(Roles.Worker);
            var isEtcd = h.Has(Roles.Etcd);
            var pool = isWorker ? spec.Workers.FirstOrDefault(p => p.Name == h.Pool) : null;
            if (isWorker && pool is null)
                throw new InfrastructurePlanException("workers", $"host {h.Name} belongs to pool '{h.Pool}', which the stack does not define");
            var size = (isCp ? spec.ControlPlane.Size : isWorker ? pool!.Size : spec.Etcd.Size ?? spec.ControlPlane.Size)
                ?? CloudSizes.Default(target);
            var (disk, diskKey) = isWorker && !isCp ? (pool!.DiskGb, $"workers[{pool.Name}].diskGb") : (spec.ControlPlane.DiskGb, "controlPlane.diskGb");
            var minDisk = MinimumDiskGb(target);
            if (disk < minDisk)
                throw new InfrastructurePlanException(diskKey, $"{disk} GB is below the {Lower(target)} image's {minDisk} GB (host {h.Name})");
            var name = Fit($"{spec.Name}-{h.Name}");
            if (!names.Add(name)) throw new InfrastructurePlanException("hosts", $"two VMs would be named '{name}'");

            var groups = new List<Peer> { Peer.AllVms };
            if (isCp || isWorker) groups.Add(Peer.Nodes);
            if (isCp) groups.Add(Peer.ControlPlanes);
            if (isEtcd) groups.Add(Peer.Etcd);

            var tags = new SortedDictionary<string, string>(ClusterTags(spec.Name), StringComparer.Ordinal)
            {
                ["infra-host"] = h.Name,
                ["infra-roles"] = string.Join('_', h.Roles.Order(StringComparer.Ordinal)),
            };
            if (h.Pool is not null && isWorker) tags["infra-pool"] = h.Pool;
            if (target == Target.Aws) tags["Name"] = name;

            vms.Add(new VmPlan
            {
                Name = name,
                Host = h.Name,
                Roles = h.Roles,
                Pool = isWorker ? h.Pool : null,
                Zone = zone,
                Subnet = subnet.Name,
                Size = size,
                DiskGb = disk,
                DiskType = DiskType(target, size),
                Image = cloud.Image is { } image ? CloudImages.Override(target, image) : CloudImages.Default(target, h.Os),
                Groups = groups,
                PublicIp = true,
                LoadBalancerTarget = isCp,
                CloudIdentity = spec.Workloads.Storage == StorageKind.Csi && (isCp || isWorker),
                Tags = tags,
            });
        }
        if (!vms.Any(v => v.LoadBalancerTarget))
            throw new InfrastructurePlanException("controlPlane.count", "the cluster has no control plane to put behind the API load balancer");
        return vms;
    }

    private static void CheckCapacity(Target target, List<SubnetPlan> subnets, List<VmPlan> vms)
    {
        // Addresses each cloud keeps in every subnet: AWS and Azure 5, GCP 4; the AWS load balancer takes one per subnet.
        var reserved = target == Target.Gcp ? 4 : 5;
        var lb = target == Target.Aws ? 1 : 0;
        foreach (var s in subnets)
        {
            var prefix = int.Parse(s.Cidr[(s.Cidr.IndexOf('/', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            var needed = vms.Count(v => v.Subnet == s.Name) + reserved + lb;
            if (needed > SubnetMath.Size(prefix))
                throw new InfrastructurePlanException("network.nodeCidr",
                    $"subnet {s.Cidr} of zone {s.Zone} holds {SubnetMath.Size(prefix)} addresses but needs {needed} ({vms.Count(v => v.Subnet == s.Name)} VMs and {reserved + lb} the cloud keeps)");
        }
    }

    private static List<FirewallRule> PlanFirewall(ClusterSpec spec, Target target, Peer etcd)
    {
        var rules = new List<FirewallRule>();
        var priority = 100;
        void Add(string name, string description, FirewallProtocol protocol, PortRange? ports, Peer to,
            IReadOnlyList<string>? ranges = null, Peer? from = null, bool fromPublic = false)
        {
            rules.Add(new FirewallRule
            {
                Name = Fit($"{spec.Name}-{name}"),
                Description = description,
                Priority = priority,
                Action = FirewallAction.Allow,
                Protocol = protocol,
                Ports = ports,
                SourceKind = ranges is not null ? SourceKind.Ranges : fromPublic ? SourceKind.GroupPublicAddresses : SourceKind.Group,
                SourceRanges = ranges ?? [],
                SourceGroup = ranges is null ? from : null,
                Target = to,
            });
            priority += 10;
        }
        static IReadOnlyList<string> Strings(IEnumerable<Cidr> cidrs) => [.. cidrs.Select(x => x.ToString()).Distinct(StringComparer.Ordinal)];
        var api = PortRange.Single(ApiPort);
        var tcp = FirewallProtocol.Tcp;
        var udp = FirewallProtocol.Udp;

        Add("ssh", "SSH from the admin CIDRs (network.adminCidrs)", tcp, PortRange.Single(SshPort), Peer.AllVms, ranges: Strings(spec.Network.AdminCidrs));
        if (target == Target.Aws)
        {
            Add("api-lb", "API through the load balancer from network.apiCidrs", tcp, api, Peer.LoadBalancer, ranges: Strings(spec.Network.ApiCidrs));
            Add("api-lb-nodes", "API through the load balancer from the nodes' public addresses (their route to its public address)",
                tcp, api, Peer.LoadBalancer, from: Peer.Nodes, fromPublic: true);
            Add("api", "API from inside the network: the load balancer (client addresses not preserved), its health checks, nodes",
                tcp, api, Peer.ControlPlanes, ranges: [spec.Network.NodeCidr.ToString()]);
        }
        else
        {
            Add("api", "API from network.apiCidrs (through the pass-through load balancer)", tcp, api, Peer.ControlPlanes, ranges: Strings(spec.Network.ApiCidrs));
            Add("api-health", "API health checks of the load balancer", tcp, api, Peer.ControlPlanes,
                ranges: target == Target.Gcp ? GcpHealthCheckRanges : [AzureLoadBalancerTag]);
            Add("api-nodes", "API from the nodes", tcp, api, Peer.ControlPlanes, from: Peer.Nodes);
            Add("api-nodes-public", "API through the load balancer's public address from the nodes' public addresses",
                tcp, api, Peer.ControlPlanes, from: Peer.Nodes, fromPublic: true);
        }
        if (spec.Network.IngressCidrs.Count > 0)
        {
            // kube-proxy serves the ingress controller's NodePorts on every node: point DNS or a load balancer at any of them.
            var from = Strings(spec.Network.IngressCidrs);
            Add("ingress-http", "HTTP to the ingress controller's NodePort from network.ingressCidrs", tcp, PortRange.Single(Workloads.Ingresses.HttpNodePort), Peer.Nodes, ranges: from);
            Add("ingress-https", "HTTPS to the ingress controller's NodePort from network.ingressCidrs", tcp, PortRange.Single(Workloads.Ingresses.HttpsNodePort), Peer.Nodes, ranges: from);
        }
        Add("kubelet", "kubelet API from the API servers and metrics-server", tcp, PortRange.Single(KubeletPort), Peer.Nodes, from: Peer.Nodes);
        if (etcd == Peer.ControlPlanes)
        {
            Add("etcd", "etcd client and peer traffic between control planes", tcp, new PortRange(2379, 2380), Peer.ControlPlanes, from: Peer.ControlPlanes);
        }
        else
        {
            Add("etcd-client", "etcd clients: the API servers", tcp, PortRange.Single(2379), Peer.Etcd, from: Peer.ControlPlanes);
            Add("etcd-members", "etcd peer and client traffic between members", tcp, new PortRange(2379, 2380), Peer.Etcd, from: Peer.Etcd);
        }
        Add("icmp", "ICMP between VMs: path MTU discovery on the overlay, health probes", FirewallProtocol.Icmp, null, Peer.AllVms, from: Peer.AllVms);
        switch (spec.Network.Cni)
        {
            case Cni.Calico:
                // On clouds Calico runs VXLAN with BGP off (Cnis.Calico): neither BGP nor IP-in-IP is opened.
                Add("calico-vxlan", "Calico VXLAN between nodes", udp, PortRange.Single(4789), Peer.Nodes, from: Peer.Nodes);
                Add("calico-typha", "Calico Typha (Felix to Typha)", tcp, PortRange.Single(5473), Peer.Nodes, from: Peer.Nodes);
                break;
            case Cni.Cilium:
                Add("cilium-vxlan", "Cilium VXLAN between nodes", udp, PortRange.Single(8472), Peer.Nodes, from: Peer.Nodes);
                Add("cilium-health", "Cilium health checks", tcp, PortRange.Single(4240), Peer.Nodes, from: Peer.Nodes);
                Add("cilium-hubble", "Hubble peer service (relay to nodes)", tcp, PortRange.Single(4244), Peer.Nodes, from: Peer.Nodes);
                break;
            case Cni.Flannel:
                Add("flannel-vxlan", "Flannel VXLAN between nodes", udp, PortRange.Single(8472), Peer.Nodes, from: Peer.Nodes);
                break;
            default:
                throw new InfrastructurePlanException("network.cni", $"no firewall rules are known for {spec.Network.Cni}");
        }
        // Metrics the cluster's Prometheus scrapes from pods on the nodes (ControlPlaneMetrics); from the nodes only.
        Add("metrics-controller-manager", "Controller manager metrics (HTTPS) from the nodes", tcp,
            PortRange.Single(Kubeadm.ControlPlaneMetrics.ControllerManagerPort), Peer.ControlPlanes, from: Peer.Nodes);
        Add("metrics-scheduler", "Scheduler metrics (HTTPS) from the nodes", tcp,
            PortRange.Single(Kubeadm.ControlPlaneMetrics.SchedulerPort), Peer.ControlPlanes, from: Peer.Nodes);
        Add("metrics-etcd", "etcd's metrics-only listener from the nodes", tcp, PortRange.Single(Kubeadm.ControlPlaneMetrics.EtcdMetricsPort), etcd, from: Peer.Nodes);
        Add("metrics-kube-proxy", "kube-proxy metrics from the nodes", tcp, PortRange.Single(Kubeadm.ControlPlaneMetrics.KubeProxyMetricsPort), Peer.Nodes, from: Peer.Nodes);
        Add("metrics-node-exporter", "node-exporter (host network) from the nodes", tcp, PortRange.Single(Kubeadm.ControlPlaneMetrics.NodeExporterPort), Peer.Nodes, from: Peer.Nodes);
        if (target == Target.Azure)
        {
            // Azure's default rules allow everything inside the virtual network; this deny sits above them.
            rules.Add(new FirewallRule
            {
                Name = Fit($"{spec.Name}-deny-inbound"),
                Description = "Deny every other inbound packet, including Azure's default allowance inside the virtual network",
                Priority = 4096,
                Action = FirewallAction.Deny,
                Protocol = FirewallProtocol.Any,
                Ports = null,
                SourceKind = SourceKind.Ranges,
                SourceRanges = ["*"],
                Target = Peer.AllVms,
            });
        }
        return rules;
    }

    private static SortedDictionary<string, string> ClusterTags(string cluster) =>
        new(StringComparer.Ordinal) { ["infra-cluster"] = cluster, ["managed-by"] = "infra" };

    private static int MinimumDiskGb(Target target) => target switch
    {
        Target.Azure => 30,
        Target.Gcp => 10,
        _ => 8,
    };

    private static string DiskType(Target target, string size) => target switch
    {
        Target.Aws => "gp3",
        Target.Gcp => "pd-balanced",
        _ => AzureSupportsPremium(size) ? "Premium_LRS" : "StandardSSD_LRS",
    };

    /// <summary>Azure sizes with an 's' among the letters after the vCPU count (D2s_v5, B2ms, D2as_v5) take premium disks.</summary>
    public static bool AzureSupportsPremium(string size)
    {
        var family = size.StartsWith("Standard_", StringComparison.OrdinalIgnoreCase) ? size[9..] : size;
        var end = family.IndexOf('_', StringComparison.Ordinal);
        if (end >= 0) family = family[..end];
        var i = 0;
        while (i < family.Length && char.IsAsciiLetter(family[i])) i++;
        while (i < family.Length && (char.IsAsciiDigit(family[i]) || family[i] == '-')) i++;
        return family[i..].Contains('s', StringComparison.OrdinalIgnoreCase);
    }

    // 6 to 30 characters; "-nodes" after a name of at least one letter always reaches 6.
    private static string GcpAccountId(string cluster) => Fit($"{cluster}-nodes", 30);

    private static string Lower(Target target) => target.Name();

    /// <summary>
    /// <paramref name="name"/> if it fits; otherwise a prefix and a hash of the whole name, so that long cluster
    /// names still give distinct, deterministic names within a cloud's limit.
    /// </summary>
    public static string Fit(string name, int max = 63)
    {
        if (name.Length <= max) return name;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..6];
        return name[..(max - 7)].TrimEnd('-', '_') + (name.Contains('_', StringComparison.Ordinal) ? "_" : "-") + hash;
    }
}
