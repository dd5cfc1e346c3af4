using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Infra.Core.Diagnostics;
using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Core.Tests.Spec;

/// <summary>Issue 10: every stack value is checked where it enters, by the rules of what it becomes.</summary>
public class StackRulesTests
{
    private const string BareMetal = StackReaderTests.BareMetal;
    private const string Aws = StackReaderTests.Aws;

    private static StackReadResult Read(string yaml) => StackFile.Read("stack.yaml", yaml);

    private static string Replace(string yaml, string from, string to)
    {
        Assert.Contains(from, yaml, StringComparison.Ordinal);
        return yaml.Replace(from, to, StringComparison.Ordinal);
    }

    /// <summary>Refused with <paramref name="code"/> at a line of the file, the key path containing <paramref name="path"/>.</summary>
    private static Diagnostic Refused(string yaml, string code, string path = "")
    {
        var r = Read(yaml);
        Assert.Null(r.Spec);
        var d = r.Errors.FirstOrDefault(e => e.Code == code && e.KeyPath.Contains(path, StringComparison.Ordinal));
        Assert.True(d is not null, $"expected {code} at {path}, got:\n{string.Join("\n", r.Diagnostics)}");
        Assert.True(d!.Line > 0 && d.Column > 0);
        return d;
    }

    private static void Accepted(string yaml)
    {
        var r = Read(yaml);
        Assert.True(r.IsValid, string.Join("\n", r.Diagnostics));
    }

    private static string WithWorkers(string workers) => Replace(BareMetal, "workers: [ { name: general } ]", $"workers: [ {{ name: general, {workers} }} ]");

    // --- 10.6: labels and taints by Kubernetes' rules: kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/api/validate/content/kube.go
    // (IsLabelKey, which util/validation/validation.go's IsQualifiedName aliases, and IsLabelValue) ---

    [Theory]
    [Trait("Item", "10.6")]
    [InlineData("tier: \"a --authorization-mode=AlwaysAllow\"")]
    [InlineData("\"a b\": x")]
    [InlineData("\"-tier\": x")]
    [InlineData("\"tier-\": x")]
    [InlineData("\"Example.com/tier\": x")]
    [InlineData("\"/tier\": x")]
    [InlineData("\"a/b/c\": x")]
    [InlineData("\"example.com/\": x")]
    [InlineData("tier: \"x,y=z\"")]
    [InlineData("tier: \"-x\"")]
    [InlineData("tier: \"é\"")]
    [InlineData("tier: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: x")]
    public void Labels_OutsideKubernetesRules_Refused(string label) =>
        Refused(WithWorkers($"labels: {{ {label} }}"), Codes.InvalidLabel, "workers[0].labels");

    [Fact]
    [Trait("Item", "10.6")]
    public void Labels_WithinKubernetesRules_Accepted() =>
        Accepted(WithWorkers("labels: { example.com/tier: web, My_Key.x: \"\", a: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa }"));

    [Theory]
    [Trait("Item", "10.6")]
    [InlineData("tier=a --authorization-mode=AlwaysAllow:NoSchedule")]
    [InlineData("tier=a b:NoSchedule")]
    [InlineData("-x:NoSchedule")]
    [InlineData("x=-a:NoSchedule")]
    [InlineData("x:Evict")]
    [InlineData("x=y")]
    [InlineData("a/b/c:NoSchedule")]
    public void Taints_OutsideKubernetesRules_Refused(string taint) =>
        Refused(WithWorkers($"taints: [ \"{taint}\" ]"), Codes.MalformedTaint, "workers[0].taints[0]");

    /// <summary>kubernetes/kubernetes validateNodeTaints: key by ValidateLabelName, value by IsValidLabelValue, unique per (key, effect).</summary>
    [Fact]
    [Trait("Item", "10.6")]
    public void Taints_SameKeyAndEffectTwice_Refused() =>
        Refused(WithWorkers("taints: [ \"a=x:NoSchedule\", \"a=y:NoSchedule\" ]"), Codes.MalformedTaint, "workers[0].taints[1]");

