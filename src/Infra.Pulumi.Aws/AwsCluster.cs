using System.Collections.Immutable;
using Infra.Core.Infrastructure;
using Pulumi;
using Pulumi.Aws.Ec2;
using Pulumi.Aws.Iam;
using Pulumi.Aws.LB;
using Ec2Inputs = Pulumi.Aws.Ec2.Inputs;
using LbInputs = Pulumi.Aws.LB.Inputs;
using VpcRules = Pulumi.Aws.Vpc;

namespace Infra.Pulumi.Aws;

public sealed class AwsClusterArgs
{
    /// <summary>Core's plan for this cluster on AWS; every name, range, size and rule comes from it.</summary>
    public required InfrastructurePlan Plan { get; init; }
    /// <summary>cloud-init user data by VM name (<see cref="VmPlan.Name"/>); secret: it holds the VMs' host keys.</summary>
    public required IReadOnlyDictionary<string, Output<string>> UserData { get; init; }
}

/// <summary><c>infra:aws:Cluster</c>: maps an <see cref="InfrastructurePlan"/> to AWS resources, nothing more.</summary>
public sealed class AwsCluster : ComponentResource
{
    [Output("apiEndpoint")]
    public Output<string> ApiEndpoint { get; private set; }

    /// <summary>Public and private address of every VM, in plan order (a plain property: Core records are not Pulumi outputs).</summary>
    public Output<ImmutableArray<VmAddress>> Addresses { get; }

