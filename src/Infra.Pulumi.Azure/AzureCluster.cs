using System.Collections.Immutable;
using System.Text;
using Infra.Core.Infrastructure;
using Infra.Core.Workloads;
using Pulumi;
using Authorization = Pulumi.AzureNative.Authorization;
using Compute = Pulumi.AzureNative.Compute;
using ManagedIdentity = Pulumi.AzureNative.ManagedIdentity;
using Network = Pulumi.AzureNative.Network;
using Resources = Pulumi.AzureNative.Resources;

namespace Infra.Pulumi.Azure;

public sealed class AzureClusterArgs
{
    /// <summary>Core's plan for this cluster on Azure; every name, range, size and rule comes from it.</summary>
    public required InfrastructurePlan Plan { get; init; }
    /// <summary>cloud-init user data by VM name (<see cref="VmPlan.Name"/>); secret: it holds the VMs' host keys.</summary>
    public required IReadOnlyDictionary<string, Output<string>> UserData { get; init; }
    /// <summary>The admin's public key when the plan has none (the stack names no ssh.adminPublicKey): the kept admin key's.</summary>
    public Output<string>? AdminPublicKey { get; init; }
}

/// <summary><c>infra:azure:Cluster</c>: maps an <see cref="InfrastructurePlan"/> to Azure resources, nothing more.</summary>
public sealed class AzureCluster : ComponentResource
{
    private const string Frontend = "api";
    private const string Pool = "control-planes";
    private const string ProbeName = "readyz";

    [Output("apiEndpoint")]
    public Output<string> ApiEndpoint { get; private set; }

    /// <summary>Public and private address of every VM, in plan order (a plain property: Core records are not Pulumi outputs).</summary>
    public Output<ImmutableArray<VmAddress>> Addresses { get; }
    /// <summary>The Secret manifest the Azure Disk CSI driver reads its cloud configuration from (null without the CSI identity).</summary>
    public Output<string>? CloudConfigManifest { get; }

    public AzureCluster(string name, AzureClusterArgs args, ComponentResourceOptions? options = null)
        : base("infra:azure:Cluster", name, options)
    {
        var plan = args.Plan;
        var azure = plan.Azure ?? throw new ArgumentException($"the plan of {plan.Cluster} is for {plan.Target}, not Azure", nameof(args));
        var child = new CustomResourceOptions { Parent = this };
        var location = plan.Region;
        InputMap<string> Tags(IReadOnlyDictionary<string, string> tags)
        {
            var map = new InputMap<string>();
            foreach (var (k, v) in tags) map.Add(k, v);
            return map;
        }

        var group = new Resources.ResourceGroup(azure.ResourceGroup, new Resources.ResourceGroupArgs
        {
            ResourceGroupName = azure.ResourceGroup,
            Location = location,
            Tags = Tags(plan.Tags),
        }, child);
        var rg = group.Name;

        var asgs = plan.Groups.ToDictionary(g => g.Group, g => new Network.ApplicationSecurityGroup(g.Name, new Network.ApplicationSecurityGroupArgs
        {
            ApplicationSecurityGroupName = g.Name,
            ResourceGroupName = rg,
            Location = location,
            Tags = Tags(plan.Tags),
        }, child));

        // Static public addresses exist before the VMs, so rules can name them (a node reaching the API through
        // the load balancer's public address arrives with its own public address).
        var publicIps = plan.Vms.ToDictionary(v => v.Name, v => new Network.PublicIPAddress(v.Name, new Network.PublicIPAddressArgs
        {
            PublicIpAddressName = v.Name,
            ResourceGroupName = rg,
            Location = location,
            Sku = new Network.Inputs.PublicIPAddressSkuArgs { Name = "Standard" },
            PublicIPAllocationMethod = "Static",
            Zones = { v.Zone },
            Tags = Tags(v.Tags),
        }, child));

        var rules = new InputList<Network.Inputs.SecurityRuleArgs>();
        foreach (var rule in plan.Firewall)
        {
            var r = new Network.Inputs.SecurityRuleArgs
            {
                Name = rule.Name,
                Description = rule.Description,
                Priority = rule.Priority,
                Direction = "Inbound",
                Access = rule.Action == FirewallAction.Allow ? "Allow" : "Deny",
                Protocol = Protocol(rule.Protocol),
                SourcePortRange = "*",
                DestinationPortRange = rule.Ports?.ToString() ?? "*",
            };
            if (rule.Action == FirewallAction.Deny) r.DestinationAddressPrefix = "*";
            else r.DestinationApplicationSecurityGroups.Add(new Network.Inputs.ApplicationSecurityGroupArgs { Id = asgs[rule.Target].Id });
            switch (rule.SourceKind)
            {
                case SourceKind.Ranges when rule.SourceRanges.Count == 1:
                    r.SourceAddressPrefix = rule.SourceRanges[0];
                    break;
                case SourceKind.Ranges:
                    r.SourceAddressPrefixes = [.. rule.SourceRanges];
                    break;
                case SourceKind.Group:
                    r.SourceApplicationSecurityGroups.Add(new Network.Inputs.ApplicationSecurityGroupArgs { Id = asgs[rule.SourceGroup!.Value].Id });
                    break;
                case SourceKind.GroupPublicAddresses:
                    var ips = plan.Vms.Where(v => v.Groups.Contains(rule.SourceGroup!.Value))
                        .Select(v => publicIps[v.Name].IpAddress.Apply(ip => ip ?? "")).ToArray();
                    r.SourceAddressPrefixes = Output.All(ips).Apply(a => a.Where(ip => ip.Length > 0).ToImmutableArray());
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(args), $"rule {rule.Name}: unknown source kind {rule.SourceKind}");
            }
            rules.Add(r);
        }
        var nsg = new Network.NetworkSecurityGroup(azure.SecurityGroupName, new Network.NetworkSecurityGroupArgs
        {
            NetworkSecurityGroupName = azure.SecurityGroupName,
            ResourceGroupName = rg,
            Location = location,
            SecurityRules = rules,
            Tags = Tags(plan.Tags),
        }, child);

