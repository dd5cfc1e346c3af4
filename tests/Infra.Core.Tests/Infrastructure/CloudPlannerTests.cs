using Infra.Core.Infrastructure;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Infrastructure;

public class CloudPlannerTests
{
    public static TheoryData<Target> Clouds => [Target.Aws, Target.Azure, Target.Gcp];

    private static Cidr C(string s) => Cidr.TryParse(s, out var c) ? c! : throw new ArgumentException(s);

    private static InfrastructurePlan PlanOf(ClusterSpec spec) => CloudPlanner.Plan(spec, HostInventory.Plan(spec));

    private static (int From, int To)? Ports(FirewallRule r) => r.Ports is null ? null : (r.Ports.From, r.Ports.To);

    private static IEnumerable<FirewallRule> Allowing(InfrastructurePlan plan, int port) =>
        plan.Firewall.Where(r => r.Action == FirewallAction.Allow && r.Ports is { } p && p.From <= port && port <= p.To);

    [Theory]
    [MemberData(nameof(Clouds))]
    public void Plan_SshRule_OnlyFromAdminCidrs(Target target)
    {
        var plan = PlanOf(SampleSpecs.Cloud(target));

        var ssh = Assert.Single(Allowing(plan, 22));
        Assert.Equal(SourceKind.Ranges, ssh.SourceKind);
        Assert.Equal(["203.0.113.0/24"], ssh.SourceRanges);
        Assert.Equal(Peer.AllVms, ssh.Target);
        Assert.Equal(FirewallProtocol.Tcp, ssh.Protocol);
    }

    [Theory]
    [MemberData(nameof(Clouds))]
    public void Plan_AdminCidrsWorld_SshOpenToWorldOnlyBecauseAsked(Target target)
    {
        var spec = SampleSpecs.Cloud(target);
        spec = spec with { Network = spec.Network with { AdminCidrs = [C("0.0.0.0/0")] } };

        var ssh = Assert.Single(Allowing(PlanOf(spec), 22));

        Assert.Equal(["0.0.0.0/0"], ssh.SourceRanges);
    }

    [Theory]
    [MemberData(nameof(Clouds))]
    public void Plan_WorldSources_OnlyOnTheApiAsAsked(Target target)
    {
        var spec = SampleSpecs.Cloud(target);
        spec = spec with { Network = spec.Network with { ApiCidrs = [C("198.51.100.0/24")] } };
        var plan = PlanOf(spec);

        Assert.DoesNotContain(plan.Firewall, r => r.Action == FirewallAction.Allow && r.SourceRanges.Contains("0.0.0.0/0"));
        // The sample's apiCidrs are 0.0.0.0/0: then only API rules carry it.
        var open = PlanOf(SampleSpecs.Cloud(target)).Firewall.Where(r => r.SourceRanges.Contains("0.0.0.0/0")).ToList();
        Assert.NotEmpty(open);
        Assert.All(open, r => Assert.Equal((6443, 6443), Ports(r)));
    }

    [Theory]
    [MemberData(nameof(Clouds))]
    public void Plan_ApiCidrs_ReachTheApiAndNothingElse(Target target)
    {
        var spec = SampleSpecs.Cloud(target);
        spec = spec with { Network = spec.Network with { ApiCidrs = [C("198.51.100.0/24"), C("192.0.2.0/24")] } };
        var plan = PlanOf(spec);

        var fromApi = plan.Firewall.Where(r => r.SourceRanges.Contains("198.51.100.0/24")).ToList();
        var rule = Assert.Single(fromApi);
        Assert.Equal((6443, 6443), Ports(rule));
        Assert.Equal(["198.51.100.0/24", "192.0.2.0/24"], rule.SourceRanges);
        Assert.Equal(target == Target.Aws ? Peer.LoadBalancer : Peer.ControlPlanes, rule.Target);
    }

