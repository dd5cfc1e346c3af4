using Infra.Core.Diagnostics;
using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Core.Tests.Spec;

public class StackReaderTests
{
    internal const string Fp1 = "SHA256:0mJXpHs1N8sBMt7J/Vj3u8xY0rbHtKXnKkQWz6TbGvU";
    internal const string Fp2 = "SHA256:Zc8i4yY0S0RxkJ2fQ9w3VbVYH1dKpE6mWq8Yh0tq8nA";
    internal const string Key3 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHVkXzZ2Jq1nK6o1nX0yS0m7bQ0bYbq0Qm3zRk2kQ7Yd";

    internal const string BareMetal = $$"""
        config:
          infra:cluster:
            name: dev
            target: baremetal
            kubernetes: { version: "1.36.1" }
            controlPlane: { endpoint: "10.0.0.11:6443" }
            workers: [ { name: general } ]
            network: { podCidr: 10.244.0.0/16, serviceCidr: 10.96.0.0/12, nodeCidr: 10.0.0.0/16 }
            hosts:
              - { name: cp-1, address: 10.0.0.11, hostKey: "{{Fp1}}", roles: [control-plane] }
              - { name: w-1, address: 10.0.0.21, hostKey: "{{Fp2}}", roles: [worker], pool: general }
              - { name: w-2, address: 10.0.0.22, hostKey: "{{Key3}}", roles: [worker] }
        """;

    internal const string Aws = """
        config:
          aws:region: eu-west-1
          infra:cluster:
            name: staging
            target: aws
            kubernetes: { version: "1.36.1" }
            controlPlane: { count: 3, size: m6i.large }
            workers: [ { name: general, count: 3, size: m6i.xlarge } ]
            network: { adminCidrs: [203.0.113.0/24] }
            ssh: { adminPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHVkXzZ2Jq1nK6o1nX0yS0m7bQ0bYbq0Qm3zRk2kQ7Yd admin" }
        """;

    private static StackReadResult Read(string yaml) => StackFile.Read("stack.yaml", yaml);

    private static Diagnostic Single(string yaml, string code)
    {
        var r = Read(yaml);
        Assert.Null(r.Spec);
        var matching = r.Errors.Where(d => d.Code == code).ToList();
        Assert.True(matching.Count == 1, $"expected one {code}, got: {string.Join("\n", r.Diagnostics)}");
        return matching[0];
    }