        var subnetArgs = new InputList<Network.Inputs.SubnetArgs>();
        foreach (var s in plan.Subnets)
        {
            subnetArgs.Add(new Network.Inputs.SubnetArgs
            {
                Name = s.Name,
                AddressPrefix = s.Cidr,
                NetworkSecurityGroup = new Network.Inputs.NetworkSecurityGroupArgs { Id = nsg.Id },
            });
        }
        var vnet = new Network.VirtualNetwork(plan.Network.Name, new Network.VirtualNetworkArgs
        {
            VirtualNetworkName = plan.Network.Name,
            ResourceGroupName = rg,
            Location = location,
            AddressSpace = new Network.Inputs.AddressSpaceArgs { AddressPrefixes = { plan.Network.Cidr } },
            Subnets = subnetArgs,
            Tags = Tags(plan.Tags),
        }, child);
        Output<string> SubnetId(string subnet) => vnet.Subnets.Apply(all => all.First(x => x.Name == subnet).Id ?? "");

        // Standard public load balancer; its rule, probe and pool refer to each other by resource id.
        var lb = plan.LoadBalancer;
        var hc = lb.HealthCheck;
        var apiIp = new Network.PublicIPAddress(azure.PublicIpName, new Network.PublicIPAddressArgs
        {
            PublicIpAddressName = azure.PublicIpName,
            ResourceGroupName = rg,
            Location = location,
            Sku = new Network.Inputs.PublicIPAddressSkuArgs { Name = "Standard" },
            PublicIPAllocationMethod = "Static",
            Zones = [.. plan.Subnets.Select(s => s.Zone)],
            Tags = Tags(plan.Tags),
        }, child);
        Output<string> LbPart(string kind, string part) =>
            Output.Format($"{group.Id}/providers/Microsoft.Network/loadBalancers/{lb.Name}/{kind}/{part}");
        var balancer = new Network.LoadBalancer(lb.Name, new Network.LoadBalancerArgs
        {
            LoadBalancerName = lb.Name,
            ResourceGroupName = rg,
            Location = location,
            Sku = new Network.Inputs.LoadBalancerSkuArgs { Name = "Standard" },
            FrontendIPConfigurations = { new Network.Inputs.FrontendIPConfigurationArgs { Name = Frontend, PublicIPAddress = new Network.Inputs.PublicIPAddressArgs { Id = apiIp.Id } } },
            BackendAddressPools = { new Network.Inputs.BackendAddressPoolArgs { Name = Pool } },
            Probes =
            {
                new Network.Inputs.ProbeArgs
                {
                    Name = ProbeName,
                    Protocol = "Https",
                    Port = hc.Port,
                    RequestPath = hc.Path,
                    IntervalInSeconds = hc.IntervalSeconds,
                    ProbeThreshold = hc.UnhealthyThreshold,
                },
            },
            LoadBalancingRules =
            {
                new Network.Inputs.LoadBalancingRuleArgs
                {
                    Name = Frontend,
                    Protocol = "Tcp",
                    FrontendPort = lb.Port,
                    BackendPort = lb.Port,
                    FrontendIPConfiguration = new Network.Inputs.SubResourceArgs { Id = LbPart("frontendIPConfigurations", Frontend) },
                    BackendAddressPool = new Network.Inputs.SubResourceArgs { Id = LbPart("backendAddressPools", Pool) },
                    Probe = new Network.Inputs.SubResourceArgs { Id = LbPart("probes", ProbeName) },
                    EnableFloatingIP = false,
                    IdleTimeoutInMinutes = 30,
                    // VMs have their own public addresses for outbound traffic.
                    DisableOutboundSnat = true,
                },
            },
            Tags = Tags(plan.Tags),
        }, child);

