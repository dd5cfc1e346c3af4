using System.Collections.Immutable;
using System.Globalization;
using Infra.Core.Infrastructure;
using Pulumi;
using Pulumi.Gcp.Compute;
using Pulumi.Gcp.Compute.Inputs;
using Projects = Pulumi.Gcp.Projects;
using ServiceAccounts = Pulumi.Gcp.ServiceAccount;

namespace Infra.Pulumi.Gcp;

public sealed class GcpClusterArgs
{
    /// <summary>Core's plan for this cluster on GCP; every name, range, size and rule comes from it.</summary>
    public required InfrastructurePlan Plan { get; init; }
    /// <summary>cloud-init user data by VM name (<see cref="VmPlan.Name"/>); secret: it holds the VMs' host keys.</summary>
    public required IReadOnlyDictionary<string, Output<string>> UserData { get; init; }
}

/// <summary><c>infra:gcp:Cluster</c>: maps an <see cref="InfrastructurePlan"/> to GCP resources, nothing more.</summary>
public sealed class GcpCluster : ComponentResource
{
    /// <summary>Public and private address of every VM, in plan order (a plain property: Core records are not Pulumi outputs).</summary>
    public Output<ImmutableArray<VmAddress>> Addresses { get; }

    [Output("apiEndpoint")]
    public Output<string> ApiEndpoint { get; private set; }

    public GcpCluster(string name, GcpClusterArgs args, ComponentResourceOptions? options = null)
        : base("infra:gcp:Cluster", name, options)
    {
        var plan = args.Plan;
        var gcp = plan.Gcp ?? throw new ArgumentException($"the plan of {plan.Cluster} is for {plan.Target}, not GCP", nameof(args));
        var child = new CustomResourceOptions { Parent = this };
        var project = gcp.Project;
        var tag = plan.Groups.ToDictionary(g => g.Group, g => g.Name);

        var network = new Network(plan.Network.Name, new NetworkArgs
        {
            Name = plan.Network.Name,
            Project = project,
            AutoCreateSubnetworks = false,
        }, child);
        var subnets = plan.Subnets.ToDictionary(s => s.Name, s => new Subnetwork(s.Name, new SubnetworkArgs
        {
            Name = s.Name,
            Project = project,
            Region = plan.Region,
            Network = network.Id,
            IpCidrRange = s.Cidr,
        }, child));

        ServiceAccounts.Account? account = null;
        if (gcp.Identity is { } id)
        {
            account = new ServiceAccounts.Account(id.AccountId, new ServiceAccounts.AccountArgs
            {
                AccountId = id.AccountId,
                DisplayName = $"{plan.Cluster} nodes (PD CSI driver)",
                Project = project,
            }, child);
            var member = account.Email.Apply(e => $"serviceAccount:{e}");
            var role = new Projects.IAMCustomRole(id.CustomRoleId, new Projects.IAMCustomRoleArgs
            {
                RoleId = id.CustomRoleId,
                Title = $"{plan.Cluster} PD CSI driver",
                Permissions = [.. id.CustomRolePermissions],
                Project = project,
            }, child);
            _ = new Projects.IAMMember($"{id.AccountId}-custom", new Projects.IAMMemberArgs { Project = project, Role = role.Name, Member = member }, child);
            foreach (var r in id.ProjectRoles)
            {
                _ = new Projects.IAMMember($"{id.AccountId}-{r[(r.LastIndexOf('/') + 1)..]}", new Projects.IAMMemberArgs { Project = project, Role = r, Member = member }, child);
            }
            // The driver acts as the nodes' own account only, not as any account of the project.
            _ = new ServiceAccounts.IAMMember($"{id.AccountId}-act-as-self", new ServiceAccounts.IAMMemberArgs
            {
                ServiceAccountId = account.Name,
                Role = id.ServiceAccountUserRole,
                Member = member,
            }, child);
        }

        var instances = new List<(VmPlan Vm, Instance Instance)>();
        foreach (var vm in plan.Vms)
        {
            var metadata = new InputMap<string>();
            foreach (var (k, v) in gcp.Metadata) metadata.Add(k, v);
            metadata.Add("user-data", args.UserData[vm.Name]);
            var labels = new InputMap<string>();
            foreach (var (k, v) in vm.Tags) labels.Add(k, v);
            var ignore = new List<string> { "metadata[\"user-data\"]" };
            if (vm.Image.Floating) ignore.Add("bootDisk.initializeParams.image");
            var instance = new Instance(vm.Name, new InstanceArgs
            {
                Name = vm.Name,
                Project = project,
                Zone = vm.Zone,
                MachineType = vm.Size,
                Tags = [.. vm.Groups.Select(g => tag[g])],
                Labels = labels,
                Metadata = metadata,
                BootDisk = new InstanceBootDiskArgs
                {
                    AutoDelete = true,
                    InitializeParams = new InstanceBootDiskInitializeParamsArgs { Image = vm.Image.Reference, Size = vm.DiskGb, Type = vm.DiskType },
                },
                NetworkInterfaces =
                {
                    new InstanceNetworkInterfaceArgs
                    {
                        Subnetwork = subnets[vm.Subnet].Id,
                        AccessConfigs = vm.PublicIp ? [new InstanceNetworkInterfaceAccessConfigArgs()] : [],
                    },
                },
                ServiceAccount = vm.CloudIdentity && account is not null && gcp.Identity is { } sa
                    ? (Input<InstanceServiceAccountArgs>)new InstanceServiceAccountArgs { Email = account.Email, Scopes = [.. sa.Scopes] }
                    : null,
                ShieldedInstanceConfig = gcp.ShieldedVm
                    ? (Input<InstanceShieldedInstanceConfigArgs>)new InstanceShieldedInstanceConfigArgs { EnableSecureBoot = true, EnableVtpm = true, EnableIntegrityMonitoring = true }
                    : null,
                AllowStoppingForUpdate = true,
            }, new CustomResourceOptions
            {
                Parent = this,
                // cloud-init reads user data at first boot only; a newer image in the family must not replace nodes.
                IgnoreChanges = ignore,
            });
            instances.Add((vm, instance));
        }

        Output<string> NatIp(Instance i) => i.NetworkInterfaces.Apply(n => n[0].AccessConfigs.IsDefaultOrEmpty ? "" : n[0].AccessConfigs[0].NatIp ?? "");
        Output<string> PrivateIp(Instance i) => i.NetworkInterfaces.Apply(n => n[0].NetworkIp ?? "");

        foreach (var rule in plan.Firewall.Where(r => r.Action == FirewallAction.Allow))
        {
            var allow = new FirewallAllowArgs { Protocol = Protocol(rule.Protocol) };
            if (rule.Ports is { } p) allow.Ports = [p.ToString()];
            var firewall = new FirewallArgs
            {
                Name = rule.Name,
                Project = project,
                Network = network.Id,
                Description = rule.Description,
                Direction = "INGRESS",
                Priority = 1000,
                Allows = { allow },
                TargetTags = [tag[rule.Target]],
            };
            switch (rule.SourceKind)
            {
                case SourceKind.Ranges:
                    firewall.SourceRanges = [.. rule.SourceRanges];
                    break;
                case SourceKind.Group:
                    firewall.SourceTags = [tag[rule.SourceGroup!.Value]];
                    break;
                case SourceKind.GroupPublicAddresses:
                    var members = instances.Where(x => x.Vm.Groups.Contains(rule.SourceGroup!.Value)).Select(x => NatIp(x.Instance)).ToArray();
                    firewall.SourceRanges = Output.All(members).Apply(ips => ips.Where(ip => ip.Length > 0).Select(ip => ip + "/32").ToImmutableArray());
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(args), $"rule {rule.Name}: unknown source kind {rule.SourceKind}");
            }
            _ = new Firewall(rule.Name, firewall, child);
        }