    private static string Replace(string yaml, string from, string to)
    {
        Assert.Contains(from, yaml, StringComparison.Ordinal);
        return yaml.Replace(from, to, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ValidBareMetal_MapsEveryKey()
    {
        var r = Read(BareMetal);
        Assert.Empty(r.Diagnostics);
        var s = r.Spec!;
        Assert.Equal("dev", s.Name);
        Assert.Equal(Target.Baremetal, s.Target);
        Assert.Equal(new KubernetesVersion(1, 36, 1), s.Kubernetes.Version);
        Assert.Equal(1, s.ControlPlane.Count);
        Assert.Equal("10.0.0.11:6443", s.ControlPlane.Endpoint!.ToString());
        Assert.Equal(2, s.Workers[0].Count);
        Assert.Equal(3, s.Hosts.Count);
        Assert.Equal(22, s.Hosts[0].Port);
        Assert.Equal("root", s.Hosts[0].User);
        Assert.Equal("ssh-ed25519", s.Hosts[2].HostKey.Algorithm);
        Assert.Equal(StorageKind.LocalPath, s.Workloads.Storage);
    }

    [Fact]
    public void Read_ValidAws_ReadsRegionAndDefaultsZones()
    {
        var r = Read(Aws);
        Assert.True(r.IsValid, string.Join("\n", r.Diagnostics));
        Assert.Equal("eu-west-1", r.Spec!.Cloud!.Region);
        Assert.Equal(["eu-west-1a", "eu-west-1b", "eu-west-1c"], r.Spec.Cloud.Zones);
        Assert.Equal(r.Spec.Network.AdminCidrs, r.Spec.Network.ApiCidrs);
        Assert.Equal(StorageKind.Csi, r.Spec.Workloads.Storage);
    }

    [Fact]
    public void Read_MalformedYaml_ReportsSyntaxWithPosition()
    {
        var d = Single("config:\n  infra:cluster:\n    name: [dev\n", Codes.YamlSyntax);
        Assert.True(d.Line >= 3, d.ToString());
        Assert.StartsWith("stack.yaml:", d.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownKey_SuggestsClosest()
    {
        var d = Single(Replace(BareMetal, "workers:", "wokers:"), Codes.UnknownKey);
        Assert.Contains("did you mean 'workers'", d.Message, StringComparison.Ordinal);
        Assert.Equal("infra:cluster.wokers", d.KeyPath);
        Assert.Equal(7, d.Line);
        Assert.Equal(5, d.Column);
    }

    [Fact]
    public void Read_UnknownInfraConfigKey_Rejected()
    {
        var d = Single(Replace(BareMetal, "config:\n", "config:\n  infra:clustr: {}\n"), Codes.UnknownKey);
        Assert.Contains("infra:cluster", d.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name: dev", "name: [dev]", "infra:cluster.name")]
    [InlineData("hosts:", "hosts: 3\n    x:", "infra:cluster.hosts")]
    [InlineData("port: 22", "port: twenty", "infra:cluster.hosts[0].port")]
    public void Read_WrongType_Reported(string from, string to, string path)
    {
        var yaml = from == "port: 22" ? Replace(BareMetal, "name: cp-1,", "name: cp-1, port: twenty,") : Replace(BareMetal, from, to);
        var r = Read(yaml);
        Assert.Contains(r.Errors, d => d.Code == Codes.WrongType && d.KeyPath == path);
    }

    [Fact]
    public void Read_MissingRequiredKeys_EachReported()
    {
        var r = Read("config:\n  infra:cluster:\n    workers: []\n");
        var missing = r.Errors.Where(d => d.Code == Codes.MissingKey).Select(d => d.Message).ToList();
        Assert.Contains(missing, m => m.Contains("'name'", StringComparison.Ordinal));
        Assert.Contains(missing, m => m.Contains("'target'", StringComparison.Ordinal));
        Assert.Contains(missing, m => m.Contains("'kubernetes'", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_MissingCluster_Reported()
    {
        var d = Single("config:\n  aws:region: eu-west-1\n", Codes.MissingKey);
        Assert.Contains("infra:cluster", d.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name: dev", "name: Dev_1")]
    [InlineData("name: cp-1,", "name: CP.1,")]
    [InlineData("name: general }", "name: General }")]
    public void Read_InvalidName_Rejected(string from, string to) => Single(Replace(BareMetal, from, to), Codes.InvalidName);

    [Theory]
    [InlineData("1.36")]
    [InlineData("v1.36.x")]
    [InlineData("1.036.1")]
    public void Read_MalformedVersion_Rejected(string version) =>
        Single(Replace(BareMetal, "\"1.36.1\"", $"\"{version}\""), Codes.MalformedVersion);

    [Theory]
    [InlineData("1.33.5")]
    [InlineData("1.37.0")]
    [InlineData("2.0.0")]
    public void Read_VersionOutsideWindow_RejectedNamingWindow(string version)
    {
        var d = Single(Replace(BareMetal, "\"1.36.1\"", $"\"{version}\""), Codes.UnsupportedVersion);
        Assert.Contains("1.34–1.36", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EvenControlPlanesStacked_Rejected()
    {
        var d = Single(Replace(Aws, "count: 3, size: m6i.large", "count: 2, size: m6i.large"), Codes.EvenControlPlanes);
        Assert.Contains("use 1 or 3", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EvenControlPlanesExternalEtcd_Accepted()
    {
        var yaml = Replace(Aws, "count: 3, size: m6i.large", "count: 2, size: m6i.large")
            .Replace("network:", "etcd: { topology: external, count: 3, size: m6i.large }\n    network:", StringComparison.Ordinal);
        Assert.True(Read(yaml).IsValid, string.Join("\n", Read(yaml).Diagnostics));
    }

    [Theory]
    [InlineData("podCidr: 10.244.0.0/16", "podCidr: 10.244.0.0")]
    [InlineData("podCidr: 10.244.0.0/16", "podCidr: 10.244.0.0/33")]
    [InlineData("nodeCidr: 10.0.0.0/16", "nodeCidr: 10.0.0.1/16")]
    [InlineData("serviceCidr: 10.96.0.0/12", "serviceCidr: banana")]
    public void Read_MalformedCidr_Rejected(string from, string to) => Single(Replace(BareMetal, from, to), Codes.MalformedCidr);

    [Theory]
    [InlineData("serviceCidr: 10.96.0.0/12", "serviceCidr: 10.244.128.0/17")]
    [InlineData("nodeCidr: 10.0.0.0/16", "nodeCidr: 10.96.0.0/16")]
    public void Read_OverlappingCidrs_Rejected(string from, string to)
    {
        var yaml = Replace(BareMetal, from, to);
        if (to.StartsWith("nodeCidr", StringComparison.Ordinal))
        {
            yaml = yaml.Replace("10.0.0.", "10.96.0.", StringComparison.Ordinal);
        }
        Assert.Contains(Read(yaml).Errors, d => d.Code == Codes.OverlappingCidrs);
    }

    [Fact]
    public void Read_EndpointInsideServiceCidr_Rejected()
    {
        var d = Single(Replace(BareMetal, "endpoint: \"10.0.0.11:6443\"", "endpoint: \"10.96.0.10:6443\""), Codes.EndpointInCidr);
        Assert.Equal("infra:cluster.controlPlane.endpoint", d.KeyPath);
    }

    [Fact]
    public void Read_DuplicateHostName_Rejected()
    {
        var d = Single(Replace(BareMetal, "name: w-2,", "name: w-1,"), Codes.DuplicateHostName);
        Assert.Equal("infra:cluster.hosts[2].name", d.KeyPath);
    }

    [Fact]
    public void Read_DuplicateHostAddress_Rejected() =>
        Single(Replace(BareMetal, "address: 10.0.0.22", "address: 10.0.0.21"), Codes.DuplicateAddress);

    [Fact]
    public void Read_HostWithoutHostKey_Rejected()
    {
        var d = Single(Replace(BareMetal, $"hostKey: \"{Fp2}\", ", ""), Codes.MissingHostKey);
        Assert.Contains("w-1", d.Message, StringComparison.Ordinal);
        Assert.Contains("never connects to an unpinned host", d.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SHA256:tooShort")]
    [InlineData("MD5:aa:bb")]
    [InlineData("ssh-ed25519 !!!notbase64")]
    [InlineData("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIHVkXzZ2Jq1nK6o1nX0yS0m7bQ0bYbq0Qm3zRk2kQ7Yd")]
    public void Read_MalformedHostKey_Rejected(string key) =>
        Single(Replace(BareMetal, Fp2, key), Codes.MalformedHostKey);

    [Fact]
    public void Read_NoControlPlaneRole_Rejected() =>
        Single(Replace(Replace(BareMetal, "roles: [control-plane]", "roles: [worker]"), "controlPlane: { endpoint: \"10.0.0.11:6443\" }", "controlPlane: {}"), Codes.NoControlPlane);

    [Fact]
    public void Read_UnknownRole_SuggestsClosest()
    {
        var d = Single(Replace(BareMetal, "roles: [control-plane]", "roles: [control-plan]"), Codes.InvalidRole);
        Assert.Contains("did you mean 'control-plane'", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NegativeWorkerCount_Rejected() =>
        Single(Replace(Aws, "count: 3, size: m6i.xlarge", "count: -2, size: m6i.xlarge"), Codes.NegativeCount);

    [Fact]
    public void Read_ControlPlaneCountDisagreesWithHosts_Rejected() =>
        Single(Replace(BareMetal, "controlPlane: { endpoint", "controlPlane: { count: 3, endpoint"), Codes.CountMismatch);

    [Fact]
    public void Read_UnknownPool_Rejected() => Single(Replace(BareMetal, "pool: general", "pool: gpu"), Codes.UnknownPool);

    [Fact]
    public void Read_IngressCidrsOnCloud_MappedAndAbsentMeansNone()
    {
        var open = Read(Replace(Aws, "network: { adminCidrs: [203.0.113.0/24] }", "network: { adminCidrs: [203.0.113.0/24], ingressCidrs: [0.0.0.0/0, 198.51.100.0/24] }"));
        Assert.True(open.Spec is not null, string.Join("\n", open.Diagnostics));
        Assert.Equal(["0.0.0.0/0", "198.51.100.0/24"], open.Spec.Network.IngressCidrs.Select(c => c.ToString()));
        Assert.Empty(Read(Aws).Spec!.Network.IngressCidrs);
    }

    [Fact]
    public void Read_IngressCidrsOnBareMetal_RejectedAsOtherTargetAtItsLine()
    {
        var d = Single(Replace(BareMetal, "nodeCidr: 10.0.0.0/16 }", "nodeCidr: 10.0.0.0/16, ingressCidrs: [0.0.0.0/0] }"), Codes.OtherTarget);
        Assert.Equal("infra:cluster.network.ingressCidrs", d.KeyPath);
        Assert.Equal(8, d.Line);
    }

    [Fact]
    public void Read_MalformedIngressCidr_Rejected() =>
        Single(Replace(Aws, "network: { adminCidrs: [203.0.113.0/24] }", "network: { adminCidrs: [203.0.113.0/24], ingressCidrs: [10.0.0.1/8] }"), Codes.MalformedCidr);

    [Theory]
    [InlineData("none", "workloads.ingress is none")]
    [InlineData("envoy-gateway", "Envoy Gateway's ports are assigned by Kubernetes")]
    public void Read_IngressCidrsWithoutTraefik_Rejected(string ingress, string reason)
    {
        var yaml = Replace(Aws, "network: { adminCidrs: [203.0.113.0/24] }", "network: { adminCidrs: [203.0.113.0/24], ingressCidrs: [0.0.0.0/0] }")
            + $"\n    workloads: {{ ingress: {ingress} }}\n";
        var d = Single(yaml, Codes.InvalidValue);
        Assert.Equal("infra:cluster.network.ingressCidrs", d.KeyPath);
        Assert.Contains(reason, d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HostsOnCloud_RejectedAsOtherTarget()
    {
        var yaml = Aws + $"\n    hosts:\n      - {{ name: cp-1, address: 10.0.0.11, hostKey: \"{Fp1}\", roles: [control-plane] }}\n";
        var d = Single(yaml, Codes.OtherTarget);
        Assert.Equal("infra:cluster.hosts", d.KeyPath);
    }

    [Fact]
    public void Read_CloudSettingOnBareMetal_RejectedAsOtherTarget() =>
        Single(Replace(BareMetal, "workers: [ { name: general } ]", "workers: [ { name: general, size: m6i.large } ]"), Codes.OtherTarget);

    [Fact]
    public void Read_EndpointOnCloud_RejectedAsOtherTarget() =>
        Single(Replace(Aws, "count: 3, size: m6i.large", "count: 3, size: m6i.large, endpoint: \"10.0.0.5:6443\""), Codes.OtherTarget);

    [Theory]
    [InlineData("t3.micro")]
    [InlineData("t2.small")]
    public void Read_CloudSizeBelowKubeadmMinimum_Rejected(string size)
    {
        var d = Single(Replace(Aws, "size: m6i.large", $"size: {size}"), Codes.SizeTooSmall);
        Assert.Equal("infra:cluster.controlPlane.size", d.KeyPath);
        Assert.Contains("2 vCPU and 1700 MB", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownCloudSize_WarnsOnly()
    {
        var r = Read(Replace(Aws, "size: m6i.xlarge", "size: m6i.xlarg"));
        Assert.True(r.IsValid);
        Assert.Contains(r.Warnings, d => d.Code == Codes.UnknownSize && d.Message.Contains("did you mean 'm6i.xlarge'", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_CloudWithoutRegion_Rejected()
    {
        var d = Single(Replace(Aws, "  aws:region: eu-west-1\n", ""), Codes.MissingProviderSetting);
        Assert.Contains("aws:region", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CloudWithoutAdminCidrs_RejectedSecureByDefault() =>
        Single(Replace(Aws, "network: { adminCidrs: [203.0.113.0/24] }", "network: {}"), Codes.MissingKey);

    [Fact]
    public void Read_InvalidChoice_ListsChoices()
    {
        var d = Single(Replace(BareMetal, "target: baremetal", "target: bare-metal"), Codes.InvalidValue);
        Assert.Contains("did you mean 'baremetal'", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_IngressNginx_ExplainsRetirement()
    {
        var d = Single(Replace(BareMetal, "workers:", "workloads: { ingress: ingress-nginx }\n    workers:"), Codes.InvalidValue);
        Assert.Contains("retired", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_KubeVipWithoutEndpoint_Rejected() =>
        Single(Replace(BareMetal, "controlPlane: { endpoint: \"10.0.0.11:6443\" }", "controlPlane: { loadBalancer: kube-vip }"), Codes.MissingKey);

    [Fact]
    public void Read_KubeVipOnHostAddress_Rejected() =>
        Single(Replace(BareMetal, "controlPlane: { endpoint", "controlPlane: { loadBalancer: kube-vip, endpoint"), Codes.MalformedEndpoint);

    [Fact]
    public void Read_EtcdRoleWithStackedTopology_Rejected() =>
        Single(Replace(BareMetal, "roles: [control-plane]", "roles: [control-plane, etcd]"), Codes.EtcdMembers);

    [Fact]
    public void Read_ExternalEtcdEvenMembers_Rejected()
    {
        var yaml = Replace(BareMetal, "workers:", "etcd: { topology: external }\n    workers:")
            .Replace("roles: [control-plane]", "roles: [control-plane, etcd]", StringComparison.Ordinal)
            .Replace("roles: [worker], pool", "roles: [worker, etcd], pool", StringComparison.Ordinal);
        var d = Single(yaml, Codes.EtcdMembers);
        Assert.Contains("1, 3, 5 or 7", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BundleWithoutFolder_Rejected() =>
        Single(Replace(BareMetal, "workers:", "packages: { source: bundle }\n    workers:"), Codes.MissingKey);

    [Fact]
    public void Read_MalformedTaint_Rejected() =>
        Single(Replace(BareMetal, "{ name: general }", "{ name: general, taints: [\"gpu\"] }"), Codes.MalformedTaint);

    [Fact]
    public void Read_DuplicateKey_RejectedAsMalformed()
    {
        var d = Single(Replace(BareMetal, "    name: dev\n", "    name: dev\n    name: dev2\n"), Codes.YamlSyntax);
        Assert.Contains("written twice", d.Message, StringComparison.Ordinal);
        Assert.Equal(4, d.Line);
    }

    [Fact]
    public void Read_DuplicatePoolName_Rejected() =>
        Single(Replace(BareMetal, "workers: [ { name: general } ]", "workers: [ { name: general }, { name: general } ]"), Codes.DuplicateName);

    [Fact]
    public void Read_MalformedEndpoint_Rejected() =>
        Single(Replace(BareMetal, "\"10.0.0.11:6443\"", "\"10.0.0.11:99999\""), Codes.MalformedEndpoint);

    [Fact]
    public void Read_MalformedAddress_Rejected() =>
        Single(Replace(BareMetal, "address: 10.0.0.22", "address: \"10.0.0.22 extra\""), Codes.MalformedAddress);

    [Fact]
    public void Read_CsiStorageOnBareMetal_RejectedByBaselineCheck()
    {
        var d = Single(Replace(BareMetal, "workers:", "workloads: { storage: csi }\n    workers:"), Codes.WorkloadUnsupported);
        Assert.Equal("infra:cluster.workloads.storage", d.KeyPath);
        Assert.Contains("local-path", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Flannel_WarnsAboutNetworkPolicies()
    {
        var r = Read(Replace(BareMetal, "nodeCidr: 10.0.0.0/16 }", "nodeCidr: 10.0.0.0/16, cni: flannel }"));
        Assert.True(r.IsValid);
        Assert.Contains(r.Warnings, d => d.Code == Codes.NoNetworkPolicy);
    }

    [Fact]
    public void Read_FiftyProblems_FiftyDiagnostics()
    {
        var lines = new List<string>
        {
            "config:", "  infra:cluster:", "    name: dev", "    target: baremetal", "    kubernetes: { version: \"1.36.1\" }",
            "    controlPlane: { endpoint: \"10.0.0.11:6443\" }", "    hosts:",
            $"      - {{ name: cp-1, address: 10.0.0.11, hostKey: \"{Fp1}\", roles: [control-plane] }}",
        };
        for (var i = 0; i < 50; i++)
        {
            lines.Add($"      - {{ name: w-{i}, address: 10.0.1.{i}, roles: [worker] }}");
        }
        var r = Read(string.Join("\n", lines) + "\n");
        Assert.Equal(50, r.Errors.Count());
        Assert.All(r.Errors, d => Assert.Equal(Codes.MissingHostKey, d.Code));
        Assert.Equal(50, r.Errors.Select(d => d.Line).Distinct().Count());
    }

    [Fact]
    public void Read_DiagnosticFormat_IsFileLineColumnCodeMessagePath()
    {
        var d = Single(Replace(BareMetal, "target: baremetal", "target: moon"), Codes.InvalidValue);
        Assert.Matches(@"^stack\.yaml:4:13: error INF020: 'moon' is not one of .* \(infra:cluster\.target\)$", d.ToString());
    }
}