        ManagedIdentity.UserAssignedIdentity? identity = null;
        if (azure.Identity is { } id)
        {
            identity = new ManagedIdentity.UserAssignedIdentity(id.IdentityName, new ManagedIdentity.UserAssignedIdentityArgs
            {
                ResourceName = id.IdentityName,
                ResourceGroupName = rg,
                Location = location,
                Tags = Tags(plan.Tags),
            }, child);
            var role = new Authorization.RoleDefinition(id.RoleName, new Authorization.RoleDefinitionArgs
            {
                RoleName = id.RoleName,
                Description = $"{plan.Cluster}: Azure Disk CSI driver",
                RoleType = "CustomRole",
                Scope = group.Id,
                AssignableScopes = { group.Id },
                Permissions = { new Authorization.Inputs.PermissionArgs { Actions = [.. id.RoleActions] } },
            }, child);
            _ = new Authorization.RoleAssignment(id.RoleName, new Authorization.RoleAssignmentArgs
            {
                Scope = group.Id,
                PrincipalId = identity.PrincipalId,
                PrincipalType = "ServicePrincipal",
                // The assignment takes the subscription-level form, not the role's resource-group-scoped id.
                RoleDefinitionId = role.Id.Apply(CloudIdentities.AzureRoleAssignmentDefinitionId),
            }, child);
        }