        // External passthrough network load balancer: zonal instance groups behind a regional backend service.
        var lb = plan.LoadBalancer;
        var hc = lb.HealthCheck;
        var health = new RegionHealthCheck(lb.Name, new RegionHealthCheckArgs
        {
            Name = lb.Name,
            Project = project,
            Region = plan.Region,
            CheckIntervalSec = hc.IntervalSeconds,
            TimeoutSec = hc.TimeoutSeconds,
            HealthyThreshold = hc.HealthyThreshold,
            UnhealthyThreshold = hc.UnhealthyThreshold,
            HttpsHealthCheck = new RegionHealthCheckHttpsHealthCheckArgs { Port = hc.Port, RequestPath = hc.Path },
        }, child);
        var backends = new InputList<RegionBackendServiceBackendArgs>();
        foreach (var zone in instances.Where(x => x.Vm.LoadBalancerTarget).GroupBy(x => x.Vm.Zone))
        {
            var groupName = CloudPlanner.Fit($"{lb.BackendName}-{zone.Key}");
            var group = new InstanceGroup(groupName, new InstanceGroupArgs
            {
                Name = groupName,
                Project = project,
                Zone = zone.Key,
                Network = network.Id,
                Instances = [.. zone.Select(x => x.Instance.SelfLink)],
            }, child);
            backends.Add(new RegionBackendServiceBackendArgs { Group = group.SelfLink, BalancingMode = "CONNECTION" });
        }
        var backend = new RegionBackendService(lb.BackendName, new RegionBackendServiceArgs
        {
            Name = lb.BackendName,
            Project = project,
            Region = plan.Region,
            Protocol = "TCP",
            LoadBalancingScheme = "EXTERNAL",
            HealthChecks = health.SelfLink,
            Backends = backends,
        }, child);
        var address = new Address(lb.Name, new AddressArgs { Name = lb.Name, Project = project, Region = plan.Region, AddressType = "EXTERNAL" }, child);
        _ = new ForwardingRule(lb.Name, new ForwardingRuleArgs
        {
            Name = lb.Name,
            Project = project,
            Region = plan.Region,
            IpAddress = address.IPAddress,
            IpProtocol = "TCP",
            PortRange = lb.Port.ToString(CultureInfo.InvariantCulture),
            LoadBalancingScheme = "EXTERNAL",
            BackendService = backend.SelfLink,
        }, child);

        ApiEndpoint = address.IPAddress.Apply(ip => $"{ip}:{lb.Port}");
        Addresses = Output.All(instances.Select(x => Output.Tuple(NatIp(x.Instance), PrivateIp(x.Instance))
                .Apply(t => new VmAddress(x.Vm.Name, t.Item1, t.Item2))).ToArray());
        RegisterOutputs(new Dictionary<string, object?> { ["apiEndpoint"] = ApiEndpoint });
    }

    private static string Protocol(FirewallProtocol p) => p switch
    {
        FirewallProtocol.Tcp => "tcp",
        FirewallProtocol.Udp => "udp",
        FirewallProtocol.Icmp => "icmp",
        _ => throw new ArgumentOutOfRangeException(nameof(p), $"GCP rules take no {p}"),
    };
}