    [Fact]
    [Trait("Item", "10.6")]
    public void Taints_WithinKubernetesRules_Accepted() =>
        Accepted(WithWorkers("taints: [ \"dedicated=gpu:NoSchedule\", \"example.com/spot:PreferNoSchedule\", \"x=:NoExecute\" ]"));

    // --- 10.7: ssh.adminPublicKey is exactly one well-formed OpenSSH key line; RSA at least openssh-portable ssh-keygen.c's DEFAULT_BITS (3072) ---

    private const string Ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHVkXzZ2Jq1nK6o1nX0yS0m7bQ0bYbq0Qm3zRk2kQ7Yd";

    private static string WithAdminKey(string key) =>
        Replace(Aws, $"adminPublicKey: \"{Ed25519} admin\"", $"adminPublicKey: \"{key}\"");

    private static string SshString(byte[] b) => Convert.ToHexString(BitConverter.GetBytes(BinaryPrimitivesReverse(b.Length))) + Convert.ToHexString(b);
    private static int BinaryPrimitivesReverse(int n) => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(n);

    private static string Blob(params byte[][] parts) =>
        Convert.ToBase64String(Convert.FromHexString(string.Concat(parts.Select(SshString))));

    private static string RsaKey(int bits)
    {
        using var rsa = RSA.Create(bits);
        var p = rsa.ExportParameters(false);
        static byte[] Mpint(byte[] v) => v[0] >= 0x80 ? [0, .. v] : v;
        return $"ssh-rsa {Blob(Encoding.ASCII.GetBytes("ssh-rsa"), Mpint(p.Exponent!), Mpint(p.Modulus!))} rsa@test";
    }