    public AwsCluster(string name, AwsClusterArgs args, ComponentResourceOptions? options = null)
        : base("infra:aws:Cluster", name, options)
    {
        var plan = args.Plan;
        var aws = plan.Aws ?? throw new ArgumentException($"the plan of {plan.Cluster} is for {plan.Target}, not AWS", nameof(args));
        var child = new CustomResourceOptions { Parent = this };
        InputMap<string> Tags(IReadOnlyDictionary<string, string> tags, string? resourceName = null)
        {
            var map = new InputMap<string>();
            foreach (var (k, v) in tags) map.Add(k, v);
            if (resourceName is not null && !tags.ContainsKey("Name")) map.Add("Name", resourceName);
            return map;
        }

        var vpc = new Vpc(plan.Network.Name, new VpcArgs
        {
            CidrBlock = plan.Network.Cidr,
            EnableDnsHostnames = true,
            EnableDnsSupport = true,
            Tags = Tags(plan.Tags, plan.Network.Name),
        }, child);
        var gateway = new InternetGateway(plan.Network.Name, new InternetGatewayArgs { VpcId = vpc.Id, Tags = Tags(plan.Tags, plan.Network.Name) }, child);
        var routes = new RouteTable(plan.Network.Name, new RouteTableArgs
        {
            VpcId = vpc.Id,
            Routes = { new Ec2Inputs.RouteTableRouteArgs { CidrBlock = "0.0.0.0/0", GatewayId = gateway.Id } },
            Tags = Tags(plan.Tags, plan.Network.Name),
        }, child);
        var subnets = new Dictionary<string, Subnet>(StringComparer.Ordinal);
        // What a VM needs to reach the internet at first boot (cloud-init, package repositories).
        var internetRoute = new InputList<Resource> { gateway };
        foreach (var s in plan.Subnets)
        {
            var subnet = new Subnet(s.Name, new SubnetArgs
            {
                VpcId = vpc.Id,
                CidrBlock = s.Cidr,
                AvailabilityZone = s.Zone,
                // Public addresses are asked per instance, never given by default.
                MapPublicIpOnLaunch = false,
                Tags = Tags(plan.Tags, s.Name),
            }, child);
            internetRoute.Add(new RouteTableAssociation(s.Name, new RouteTableAssociationArgs { SubnetId = subnet.Id, RouteTableId = routes.Id }, child));
            subnets[s.Name] = subnet;
        }

        var groups = plan.Groups.ToDictionary(g => g.Group, g => new SecurityGroup(g.Name, new SecurityGroupArgs
        {
            Name = g.Name,
            VpcId = vpc.Id,
            Description = $"{plan.Cluster}: {g.Group}",
            Tags = Tags(plan.Tags, g.Name),
        }, child));
        // Outbound: VMs fetch packages and images; the load balancer forwards to the API servers only.
        _ = new VpcRules.SecurityGroupEgressRule($"{plan.Groups.Single(g => g.Group == Peer.AllVms).Name}-egress", new VpcRules.SecurityGroupEgressRuleArgs
        {
            SecurityGroupId = groups[Peer.AllVms].Id,
            IpProtocol = "-1",
            CidrIpv4 = "0.0.0.0/0",
            Description = "outbound",
        }, child);
        if (groups.TryGetValue(Peer.LoadBalancer, out var lbGroup))
        {
            _ = new VpcRules.SecurityGroupEgressRule($"{plan.LoadBalancer.Name}-to-api", new VpcRules.SecurityGroupEgressRuleArgs
            {
                SecurityGroupId = lbGroup.Id,
                IpProtocol = "tcp",
                FromPort = plan.LoadBalancer.Port,
                ToPort = plan.LoadBalancer.Port,
                ReferencedSecurityGroupId = groups[Peer.ControlPlanes].Id,
                Description = "API and health checks to the control planes",
            }, child);
        }

        InstanceProfile? instanceProfile = null;
        if (aws.Identity is { } id)
        {
            var role = new Role(id.RoleName, new RoleArgs
            {
                Name = id.RoleName,
                AssumeRolePolicy = InfrastructurePlanJson.Render(id.AssumeRolePolicy),
                Tags = Tags(plan.Tags),
            }, child);
            _ = new RolePolicy(id.PolicyName, new RolePolicyArgs { Name = id.PolicyName, Role = role.Name, Policy = InfrastructurePlanJson.Render(id.Policy) }, child);
            instanceProfile = new InstanceProfile(id.InstanceProfileName, new InstanceProfileArgs { Name = id.InstanceProfileName, Role = role.Name }, child);
        }

        var images = new Dictionary<string, Output<string>>(StringComparer.Ordinal);
        Output<string> Image(ImagePlan image)
        {
            var key = $"{image.Owner}/{image.Reference}";
            if (images.TryGetValue(key, out var ami)) return ami;
            ami = image.Kind switch
            {
                ImageKind.AwsAmi => Output.Create(image.Reference),
                ImageKind.AwsAmiLookup => GetAmi.Invoke(new GetAmiInvokeArgs
                {
                    MostRecent = true,
                    Owners = { image.Owner! },
                    Filters =
                    {
                        new Ec2Inputs.GetAmiFilterInputArgs { Name = "name", Values = { image.Reference } },
                        new Ec2Inputs.GetAmiFilterInputArgs { Name = "architecture", Values = { "x86_64" } },
                        new Ec2Inputs.GetAmiFilterInputArgs { Name = "virtualization-type", Values = { "hvm" } },
                        new Ec2Inputs.GetAmiFilterInputArgs { Name = "root-device-type", Values = { "ebs" } },
                    },
                }, new InvokeOptions { Parent = this }).Apply(r => r.Id),
                _ => throw new ArgumentOutOfRangeException(nameof(image), $"{image.Kind} is not an AWS image"),
            };
            images[key] = ami;
            return ami;
        }

        var instances = new List<(VmPlan Vm, Instance Instance)>();
        foreach (var vm in plan.Vms)
        {
            var securityGroups = new InputList<string>();
            foreach (var g in vm.Groups) securityGroups.Add(groups[g].Id);
            var ignore = new List<string> { "userData" };
            if (vm.Image.Floating) ignore.Add("ami");
            var instance = new Instance(vm.Name, new InstanceArgs
            {
                Ami = Image(vm.Image),
                InstanceType = vm.Size,
                SubnetId = subnets[vm.Subnet].Id,
                VpcSecurityGroupIds = securityGroups,
                AssociatePublicIpAddress = vm.PublicIp,
                IamInstanceProfile = vm.CloudIdentity && instanceProfile is not null ? (Input<string>)instanceProfile.Name : null,
                UserData = args.UserData[vm.Name],
                MetadataOptions = new Ec2Inputs.InstanceMetadataOptionsArgs
                {
                    HttpEndpoint = "enabled",
                    HttpTokens = aws.MetadataHttpTokens,
                    HttpPutResponseHopLimit = aws.MetadataHopLimit,
                    InstanceMetadataTags = aws.MetadataInstanceTags,
                },
                RootBlockDevice = new Ec2Inputs.InstanceRootBlockDeviceArgs
                {
                    VolumeSize = vm.DiskGb,
                    VolumeType = vm.DiskType,
                    Encrypted = aws.EncryptedVolumes,
                    DeleteOnTermination = true,
                },
                Tags = Tags(vm.Tags, vm.Name),
            }, new CustomResourceOptions
            {
                Parent = this,
                // cloud-init reads user data at first boot only; a newer AMI must not replace running nodes.
                IgnoreChanges = ignore,
                // The user data holds the VM's private host key: AWS returns it, and the state must keep it encrypted.
                AdditionalSecretOutputs = { "userData" },
                DependsOn = internetRoute,
            });
            instances.Add((vm, instance));
        }

        foreach (var rule in plan.Firewall)
        {
            if (rule.Action != FirewallAction.Allow) continue;
            var target = groups[rule.Target].Id;
            VpcRules.SecurityGroupIngressRuleArgs Rule()
            {
                var r = new VpcRules.SecurityGroupIngressRuleArgs { SecurityGroupId = target, IpProtocol = Protocol(rule.Protocol), Description = rule.Description };
                if (rule.Ports is { } p)
                {
                    r.FromPort = p.From;
                    r.ToPort = p.To;
                }
                else if (rule.Protocol == FirewallProtocol.Icmp)
                {
                    r.FromPort = -1;
                    r.ToPort = -1;
                }
                return r;
            }
            switch (rule.SourceKind)
            {
                case SourceKind.Ranges:
                    for (var i = 0; i < rule.SourceRanges.Count; i++)
                    {
                        var r = Rule();
                        r.CidrIpv4 = rule.SourceRanges[i];
                        _ = new VpcRules.SecurityGroupIngressRule($"{rule.Name}-{i + 1}", r, child);
                    }
                    break;
                case SourceKind.Group:
                    {
                        var r = Rule();
                        r.ReferencedSecurityGroupId = groups[rule.SourceGroup!.Value].Id;
                        _ = new VpcRules.SecurityGroupIngressRule(rule.Name, r, child);
                        break;
                    }
                case SourceKind.GroupPublicAddresses:
                    foreach (var (vm, instance) in instances.Where(x => x.Vm.Groups.Contains(rule.SourceGroup!.Value)))
                    {
                        var r = Rule();
                        r.CidrIpv4 = instance.PublicIp.Apply(ip => $"{ip}/32");
                        _ = new VpcRules.SecurityGroupIngressRule($"{rule.Name}-{vm.Host}", r, child);
                    }
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(args), $"rule {rule.Name}: unknown source kind {rule.SourceKind}");
            }
        }