        var vms = new List<(VmPlan Vm, Network.NetworkInterface Nic)>();
        foreach (var vm in plan.Vms)
        {
            var ipConfig = new Network.Inputs.NetworkInterfaceIPConfigurationArgs
            {
                Name = "primary",
                Primary = true,
                PrivateIPAllocationMethod = "Dynamic",
                Subnet = new Network.Inputs.SubnetArgs { Id = SubnetId(vm.Subnet) },
                PublicIPAddress = new Network.Inputs.PublicIPAddressArgs { Id = publicIps[vm.Name].Id },
            };
            foreach (var g in vm.Groups) ipConfig.ApplicationSecurityGroups.Add(new Network.Inputs.ApplicationSecurityGroupArgs { Id = asgs[g].Id });
            if (vm.LoadBalancerTarget)
            {
                ipConfig.LoadBalancerBackendAddressPools.Add(new Network.Inputs.BackendAddressPoolArgs { Id = LbPart("backendAddressPools", Pool) });
            }
            var nic = new Network.NetworkInterface(vm.Name, new Network.NetworkInterfaceArgs
            {
                NetworkInterfaceName = vm.Name,
                ResourceGroupName = rg,
                Location = location,
                IpConfigurations = { ipConfig },
                Tags = Tags(vm.Tags),
            }, new CustomResourceOptions { Parent = this, DependsOn = { balancer } });

            var urn = vm.Image.Reference.Split(':');
            var ignore = new List<string> { "osProfile" };
            if (vm.Image.Floating) ignore.Add("storageProfile.imageReference");
            _ = new Compute.VirtualMachine(vm.Name, new Compute.VirtualMachineArgs
            {
                VmName = vm.Name,
                ResourceGroupName = rg,
                Location = location,
                Zones = { vm.Zone },
                HardwareProfile = new Compute.Inputs.HardwareProfileArgs { VmSize = vm.Size },
                NetworkProfile = new Compute.Inputs.NetworkProfileArgs
                {
                    NetworkInterfaces = { new Compute.Inputs.NetworkInterfaceReferenceArgs { Id = nic.Id, Primary = true } },
                },
                OsProfile = new Compute.Inputs.OSProfileArgs
                {
                    ComputerName = vm.Name,
                    AdminUsername = azure.AdminUsername,
                    CustomData = args.UserData[vm.Name].Apply(u => Convert.ToBase64String(Encoding.UTF8.GetBytes(u))),
                    LinuxConfiguration = new Compute.Inputs.LinuxConfigurationArgs
                    {
                        DisablePasswordAuthentication = azure.DisablePasswordAuthentication,
                        Ssh = new Compute.Inputs.SshConfigurationArgs
                        {
                            PublicKeys =
                            {
                                new Compute.Inputs.SshPublicKeyArgs
                                {
                                    Path = $"/home/{azure.AdminUsername}/.ssh/authorized_keys",
                                    KeyData = azure.AdminPublicKey is { } given
                                        ? (Input<string>)given
                                        : args.AdminPublicKey ?? throw new ArgumentException("the plan has no admin key and none was given", nameof(args)),
                                },
                            },
                        },
                    },
                },
                StorageProfile = new Compute.Inputs.StorageProfileArgs
                {
                    ImageReference = new Compute.Inputs.ImageReferenceArgs { Publisher = urn[0], Offer = urn[1], Sku = urn[2], Version = urn[3] },
                    OsDisk = new Compute.Inputs.OSDiskArgs
                    {
                        CreateOption = "FromImage",
                        DiskSizeGB = vm.DiskGb,
                        DeleteOption = "Delete",
                        ManagedDisk = new Compute.Inputs.ManagedDiskParametersArgs { StorageAccountType = vm.DiskType },
                    },
                },
                Identity = vm.CloudIdentity && identity is not null
                    ? (Input<Compute.Inputs.VirtualMachineIdentityArgs>)new Compute.Inputs.VirtualMachineIdentityArgs
                    {
                        Type = Compute.ResourceIdentityType.UserAssigned,
                        UserAssignedIdentities = { identity.Id },
                    }
                    : null,
                Tags = Tags(vm.Tags),
            }, new CustomResourceOptions
            {
                Parent = this,
                // Custom data is read at first boot only (and Azure cannot change it in place).
                IgnoreChanges = ignore,
            });
            vms.Add((vm, nic));
        }

        ApiEndpoint = apiIp.IpAddress.Apply(ip => $"{ip}:{lb.Port}");
        if (identity is not null)
        {
            CloudConfigManifest = Output.CreateSecret(Output.Tuple(identity.TenantId, identity.ClientId, identity.Id, rg).Apply(t =>
                AzureCloudConfig.Manifest(new AzureCloudFacts
                {
                    TenantId = t.Item1,
                    SubscriptionId = AzureCloudConfig.SubscriptionOf(t.Item3),
                    ResourceGroup = t.Item4,
                    Location = location,
                    IdentityClientId = t.Item2,
                    VnetName = plan.Network.Name,
                    SecurityGroupName = azure.SecurityGroupName,
                })));
        }
        Addresses = Output.All(vms.Select(x => Output.Tuple(
                    publicIps[x.Vm.Name].IpAddress.Apply(ip => ip ?? ""),
                    x.Nic.IpConfigurations.Apply(c => c.IsDefaultOrEmpty ? "" : c[0].PrivateIPAddress ?? ""))
                .Apply(t => new VmAddress(x.Vm.Name, t.Item1, t.Item2))).ToArray());
        RegisterOutputs(new Dictionary<string, object?> { ["apiEndpoint"] = ApiEndpoint });
    }

    private static string Protocol(FirewallProtocol p) => p switch
    {
        FirewallProtocol.Tcp => "Tcp",
        FirewallProtocol.Udp => "Udp",
        FirewallProtocol.Icmp => "Icmp",
        FirewallProtocol.Any => "*",
        _ => throw new ArgumentOutOfRangeException(nameof(p), $"Azure network security groups take no {p} rule"),
    };
}