    private static string EcdsaKey()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = ec.ExportParameters(false).Q;
        return $"ecdsa-sha2-nistp256 {Blob(Encoding.ASCII.GetBytes("ecdsa-sha2-nistp256"), Encoding.ASCII.GetBytes("nistp256"), [4, .. q.X!, .. q.Y!])}";
    }

    [Theory]
    [Trait("Item", "10.7")]
    [InlineData(Ed25519 + " a\\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGmUcqRYyHW4ks0YsKDt0kSRDNhXX9Pmd2OyPGPrfrdM b")]
    [InlineData(Ed25519 + "\\r")]
    [InlineData("command=\\\"/bin/sh\\\" " + Ed25519)]
    [InlineData("ssh-dss AAAAB3NzaC1kc3MAAACBAP")]
    [InlineData("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIHVkXzZ2Jq1nK6o1nX0yS0m7bQ0bYbq0Qm3zRk2kQ7Yd")]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHVkXzZ2Jq1nK6o1nX0yS0m7bQ0bYbq0Qm3zRk2k")]
    [InlineData("ssh-ed25519 not-base64!")]
    [InlineData(Ed25519 + " comment\\u0007bell")]
    [InlineData(Ed25519 + " comment\\u202eevil")]
    [InlineData("ssh-ed25519")]
    public void AdminPublicKey_NotExactlyOneWellFormedKey_Refused(string key) =>
        Refused(WithAdminKey(key), Codes.MalformedPublicKey, "ssh.adminPublicKey");

    [Fact]
    [Trait("Item", "10.7")]
    public void AdminPublicKey_Rsa2048_RefusedAsTooSmall()
    {
        var d = Refused(WithAdminKey(RsaKey(2048)), Codes.MalformedPublicKey, "ssh.adminPublicKey");
        Assert.Contains("3072", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.7")]
    public void AdminPublicKey_WellFormedKeysOfEachFamily_Accepted()
    {
        Accepted(WithAdminKey(Ed25519 + " admin@example.com"));
        Accepted(WithAdminKey(RsaKey(3072)));
        Accepted(WithAdminKey(EcdsaKey()));
    }

    // --- 10.8: canonical addresses only; duplicates compared in canonical form ---

    [Theory]
    [Trait("Item", "10.8")]
    [InlineData("10.0.11")]
    [InlineData("167772171")]
    [InlineData("0x0a00000b")]
    [InlineData("010.0.0.21")]
    [InlineData("10.0.0.256")]
    [InlineData("fe80::1%$(id)")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[fd00::1]")]
    [InlineData("host name")]
    [InlineData("-host")]
    public void HostAddress_NonCanonicalOrNotAnAddress_Refused(string address) =>
        Refused(Replace(BareMetal, "address: 10.0.0.22,", $"address: \"{address}\","), Codes.MalformedAddress, "hosts[2].address");

    [Theory]
    [Trait("Item", "10.8")]
    [InlineData("10.0.11")]
    [InlineData("fe80::1%eth0")]
    [InlineData("node-2.example.com")]
    public void InternalAddress_NotACanonicalIp_Refused(string address) =>
        Refused(Replace(BareMetal, "address: 10.0.0.22,", $"address: 10.0.0.22, internalAddress: \"{address}\","), Codes.MalformedAddress, "hosts[2].internalAddress");

    [Theory]
    [Trait("Item", "10.8")]
    [InlineData("10.0/16")]
    [InlineData("010.0.0.0/16")]
    [InlineData("10.0.0.0/016")]
    public void Cidr_NonCanonicalAddress_Refused(string cidr) =>
        Refused(Replace(BareMetal, "nodeCidr: 10.0.0.0/16", $"nodeCidr: \"{cidr}\""), Codes.MalformedCidr, "network.nodeCidr");

    [Fact]
    [Trait("Item", "10.8")]
    public void HostAddress_SameNameInOtherCase_IsADuplicate()
    {
        var yaml = Replace(BareMetal, "address: 10.0.0.21,", "address: w1.example.com,");
        yaml = Replace(yaml, "address: 10.0.0.22,", "address: W1.Example.COM,");
        Refused(yaml, Codes.DuplicateAddress, "hosts[2].address");
    }

    [Fact]
    [Trait("Item", "10.8")]
    public void InternalAddress_SameAddressTwice_IsADuplicate()
    {
        var yaml = Replace(BareMetal, "address: 10.0.0.21,", "address: w1.example.com, internalAddress: 10.0.0.30,");
        yaml = Replace(yaml, "address: 10.0.0.22,", "address: w2.example.com, internalAddress: 10.0.0.30,");
        Refused(yaml, Codes.DuplicateAddress, "hosts[2].internalAddress");
    }

    [Fact]
    [Trait("Item", "10.8")]
    public void Endpoint_NumericHost_Refused() =>
        Refused(Replace(BareMetal, "endpoint: \"10.0.0.11:6443\"", "endpoint: \"167772171:6443\""), Codes.MalformedEndpoint, "controlPlane.endpoint");

    // --- 10.9: network sizes and families: kubernetes/kubernetes cmd/kube-apiserver/app/options/validation.go (validateClusterIPFlags:
    // at most 20 host bits), cmd/kube-controller-manager (defaultNodeMaskCIDRIPv4 = 24) ---

    [Theory]
    [Trait("Item", "10.9")]
    [InlineData("serviceCidr: 10.96.0.0/12", "serviceCidr: 10.96.0.0/30", "network.serviceCidr")]
    [InlineData("serviceCidr: 10.96.0.0/12", "serviceCidr: 100.0.0.0/8", "network.serviceCidr")]
    [InlineData("serviceCidr: 10.96.0.0/12", "serviceCidr: 10.96.0.0/11", "network.serviceCidr")]
    [InlineData("podCidr: 10.244.0.0/16", "podCidr: 10.244.0.0/25", "network.podCidr")]
    [InlineData("podCidr: 10.244.0.0/16", "podCidr: 10.244.0.0/24", "network.podCidr")]
    public void Network_WrongSize_Refused(string from, string to, string path) =>
        Refused(Replace(BareMetal, from, to), Codes.NetworkSize, path);

    [Fact]
    [Trait("Item", "10.9")]
    public void Network_LargestAndSmallestAllowedSizes_Accepted()
    {
        Accepted(Replace(Replace(BareMetal, "serviceCidr: 10.96.0.0/12", "serviceCidr: 10.96.0.0/28"), "podCidr: 10.244.0.0/16", "podCidr: 10.244.0.0/22"));
        Accepted(Replace(BareMetal, "serviceCidr: 10.96.0.0/12", "serviceCidr: 10.112.0.0/12"));
    }

    [Theory]
    [Trait("Item", "10.9")]
    [InlineData("podCidr: 10.244.0.0/16", "podCidr: \"fd00:10:244::/56\"", "network.podCidr")]
    [InlineData("serviceCidr: 10.96.0.0/12", "serviceCidr: \"fd00:10:96::/112\"", "network.serviceCidr")]
    [InlineData("nodeCidr: 10.0.0.0/16", "nodeCidr: \"fd00::/64\"", "network.nodeCidr")]
    public void Network_Ipv6OrMixedFamilies_RefusedAsUnsupported(string from, string to, string path)
    {
        var d = Refused(Replace(BareMetal, from, to), Codes.UnsupportedIpFamily, path);
        Assert.Contains("IPv4", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.9")]
    public void Host_OutsideNodeCidr_Refused() =>
        Refused(Replace(BareMetal, "address: 10.0.0.22,", "address: 192.168.7.22,"), Codes.AddressOutsideNetwork, "hosts[2].address");

    [Fact]
    [Trait("Item", "10.9")]
    public void Host_InternalAddressOutsideNodeCidr_Refused() =>
        Refused(Replace(BareMetal, "address: 10.0.0.22,", "address: 203.0.113.22, internalAddress: 10.1.0.22,"), Codes.AddressOutsideNetwork, "hosts[2].internalAddress");

    [Fact]
    [Trait("Item", "10.9")]
    public void KubeVipAddress_OutsideNodeCidr_Refused()
    {
        var yaml = Replace(BareMetal, "controlPlane: { endpoint: \"10.0.0.11:6443\" }", "controlPlane: { endpoint: \"10.9.0.5:6443\", loadBalancer: kube-vip }");
        Refused(yaml, Codes.AddressOutsideNetwork, "controlPlane.endpoint");
    }

    // --- 10.10: what validate calls valid, plan can build; sane bounds ---

    [Fact]
    [Trait("Item", "10.10")]
    public void Hosts_EmptyList_Refused() =>
        Refused(BareMetal[..BareMetal.IndexOf("    hosts:", StringComparison.Ordinal)] + "    hosts: []\n", Codes.NoControlPlane, "hosts");

    [Fact]
    [Trait("Item", "10.10")]
    public void Version_Zero_Refused() =>
        Refused(Replace(BareMetal, "version: \"1.36.1\"", "version: \"0.0.0\""), Codes.UnsupportedVersion, "kubernetes.version");

    [Fact]
    [Trait("Item", "10.10")]
    public void CloudAdminUser_Root_Refused() =>
        Refused(Replace(Aws, "ssh: {", "ssh: { adminUser: root,"), Codes.InvalidValue, "ssh.adminUser");

    [Theory]
    [Trait("Item", "10.10")]
    [InlineData("workers: [ { name: general, count: 3, size: m6i.xlarge } ]", "workers: [ { name: general, count: 1000000001, size: m6i.xlarge } ]", "workers[0].count")]
    [InlineData("controlPlane: { count: 3,", "controlPlane: { count: 11,", "controlPlane.count")]
    [InlineData("size: m6i.xlarge }", "size: m6i.xlarge, diskGb: 0 }", "workers[0].diskGb")]
    [InlineData("size: m6i.xlarge }", "size: m6i.xlarge, diskGb: 1000000 }", "workers[0].diskGb")]
    [InlineData("ssh: {", "ssh: { connectTimeoutSeconds: 2147483647,", "ssh.connectTimeoutSeconds")]
    [InlineData("ssh: {", "ssh: { commandTimeoutSeconds: 0,", "ssh.commandTimeoutSeconds")]
    public void Bounds_Exceeded_Refused(string from, string to, string path) =>
        Refused(Replace(Aws, from, to), Codes.OutOfBounds, path);

    [Fact]
    [Trait("Item", "10.10")]
    public void Bounds_ManyPoolsAddUpPastTheNodeLimit_Refused()
    {
        var pools = string.Join(", ", Enumerable.Range(1, 6).Select(i => $"{{ name: p{i}, count: 1000, size: m6i.xlarge }}"));
        var yaml = Replace(Aws, "workers: [ { name: general, count: 3, size: m6i.xlarge } ]", $"workers: [ {pools} ]");
        yaml = Replace(yaml, "network: { adminCidrs", "network: { podCidr: 10.128.0.0/9, adminCidrs");
        Refused(yaml, Codes.OutOfBounds, "workers");
    }

    [Fact]
    [Trait("Item", "10.10")]
    public void Scalar_50MB_RefusedQuicklyWithoutEchoingIt()
    {
        var huge = new string('a', 50 * 1024 * 1024);
        var watch = Stopwatch.StartNew();
        var r = Read(Replace(BareMetal, "name: dev", $"name: {huge}"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        var d = Assert.Single(r.Errors);
        Assert.Equal(Codes.OutOfBounds, d.Code);
        Assert.True(d.ToString().Length < 300, d.ToString()[..Math.Min(300, d.ToString().Length)]);
    }

    [Fact]
    [Trait("Item", "10.10")]
    public void Scalar_LongerThanTheBound_RefusedWithItsLengthOnly()
    {
        var r = Read(Replace(BareMetal, "name: dev", $"name: {new string('a', Limits.MaxScalarLength + 1)}"));
        var d = Assert.Single(r.Errors);
        Assert.Equal(Codes.OutOfBounds, d.Code);
        Assert.Equal("infra:cluster.name", d.KeyPath);
        Assert.DoesNotContain("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.10")]
    public void WrongTypeOrUnknownValue_LongValueIsShortenedInTheMessage()
    {
        var r = Read(Replace(BareMetal, "target: baremetal", $"target: {new string('x', 3000)}"));
        Assert.All(r.Diagnostics, d => Assert.True(d.ToString().Length < 300, d.ToString()));
    }

    // --- 10.11: malformed YAML is INF001 with line, column and words; no crash on deep nesting ---

    [Fact]
    [Trait("Item", "10.11")]
    public void DeepNesting_40000Brackets_Inf001NotACrash()
    {
        var r = Read(new string('[', 40000));
        var d = Assert.Single(r.Errors);
        Assert.Equal(Codes.YamlSyntax, d.Code);
        Assert.Equal(1, d.Line);
        Assert.Contains("nested deeper", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.11")]
    public void DeepNesting_InInventory_Inf001NotACrash()
    {
        var (hosts, diagnostics) = StackReader.ReadInventory("inventory.json", "{\"hosts\": " + new string('[', 40000));
        Assert.Null(hosts);
        Assert.Equal(Codes.YamlSyntax, Assert.Single(diagnostics).Code);
    }

    [Fact]
    [Trait("Item", "10.11")]
    public void FileLargerThanTheBound_RefusedBeforeParsing()
    {
        var r = Read("config: {}\n" + new string('#', Limits.MaxFileBytes));
        Assert.Equal(Codes.OutOfBounds, Assert.Single(r.Errors).Code);
    }

    [Theory]
    [Trait("Item", "10.11")]
    [InlineData("config: { infra:cluster: { name: dev", 1)]
    [InlineData("config:\n  infra:cluster: [ a, b\n", 2)]
    [InlineData("config:\n  infra:cluster:\n    name: \"dev\n", 3)]
    [InlineData("config:\n  infra:cluster:\n    name: dev\n   target: baremetal\n", 4)]
    [InlineData("config:\n  infra:cluster:\n    name: dev\n      target: baremetal\n", 4)]
    [InlineData("config:\n  infra:cluster:\n    name: dev\n    name: other\n", 4)]
    [InlineData("config:\n  infra:cluster:\n    hosts:\n      - a\n     - b\n", 5)]
    public void MalformedYaml_Inf001AtTheRightLineInWords(string yaml, int line)
    {
        var r = Read(yaml);
        var d = Assert.Single(r.Errors);
        Assert.Equal(Codes.YamlSyntax, d.Code);
        Assert.Equal(line, d.Line);
        Assert.DoesNotContain("Operation is not valid", d.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.11")]
    public void MalformedYaml_UnclosedBrace_ReportedWhereItOpens()
    {
        var d = Assert.Single(Read("config:\n  infra:cluster: { name: dev,\n    target: baremetal\n\nx: 1\n").Errors);
        Assert.Equal((2, 18), (d.Line, d.Column));
        Assert.Contains("never closed", d.Message, StringComparison.Ordinal);
    }

    // --- 10.12: with a wrong target, target-independent problems are still reported ---

    [Fact]
    [Trait("Item", "10.12")]
    public void UnknownTarget_TargetIndependentProblemsStillReported()
    {
        var yaml = Replace(BareMetal, "target: baremetal", "target: bare-metal");
        yaml = Replace(yaml, "name: w-2,", "name: w-1,");
        yaml = Replace(yaml, "roles: [worker], pool: general", "roles: [control-plane]");
        yaml = Replace(yaml, "serviceCidr: 10.96.0.0/12", "serviceCidr: 10.244.0.0/16");
        var codes = Read(yaml).Errors.Select(d => d.Code).ToHashSet();
        Assert.Contains(Codes.InvalidValue, codes);
        Assert.Contains(Codes.DuplicateHostName, codes);
        Assert.Contains(Codes.EvenControlPlanes, codes);
        Assert.Contains(Codes.OverlappingCidrs, codes);
    }

    // --- 10.17: free-text fields have strict forms ---

    [Theory]
    [Trait("Item", "10.17")]
    [InlineData("root;id")]
    [InlineData("-oProxyCommand=id")]
    [InlineData("a\\nb")]
    [InlineData("Admin")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("")]
    public void HostUser_NotAPortableUserName_Refused(string user) =>
        Refused(Replace(BareMetal, "address: 10.0.0.22,", $"address: 10.0.0.22, user: \"{user}\","), Codes.InvalidText, "hosts[2].user");

    [Fact]
    [Trait("Item", "10.17")]
    public void HostUser_PortableName_Accepted() =>
        Accepted(Replace(BareMetal, "address: 10.0.0.22,", "address: 10.0.0.22, user: _deploy-1,"));

    [Fact]
    [Trait("Item", "10.17")]
    public void Bastion_PortAndUserChecked()
    {
        var yaml = Replace(BareMetal, "    hosts:", $"    ssh: {{ bastion: {{ address: bastion.example.com, port: 70000, user: \"a;b\", hostKey: \"{StackReaderTests.Fp1}\" }} }}\n    hosts:");
        Refused(yaml, Codes.OutOfBounds, "ssh.bastion.port");
        Refused(yaml, Codes.InvalidText, "ssh.bastion.user");
    }

    [Theory]
    [Trait("Item", "10.17")]
    [InlineData("cloud: { zones: [ \"eu-west-1a;id\" ] }", "cloud.zones[0]")]
    [InlineData("cloud: { zones: [ \"eu-west-1a\\n\" ] }", "cloud.zones[0]")]
    [InlineData("cloud: { image: \"$(id)\" }", "cloud.image")]
    [InlineData("cloud: { image: \"ami-1/../../x\" }", "cloud.image")]
    [InlineData("controlPlane: { size: \"m6i.large;id\" }", "controlPlane.size")]
    public void CloudText_ShellOrControlCharacters_Refused(string add, string path)
    {
        var yaml = add.StartsWith("controlPlane", StringComparison.Ordinal)
            ? Replace(Aws, "controlPlane: { count: 3, size: m6i.large }", "controlPlane: { count: 3, size: \"m6i.large;id\" }")
            : Replace(Aws, "    ssh:", $"    {add}\n    ssh:");
        Refused(yaml, Codes.InvalidText, path);
    }

    // The plan's image mapping (CloudImages.Override) takes only these forms: validation must refuse what it would.
    [Theory]
    [Trait("Item", "10.10")]
    [InlineData("aws", "zq:b")]
    [InlineData("aws", "ami-0123ABC")]
    [InlineData("azure", "Canonical:ubuntu-24_04-lts:server")]
    [InlineData("azure", "Canonical::server:latest")]
    public void CloudImage_NotInItsTargetsForm_RefusedAtValidation(string target, string image)
    {
        var yaml = Replace(Replace(Aws, "    ssh:", $"    cloud: {{ image: \"{image}\" }}\n    ssh:"), "target: aws", $"target: {target}");
        if (target == "azure") yaml = Replace(yaml, "aws:region: eu-west-1", "azure-native:location: westeurope");
        Refused(yaml, Codes.InvalidText, "cloud.image");
    }

    [Fact]
    [Trait("Item", "10.17")]
    public void CloudText_UsualZonesAndImages_Accepted() =>
        Accepted(Replace(Aws, "    ssh:", "    cloud: { zones: [ eu-west-1a, eu-west-1b ], image: ami-0123456789abcdef0 }\n    ssh:"));

    [Fact]
    [Trait("Item", "10.17")]
    public void ProviderRegion_ShellCharacters_Refused() =>
        Refused(Replace(Aws, "aws:region: eu-west-1", "aws:region: \"eu-west-1$(id)\""), Codes.InvalidText, "config.aws:region");

    // --- 10.5: mirror keys, mirror values and imageRepository ---

    [Theory]
    [Trait("Item", "10.5")]
    [InlineData("\"docker.io:/../../../tmp/x\": mirror.example.com")]
    [InlineData("\"docker.io\\nx\": mirror.example.com")]
    [InlineData("\"docker.io\\\"\": mirror.example.com")]
    [InlineData("\"docker.io/library\": mirror.example.com")]
    [InlineData("\"..\": mirror.example.com")]
    [InlineData("\"docker.io:99999\": mirror.example.com")]
    [InlineData("docker.io: \"mirror.example.com\\\"\\nskip_verify = true\"")]
    [InlineData("docker.io: \"mirror.example.com/../x\"")]
    [InlineData("docker.io: \"http://mirror.example.com\"")]
    [InlineData("docker.io: \"mirror.example.com/Upper\"")]
    [InlineData("docker.io: \"\"")]
    public void Mirrors_NotAHostOrRegistryReference_Refused(string entry) =>
        Refused(Replace(BareMetal, "    hosts:", $"    packages: {{ mirrors: {{ {entry} }} }}\n    hosts:"), Codes.InvalidRegistry, "packages.mirrors");

    [Fact]
    [Trait("Item", "10.5")]
    public void Mirrors_UsualForms_Accepted() =>
        Accepted(Replace(BareMetal, "    hosts:",
            "    packages: { mirrors: { docker.io: \"https://mirror.example.com:5000/docker-hub\", \"registry.k8s.io\": \"10.0.0.5:5000/k8s\", \"10.0.0.6:5000\": mirror.example.com } }\n    hosts:"));

    [Theory]
    [Trait("Item", "10.5")]
    [InlineData("registry.example.com\\\"\\nsandbox_image = \\\"evil")]
    [InlineData("https://registry.example.com")]
    [InlineData("registry.example.com/a b")]
    public void ImageRepository_NotARegistryReference_Refused(string repository) =>
        Refused(Replace(BareMetal, "version: \"1.36.1\"", $"version: \"1.36.1\", imageRepository: \"{repository}\""), Codes.InvalidRegistry, "kubernetes.imageRepository");

    [Fact]
    [Trait("Item", "10.5")]
    public void Bundle_PathWithControlCharacters_Refused() =>
        Refused(Replace(BareMetal, "    hosts:", "    packages: { source: bundle, bundle: \"bundle\\n/etc\" }\n    hosts:"), Codes.InvalidText, "packages.bundle");

    // --- new user: the line 'hosts scan' prints works as a hostKey ---

    [Fact]
    [Trait("Item", "10.new-user")]
    public void HostKey_AsHostsScanPrintsIt_Accepted()
    {
        var r = Read(Replace(BareMetal, $"hostKey: \"{StackReaderTests.Fp2}\"", $"hostKey: \"ssh-ed25519 {StackReaderTests.Fp2}\""));
        Assert.True(r.IsValid, string.Join("\n", r.Diagnostics));
        Assert.Equal(StackReaderTests.Fp2, r.Spec!.Hosts[1].HostKey.Fingerprint);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void HostKey_TwoLines_Refused() =>
        Refused(Replace(BareMetal, $"hostKey: \"{StackReaderTests.Fp2}\"", $"hostKey: \"{Ed25519}\\n{Ed25519}\""), Codes.MalformedHostKey, "hosts[1].hostKey");

}