    [Theory]
    [InlineData(Target.Aws, Cni.Calico, "tcp:22,tcp:6443,tcp:6443,tcp:6443,tcp:10250,tcp:2379-2380,icmp,udp:4789,tcp:5473,tcp:10257,tcp:10259,tcp:2381,tcp:10249,tcp:9100")]
    [InlineData(Target.Gcp, Cni.Calico, "tcp:22,tcp:6443,tcp:6443,tcp:6443,tcp:6443,tcp:10250,tcp:2379-2380,icmp,udp:4789,tcp:5473,tcp:10257,tcp:10259,tcp:2381,tcp:10249,tcp:9100")]
    [InlineData(Target.Azure, Cni.Calico, "tcp:22,tcp:6443,tcp:6443,tcp:6443,tcp:6443,tcp:10250,tcp:2379-2380,icmp,udp:4789,tcp:5473,tcp:10257,tcp:10259,tcp:2381,tcp:10249,tcp:9100,deny:any")]
    [InlineData(Target.Aws, Cni.Cilium, "tcp:22,tcp:6443,tcp:6443,tcp:6443,tcp:10250,tcp:2379-2380,icmp,udp:8472,tcp:4240,tcp:4244,tcp:10257,tcp:10259,tcp:2381,tcp:10249,tcp:9100")]
    [InlineData(Target.Gcp, Cni.Flannel, "tcp:22,tcp:6443,tcp:6443,tcp:6443,tcp:6443,tcp:10250,tcp:2379-2380,icmp,udp:8472,tcp:10257,tcp:10259,tcp:2381,tcp:10249,tcp:9100")]
    public void Plan_Firewall_ExactlyTheIntendedPorts(Target target, Cni cni, string expected)
    {
        var spec = SampleSpecs.Cloud(target);
        spec = spec with { Network = spec.Network with { Cni = cni } };

        var actual = string.Join(',', PlanOf(spec).Firewall.Select(r =>
            r.Action == FirewallAction.Deny ? "deny:any"
            : r.Ports is null ? r.Protocol.ToString().ToLowerInvariant()
            : $"{r.Protocol.ToString().ToLowerInvariant()}:{r.Ports}"));

        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Clouds))]
    public void Plan_IngressCidrs_OpenTheIngressNodePortsFromThemOnlyAndNothingWithout(Target target)
    {
        var closed = SampleSpecs.Cloud(target);
        Assert.Empty(Allowing(PlanOf(closed), 30080));
        Assert.Empty(Allowing(PlanOf(closed), 30443));

        var spec = closed with { Network = closed.Network with { IngressCidrs = [Cidr.TryParse("198.51.100.0/24", out var c) ? c! : throw new InvalidOperationException()] } };
        var plan = PlanOf(spec);
        foreach (var port in new[] { 30080, 30443 })
        {
            var rule = Assert.Single(Allowing(plan, port));
            Assert.Equal(["198.51.100.0/24"], rule.SourceRanges);
            Assert.Equal(Peer.Nodes, rule.Target);
            Assert.Equal((port, port), (rule.Ports!.From, rule.Ports.To));
        }
    }

    [Theory]
    [MemberData(nameof(Clouds))]
    public void Plan_NodeToNodeRules_ComeFromClusterGroupsOnly(Target target)
    {
        var plan = PlanOf(SampleSpecs.Cloud(target));

        foreach (var port in new[] { 10250, 2379, 2380, 4789, 5473 })
        {
            var rules = Allowing(plan, port).ToList();
            Assert.NotEmpty(rules);
            Assert.All(rules, r => Assert.Equal(SourceKind.Group, r.SourceKind));
        }
    }

    [Theory]
    [MemberData(nameof(Clouds))]
    public void Plan_StackedEtcd_EtcdPortsOnlyBetweenControlPlanes(Target target)
    {
        var rule = Assert.Single(Allowing(PlanOf(SampleSpecs.Cloud(target)), 2379));

        Assert.Equal((Peer.ControlPlanes, Peer.ControlPlanes), (rule.SourceGroup!.Value, rule.Target));
    }

    [Fact]
    public void Plan_ExternalEtcd_EtcdRulesTargetTheEtcdGroup()
    {
        var spec = SampleSpecs.Cloud(Target.Gcp);
        spec = spec with { Etcd = new EtcdSpec { Topology = EtcdTopology.External, Count = 3, Size = "e2-standard-2" } };
        var plan = PlanOf(spec);

        var client = Allowing(plan, 2379).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(2, client.Count);
        Assert.All(client, r => Assert.Equal(Peer.Etcd, r.Target));
        Assert.Equal([Peer.ControlPlanes, Peer.Etcd], client.Select(r => r.SourceGroup!.Value).Order());
        var peer = Assert.Single(Allowing(plan, 2380));
        Assert.Equal(Peer.Etcd, peer.SourceGroup);
        Assert.Contains(plan.Groups, g => g.Group == Peer.Etcd);
        var etcdVms = plan.Vms.Where(v => v.Groups.Contains(Peer.Etcd)).ToList();
        Assert.Equal(["sample-etcd-1", "sample-etcd-2", "sample-etcd-3"], etcdVms.Select(v => v.Name));
        Assert.All(etcdVms, v => Assert.DoesNotContain(Peer.Nodes, v.Groups));
        Assert.All(etcdVms, v => Assert.False(v.CloudIdentity));
    }

    public static TheoryData<Target, EtcdTopology> CloudsAndEtcd => new()
    {
        { Target.Aws, EtcdTopology.Stacked }, { Target.Azure, EtcdTopology.Stacked }, { Target.Gcp, EtcdTopology.Stacked },
        { Target.Aws, EtcdTopology.External }, { Target.Azure, EtcdTopology.External }, { Target.Gcp, EtcdTopology.External },
    };

    /// <summary>Issue 15: the ports ControlPlaneMetrics opens are reachable from the cluster's nodes (where Prometheus runs) and nothing else.</summary>
    [Theory]
    [Trait("Item", "15.2")]
    [MemberData(nameof(CloudsAndEtcd))]
    public void Plan_MetricsPorts_OpenToTheClusterNodesOnly(Target target, EtcdTopology etcd)
    {
        var spec = SampleSpecs.Cloud(target);
        if (etcd == EtcdTopology.External) spec = spec with { Etcd = new EtcdSpec { Topology = EtcdTopology.External, Count = 3, Size = spec.ControlPlane.Size } };
        var plan = PlanOf(spec);

        var expected = new (int Port, Peer Target)[]
        {
            (10257, Peer.ControlPlanes), (10259, Peer.ControlPlanes),
            (2381, etcd == EtcdTopology.External ? Peer.Etcd : Peer.ControlPlanes),
            (10249, Peer.Nodes), (9100, Peer.Nodes),
        };
        foreach (var (port, to) in expected)
        {
            var rule = Assert.Single(Allowing(plan, port));
            Assert.Equal((SourceKind.Group, Peer.Nodes, to, PortRange.Single(port)), (rule.SourceKind, rule.SourceGroup!.Value, rule.Target, rule.Ports));
            Assert.Empty(rule.SourceRanges);
        }
    }

    [Fact]
    public void Plan_Azure_DeniesEverythingElseAboveTheDefaultRules()
    {
        var plan = PlanOf(SampleSpecs.Cloud(Target.Azure));

        var deny = Assert.Single(plan.Firewall, r => r.Action == FirewallAction.Deny);
        Assert.Equal(4096, deny.Priority);
        Assert.Equal(FirewallProtocol.Any, deny.Protocol);
        Assert.True(plan.Firewall.Where(r => r.Action == FirewallAction.Allow).All(r => r.Priority < 4096));
        Assert.Equal(plan.Firewall.Count, plan.Firewall.Select(r => r.Priority).Distinct().Count());
        Assert.Contains(plan.Firewall, r => r.SourceRanges.Contains(CloudPlanner.AzureLoadBalancerTag) && r.Ports!.From == 6443);
    }

    [Fact]
    public void Plan_Gcp_HealthCheckRangesReachTheApiOnly()
    {
        var plan = PlanOf(SampleSpecs.Cloud(Target.Gcp));

        var health = Assert.Single(plan.Firewall, r => r.SourceRanges.Contains("35.191.0.0/16"));
        Assert.Equal(["35.191.0.0/16", "209.85.152.0/22", "209.85.204.0/22"], health.SourceRanges);
        Assert.Equal((6443, 6443), Ports(health));
        Assert.Equal(Peer.ControlPlanes, health.Target);
    }

    [Theory]
    [InlineData("10.0.0.0/16", 3, "10.0.0.0/18,10.0.64.0/18,10.0.128.0/18")]
    [InlineData("10.0.0.0/16", 1, "10.0.0.0/16")]
    [InlineData("10.0.0.0/16", 2, "10.0.0.0/17,10.0.128.0/17")]
    [InlineData("172.16.8.0/22", 4, "172.16.8.0/24,172.16.9.0/24,172.16.10.0/24,172.16.11.0/24")]
    [InlineData("10.1.0.0/24", 5, "10.1.0.0/27,10.1.0.32/27,10.1.0.64/27,10.1.0.96/27,10.1.0.128/27")]
    public void Split_Network_EqualAlignedSubnets(string network, int count, string expected)
    {
        Assert.Equal(expected, string.Join(',', SubnetMath.Split(C(network), count)));
    }

    [Theory]
    [MemberData(nameof(Clouds))]
    public void Plan_Subnets_OnePerZoneInsideTheNodeCidrWithoutOverlap(Target target)
    {
        var spec = SampleSpecs.Cloud(target);
        var plan = PlanOf(spec);

        Assert.Equal(spec.Cloud!.Zones, plan.Subnets.Select(s => s.Zone));
        var cidrs = plan.Subnets.Select(s => C(s.Cidr)).ToList();
        Assert.All(cidrs, s => Assert.True(spec.Network.NodeCidr.Contains(s.Network.BaseAddress)));
        for (var i = 0; i < cidrs.Count; i++)
        {
            for (var j = i + 1; j < cidrs.Count; j++) Assert.False(cidrs[i].Overlaps(cidrs[j]), $"{cidrs[i]} overlaps {cidrs[j]}");
        }
        Assert.Equal(["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"], plan.Subnets.Select(s => s.Cidr));
    }

    [Theory]
    [MemberData(nameof(Clouds))]
    public void Plan_Vms_SpreadOverZonesPerRole(Target target)
    {
        var plan = PlanOf(SampleSpecs.Cloud(target, controlPlanes: 3, workers: 5));
        var zones = SampleSpecs.Cloud(target).Cloud!.Zones;

        var cps = plan.Vms.Where(v => v.Roles.Contains(Roles.ControlPlane)).ToList();
        Assert.Equal(zones, cps.Select(v => v.Zone));
        var workers = plan.Vms.Where(v => v.Roles.Contains(Roles.Worker)).ToList();
        Assert.Equal([zones[0], zones[1], zones[2], zones[0], zones[1]], workers.Select(v => v.Zone));
        Assert.All(plan.Vms, v => Assert.Equal(plan.Subnets.Single(s => s.Zone == v.Zone).Name, v.Subnet));
    }

    [Theory]
    [MemberData(nameof(Clouds))]
    public void Plan_LoadBalancer_ApiOnControlPlanesWithReadyzHealthCheck(Target target)
    {
        var plan = PlanOf(SampleSpecs.Cloud(target));

        var lb = plan.LoadBalancer;
        Assert.Equal(6443, lb.Port);
        Assert.Equal(["sample-cp-1", "sample-cp-2", "sample-cp-3"], lb.Targets);
        Assert.Equal(("HTTPS", 6443, "/readyz"), (lb.HealthCheck.Protocol, lb.HealthCheck.Port, lb.HealthCheck.Path));
        Assert.InRange(lb.HealthCheck.TimeoutSeconds, 2, lb.HealthCheck.IntervalSeconds - 1);
        Assert.InRange(lb.HealthCheck.HealthyThreshold, 2, 10);
        Assert.InRange(lb.HealthCheck.UnhealthyThreshold, 2, 10);
        Assert.True(lb.CrossZone);
        Assert.Equal(target != Target.Aws, lb.PreserveClientIp);
        Assert.True(lb.Name.Length <= 32 && lb.BackendName.Length <= 32);
    }

    [Fact]
    public void Plan_Aws_Imdsv2RequiredWithHopLimitForPods()
    {
        var aws = PlanOf(SampleSpecs.Cloud(Target.Aws)).Aws!;

        Assert.Equal("required", aws.MetadataHttpTokens);
        Assert.Equal(2, aws.MetadataHopLimit);
        Assert.Equal("disabled", aws.MetadataInstanceTags);
        Assert.True(aws.EncryptedVolumes);
    }

    [Fact]
    public void Plan_Gcp_MetadataHardened()
    {
        var gcp = PlanOf(SampleSpecs.Cloud(Target.Gcp)).Gcp!;

        Assert.Equal("TRUE", gcp.Metadata["block-project-ssh-keys"]);
        Assert.Equal("TRUE", gcp.Metadata["disable-legacy-endpoints"]);
        Assert.Equal("FALSE", gcp.Metadata["serial-port-enable"]);
        Assert.True(gcp.ShieldedVm);
        Assert.Equal("example-project", gcp.Project);
    }

    [Fact]
    public void Plan_Azure_NoPasswordAuthentication()
    {
        var azure = PlanOf(SampleSpecs.Cloud(Target.Azure)).Azure!;

        Assert.True(azure.DisablePasswordAuthentication);
        Assert.Equal("infra", azure.AdminUsername);
        Assert.StartsWith("ssh-ed25519 ", azure.AdminPublicKey, StringComparison.Ordinal);
        Assert.Equal("sample-rg", azure.ResourceGroup);
    }

    [Fact]
    public void Plan_AwsCsi_EbsPolicyLimitsDeletesToTheDriversVolumes()
    {
        var identity = PlanOf(SampleSpecs.Cloud(Target.Aws)).Aws!.Identity!;

        var deletes = identity.Policy.Statements.Where(s => s.Actions.Contains("ec2:DeleteVolume")).ToList();
        Assert.Equal(3, deletes.Count);
        Assert.All(deletes, s => Assert.True(s.Conditions.ContainsKey("StringLike")));
        Assert.DoesNotContain(identity.Policy.Statements, s => s.Actions.Any(a => a.EndsWith('*') || a.StartsWith("iam:", StringComparison.Ordinal)));
        Assert.Equal(["ec2.amazonaws.com"], Assert.Single(identity.AssumeRolePolicy.Statements).ServicePrincipals);
        var json = InfrastructurePlanJson.Render(identity.Policy);
        Assert.StartsWith("{\"Version\":\"2012-10-17\",\"Statement\":[", json, StringComparison.Ordinal);
        Assert.Contains("\"Condition\":{\"StringEquals\":{\"ec2:CreateAction\":[\"CreateVolume\",\"CreateSnapshot\",\"CopyVolumes\"]}}", json, StringComparison.Ordinal);
        Assert.Equal("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}",
            InfrastructurePlanJson.Render(identity.AssumeRolePolicy));
    }

    [Fact]
    public void Plan_GcpCsi_ServiceAccountWithPdCsiRoles()
    {
        var identity = PlanOf(SampleSpecs.Cloud(Target.Gcp)).Gcp!.Identity!;

        Assert.Equal(["compute.instances.attachDisk", "compute.instances.detachDisk", "compute.instances.get"], identity.CustomRolePermissions);
        Assert.Equal(["roles/compute.storageAdmin"], identity.ProjectRoles);
        Assert.Equal("roles/iam.serviceAccountUser", identity.ServiceAccountUserRole);
        Assert.InRange(identity.AccountId.Length, 6, 30);
        Assert.Matches("^[a-zA-Z0-9_.]{3,64}$", identity.CustomRoleId);
    }

    [Fact]
    public void Plan_AzureCsi_CustomRoleWithoutWildcards()
    {
        var identity = PlanOf(SampleSpecs.Cloud(Target.Azure)).Azure!.Identity!;

        Assert.Contains("Microsoft.Compute/disks/write", identity.RoleActions);
        Assert.Contains("Microsoft.Compute/virtualMachines/write", identity.RoleActions);
        Assert.DoesNotContain(identity.RoleActions, a => a.Contains('*', StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Clouds))]
    public void Plan_StorageNotCsi_NoCloudIdentity(Target target)
    {
        var spec = SampleSpecs.Cloud(target);
        var plan = PlanOf(spec with { Workloads = spec.Workloads with { Storage = StorageKind.LocalPath } });

        Assert.All(plan.Vms, v => Assert.False(v.CloudIdentity));
        Assert.Null(plan.Aws?.Identity);
        Assert.Null(plan.Gcp?.Identity);
        Assert.Null(plan.Azure?.Identity);
    }

    [Theory]
    [InlineData(Target.Aws, OsFamily.Debian12, ImageKind.AwsAmiLookup, "debian-12-amd64-*", "136693071363")]
    [InlineData(Target.Aws, OsFamily.Ubuntu2204, ImageKind.AwsAmiLookup, "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*", "099720109477")]
    [InlineData(Target.Aws, OsFamily.Ubuntu2404, ImageKind.AwsAmiLookup, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*", "099720109477")]
    [InlineData(Target.Gcp, OsFamily.Ubuntu2204, ImageKind.GcpImage, "ubuntu-os-cloud/ubuntu-2204-lts", null)]
    [InlineData(Target.Gcp, OsFamily.Ubuntu2404, ImageKind.GcpImage, "ubuntu-os-cloud/ubuntu-2404-lts-amd64", null)]
    [InlineData(Target.Azure, OsFamily.Debian12, ImageKind.AzureUrn, "Debian:debian-12:12-gen2:latest", null)]
    [InlineData(Target.Azure, OsFamily.Ubuntu2204, ImageKind.AzureUrn, "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest", null)]
    [InlineData(Target.Azure, OsFamily.Ubuntu2404, ImageKind.AzureUrn, "Canonical:ubuntu-24_04-lts:server:latest", null)]
    public void Plan_DefaultImage_PerOsAndCloud(Target target, OsFamily os, ImageKind kind, string reference, string? owner)
    {
        var plan = PlanOf(SampleSpecs.Cloud(target) with { Os = os });

        Assert.All(plan.Vms, v => Assert.Equal(new ImagePlan { Kind = kind, Reference = reference, Owner = owner, Floating = true }, v.Image));
    }

    [Theory]
    [InlineData(Target.Aws, "ami-0123456789abcdef0", ImageKind.AwsAmi, false)]
    [InlineData(Target.Gcp, "projects/my-project/global/images/k8s-node-20260101", ImageKind.GcpImage, false)]
    [InlineData(Target.Gcp, "my-project/k8s-node", ImageKind.GcpImage, true)]
    [InlineData(Target.Azure, "Debian:debian-12:12-gen2:0.20260101.1", ImageKind.AzureUrn, false)]
    public void Plan_ImageOverride_Used(Target target, string image, ImageKind kind, bool floating)
    {
        var spec = SampleSpecs.Cloud(target);
        var plan = PlanOf(spec with { Cloud = spec.Cloud! with { Image = image } });

        Assert.All(plan.Vms, v => Assert.Equal((kind, image, floating), (v.Image.Kind, v.Image.Reference, v.Image.Floating)));
    }

    [Theory]
    [InlineData(Target.Aws, "debian-12", "cloud.image")]
    [InlineData(Target.Azure, "Debian:debian-12", "cloud.image")]
    public void Plan_BadImageOverride_ErrorNamesKey(Target target, string image, string key)
    {
        var spec = SampleSpecs.Cloud(target);
        var e = Assert.Throws<InfrastructurePlanException>(() => PlanOf(spec with { Cloud = spec.Cloud! with { Image = image } }));

        Assert.Equal(key, e.Key);
        Assert.Contains(image, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Clouds))]
    public void Plan_SizesAndDisks_FromTheStackElseTheCloudDefault(Target target)
    {
        var spec = SampleSpecs.Cloud(target);
        spec = spec with
        {
            ControlPlane = spec.ControlPlane with { Size = null, DiskGb = 60 },
            Workers = [spec.Workers[0] with { DiskGb = 100 }],
        };
        var plan = PlanOf(spec);

        Assert.All(plan.Vms.Where(v => v.LoadBalancerTarget), v => Assert.Equal((CloudSizes.Default(target), 60), (v.Size, v.DiskGb)));
        Assert.All(plan.Vms.Where(v => !v.LoadBalancerTarget), v => Assert.Equal((spec.Workers[0].Size, 100), (v.Size, v.DiskGb)));
        Assert.True(CloudSizes.TryGet(target, CloudSizes.Default(target), out var cpus, out var mem));
        Assert.True(cpus >= CloudSizes.MinimumCpus && mem >= CloudSizes.MinimumMemoryMb);
    }

    [Theory]
    [InlineData("Standard_D2s_v5", true)]
    [InlineData("Standard_D2_v5", false)]
    [InlineData("Standard_B2ms", true)]
    [InlineData("Standard_D2as_v5", true)]
    [InlineData("Standard_A2_v2", false)]
    [InlineData("Standard_F4s_v2", true)]
    public void AzureSupportsPremium_SizeName_ReadsTheSFlag(string size, bool premium)
    {
        Assert.Equal(premium, CloudPlanner.AzureSupportsPremium(size));
    }

    [Theory]
    [MemberData(nameof(Clouds))]
    public void Plan_SameInputs_ByteIdenticalJson(Target target)
    {
        var a = InfrastructurePlanJson.Serialize(PlanOf(SampleSpecs.Cloud(target)));
        var b = InfrastructurePlanJson.Serialize(PlanOf(SampleSpecs.Cloud(target)));

        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(Target.Aws, "aws-ha.json")]
    [InlineData(Target.Azure, "azure-ha.json")]
    [InlineData(Target.Gcp, "gcp-ha.json")]
    public void Plan_HaCluster_MatchesGolden(Target target, string golden)
    {
        InfrastructureGolden.Verify(golden, InfrastructurePlanJson.Serialize(PlanOf(SampleSpecs.Cloud(target))));
    }

    [Fact]
    public void Plan_GcpExternalEtcdCilium_MatchesGolden()
    {
        var spec = SampleSpecs.Cloud(Target.Gcp, controlPlanes: 3, workers: 2);
        spec = spec with
        {
            Etcd = new EtcdSpec { Topology = EtcdTopology.External, Count = 3, Size = "n2-standard-2" },
            Network = spec.Network with { Cni = Cni.Cilium },
        };
        InfrastructureGolden.Verify("gcp-external-etcd-cilium.json", InfrastructurePlanJson.Serialize(PlanOf(spec)));
    }

    [Theory]
    [MemberData(nameof(Clouds))]
    public void Plan_LongClusterName_NamesWithinLimitsAndDistinct(Target target)
    {
        var name = new string('a', 40) + "-" + new string('b', 22);
        var plan = PlanOf(SampleSpecs.Cloud(target) with { Name = name });

        var names = plan.Vms.Select(v => v.Name).Concat(plan.Subnets.Select(s => s.Name)).Concat(plan.Firewall.Select(r => r.Name))
            .Concat(plan.Groups.Select(g => g.Name)).Append(plan.Network.Name).ToList();
        Assert.All(names, n => Assert.Matches("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", n));
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.True(plan.LoadBalancer.Name.Length <= 32);
        if (plan.Gcp?.Identity is { } gcp) Assert.InRange(gcp.AccountId.Length, 6, 30);
    }

    [Fact]
    public void Plan_Baremetal_Refused()
    {
        var e = Assert.Throws<InfrastructurePlanException>(() => PlanOf(SampleSpecs.BareMetal()));

        Assert.Equal("target", e.Key);
    }

    [Theory]
    [InlineData(Target.Aws, "10.0.0.0/12", "network.nodeCidr", "/16 to /28")]
    [InlineData(Target.Gcp, "10.0.0.0/27", "network.nodeCidr", "/28 or larger")]
    [InlineData(Target.Azure, "10.0.0.0/26", "network.nodeCidr", "needs")]
    [InlineData(Target.Gcp, "fd00::/64", "network.nodeCidr", "IPv4")]
    public void Plan_NodeCidrUnfit_ErrorNamesKeyAndReason(Target target, string cidr, string key, string reason)
    {
        var spec = SampleSpecs.Cloud(target, controlPlanes: 3, workers: 40);
        spec = spec with { Network = spec.Network with { NodeCidr = C(cidr) } };

        var e = Assert.Throws<InfrastructurePlanException>(() => PlanOf(spec));

        Assert.Equal(key, e.Key);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_NoZones_Error()
    {
        var spec = SampleSpecs.Cloud(Target.Aws);
        var e = Assert.Throws<InfrastructurePlanException>(() => PlanOf(spec with { Cloud = spec.Cloud! with { Zones = [] } }));

        Assert.Equal("cloud.zones", e.Key);
    }

    [Fact]
    public void Plan_DuplicateZone_Error()
    {
        var spec = SampleSpecs.Cloud(Target.Aws);
        var e = Assert.Throws<InfrastructurePlanException>(() => PlanOf(spec with { Cloud = spec.Cloud! with { Zones = ["eu-west-1a", "eu-west-1a"] } }));

        Assert.Contains("eu-west-1a", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_NoAdminCidrs_Error()
    {
        var spec = SampleSpecs.Cloud(Target.Gcp);
        var e = Assert.Throws<InfrastructurePlanException>(() => PlanOf(spec with { Network = spec.Network with { AdminCidrs = [] } }));

        Assert.Equal("network.adminCidrs", e.Key);
    }

    [Fact]
    public void Plan_GcpWithoutProject_Error()
    {
        var spec = SampleSpecs.Cloud(Target.Gcp);
        var e = Assert.Throws<InfrastructurePlanException>(() => PlanOf(spec with { Cloud = spec.Cloud! with { Project = null } }));

        Assert.Equal("cloud.project", e.Key);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void Plan_AzureWithoutAdminKey_LeavesItToTheKeptAdminKey()
    {
        var spec = SampleSpecs.Cloud(Target.Azure);
        var azure = PlanOf(spec with { Ssh = spec.Ssh with { AdminPublicKey = null } }).Azure!;

        Assert.Null(azure.AdminPublicKey);
        Assert.True(azure.DisablePasswordAuthentication);
    }

    [Fact]
    public void Plan_AzureDiskBelowImage_ErrorNamesHost()
    {
        var spec = SampleSpecs.Cloud(Target.Azure);
        var e = Assert.Throws<InfrastructurePlanException>(() => PlanOf(spec with { ControlPlane = spec.ControlPlane with { DiskGb = 20 } }));

        Assert.Equal("controlPlane.diskGb", e.Key);
        Assert.Contains("cp-1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_HostInUnknownZone_ErrorNamesHost()
    {
        var spec = SampleSpecs.Cloud(Target.Aws);
        var hosts = HostInventory.Plan(spec).Select((h, i) => i == 0 ? h with { Zone = "us-east-1a" } : h).ToList();

        var e = Assert.Throws<InfrastructurePlanException>(() => CloudPlanner.Plan(spec, hosts));

        Assert.Contains("cp-1", e.Message, StringComparison.Ordinal);
        Assert.Contains("us-east-1a", e.Message, StringComparison.Ordinal);
    }
}
