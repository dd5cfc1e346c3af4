using Infra.Core.CloudInit;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Spec;
using YamlDotNet.RepresentationModel;

namespace Infra.Core.Tests.NodePrograms;

public class CloudInitTests
{
    private static YamlMappingNode UserData(Target target, string host = "cp-1")
    {
        var spec = Clusters.Cloud(target);
        var (hosts, secrets) = Clusters.Inputs(spec);
        var text = NodeProgramBuilder.Build(spec, hosts, secrets).Single(p => p.Host.Name == host).CloudInit!;
        Assert.StartsWith("#cloud-config\n", text, StringComparison.Ordinal);
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static string Scalar(YamlNode n) => ((YamlScalarNode)n).Value!;

    [Fact]
    public void Gcp_TurnsOffGuestAgentHostKeyGeneration()
    {
        var files = (YamlSequenceNode)UserData(Target.Gcp)["write_files"];
        var f = (YamlMappingNode)Assert.Single(files);
        Assert.Equal("/etc/default/instance_configs.cfg", Scalar(f["path"]));
        Assert.Equal("[InstanceSetup]\nset_host_keys = false\n", Scalar(f["content"]));
    }

    [Theory]
    [InlineData(Target.Aws)]
    [InlineData(Target.Azure)]
    public void OtherClouds_WriteNoFiles(Target target) => Assert.False(UserData(target).Children.ContainsKey("write_files"));

    [Theory]
    [InlineData(Target.Aws)]
    [InlineData(Target.Azure)]
    [InlineData(Target.Gcp)]
    public void EveryCloud_AdminUserKeyAndGeneratedHostKey_ImageKeysDeleted(Target target)
    {
        var root = UserData(target, "general-1");
        var spec = Clusters.Cloud(target);
        var user = (YamlMappingNode)((YamlSequenceNode)root["users"]).Single();
        Assert.Equal("infra", Scalar(user["name"]));
        Assert.Equal(spec.Ssh.AdminPublicKey, Scalar(((YamlSequenceNode)user["ssh_authorized_keys"]).Single()));
        Assert.Equal("true", Scalar(root["ssh_deletekeys"]));
        Assert.Equal("false", Scalar(root["ssh_pwauth"]));
        Assert.Equal("true", Scalar(root["disable_root"]));
        var keys = (YamlMappingNode)root["ssh_keys"];
        var secrets = Clusters.Inputs(spec).Secrets;
        Assert.Equal(secrets.HostKeys["general-1"].PrivateKey, Scalar(keys["ed25519_private"]));
        Assert.Equal(secrets.HostKeys["general-1"].PublicKeyLine, Scalar(keys["ed25519_public"]));
    }

    [Fact]
    public void UserData_HoldsNoSecretBesidesTheHostKey()
    {
        var spec = Clusters.Cloud(Target.Gcp);
        var (hosts, secrets) = Clusters.Inputs(spec);
        var text = NodeProgramBuilder.Build(spec, hosts, secrets)[0].CloudInit!;
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "BEGIN [A-Z ]*PRIVATE KEY"));
        Assert.Contains("BEGIN OPENSSH PRIVATE KEY", text, StringComparison.Ordinal);
        Assert.DoesNotContain(secrets.EncryptionKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN CERTIFICATE", text, StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN PRIVATE KEY", text, StringComparison.Ordinal);
    }

    [Fact]
    public void RootAdminUserOnCloud_Error()
    {
        var spec = Clusters.Cloud(Target.Aws);
        spec = spec with { Ssh = spec.Ssh with { AdminUser = "root" } };
        var (hosts, secrets) = Clusters.Inputs(spec);
        var e = Assert.Throws<NodeProgramException>(() => NodeProgramBuilder.Build(spec, hosts, secrets));
        Assert.All(e.Problems, p => Assert.Contains("non-root ssh.adminUser", p.Reason, StringComparison.Ordinal));
        Assert.Equal(hosts.Count, e.Problems.Count);
    }

    [Fact]
    public void Render_OnlyGcpGetsTheAgentSetting() =>
        Assert.Contains(CloudInitRenderer.GcpInstanceConfigs, NodeProgramBuilder.Build(Clusters.Cloud(Target.Gcp),
            Clusters.Inputs(Clusters.Cloud(Target.Gcp)).Hosts, Clusters.Inputs(Clusters.Cloud(Target.Gcp)).Secrets)[0].CloudInit!, StringComparison.Ordinal);
}

public class GoldenTests
{
    [Theory]
    [InlineData("baremetal-single")]
    [InlineData("baremetal-ha-kube-vip")]
    [InlineData("baremetal-external-etcd")]
    [InlineData("aws-ha")]
    [InlineData("azure-ha")]
    [InlineData("gcp-ha")]
    public void NodePrograms_MatchGolden(string name)
    {
        var spec = Clusters.All().Single(c => c.Name == name).Spec;
        var hosts = HostInventory.Plan(spec);
        var secrets = TestSecrets.Fixture(name, spec, hosts);
        TestPaths.VerifyGolden($"node-programs/{name}.txt", ProgramDump.Render(NodeProgramBuilder.Build(spec, hosts, secrets)));
    }
}