        var lb = plan.LoadBalancer;
        var hc = lb.HealthCheck;
        var subnetIds = new InputList<string>();
        foreach (var s in subnets.Values) subnetIds.Add(s.Id);
        var balancer = new LoadBalancer(lb.Name, new LoadBalancerArgs
        {
            Name = lb.Name,
            LoadBalancerType = "network",
            Internal = false,
            Subnets = subnetIds,
            SecurityGroups = lbGroup is null ? [] : [lbGroup.Id],
            EnableCrossZoneLoadBalancing = lb.CrossZone,
            Tags = Tags(plan.Tags, lb.Name),
        }, child);
        var targets = new TargetGroup(lb.BackendName, new TargetGroupArgs
        {
            Name = lb.BackendName,
            Port = lb.Port,
            Protocol = "TCP",
            TargetType = "instance",
            VpcId = vpc.Id,
            PreserveClientIp = lb.PreserveClientIp ? "true" : "false",
            HealthCheck = new LbInputs.TargetGroupHealthCheckArgs
            {
                Protocol = hc.Protocol,
                Port = hc.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Path = hc.Path,
                Interval = hc.IntervalSeconds,
                Timeout = hc.TimeoutSeconds,
                HealthyThreshold = hc.HealthyThreshold,
                UnhealthyThreshold = hc.UnhealthyThreshold,
                Matcher = "200",
            },
            Tags = Tags(plan.Tags, lb.BackendName),
        }, child);
        _ = new Listener(lb.Name, new ListenerArgs
        {
            LoadBalancerArn = balancer.Arn,
            Port = lb.Port,
            Protocol = "TCP",
            DefaultActions = { new LbInputs.ListenerDefaultActionArgs { Type = "forward", TargetGroupArn = targets.Arn } },
        }, child);
        foreach (var (vm, instance) in instances.Where(x => x.Vm.LoadBalancerTarget))
        {
            _ = new TargetGroupAttachment($"{vm.Name}-api", new TargetGroupAttachmentArgs { TargetGroupArn = targets.Arn, TargetId = instance.Id, Port = lb.Port }, child);
        }

        ApiEndpoint = balancer.DnsName.Apply(d => $"{d}:{lb.Port}");
        Addresses = Output.All(instances.Select(x => Output.Tuple(x.Instance.PublicIp, x.Instance.PrivateIp)
                .Apply(t => new VmAddress(x.Vm.Name, t.Item1, t.Item2))).ToArray());
        RegisterOutputs(new Dictionary<string, object?> { ["apiEndpoint"] = ApiEndpoint });
    }

    private static string Protocol(FirewallProtocol p) => p switch
    {
        FirewallProtocol.Tcp => "tcp",
        FirewallProtocol.Udp => "udp",
        FirewallProtocol.Icmp => "icmp",
        _ => throw new ArgumentOutOfRangeException(nameof(p), $"AWS security groups take no {p} rule"),
    };
}
