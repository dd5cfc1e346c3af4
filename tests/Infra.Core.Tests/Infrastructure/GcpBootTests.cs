using Infra.Core.CloudInit;
using Infra.Core.Diagnostics;
using Infra.Core.Infrastructure;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Core.Tests.NodePrograms;
using Infra.TestKit;

namespace Infra.Core.Tests.Infrastructure;

/// <summary>
/// Issue 11 item 4: Google's Debian 12 images (debian-cloud) have no cloud-init, so GCP VMs boot Canonical's images
/// (ubuntu-os-cloud), whose cloud-init GCE datasource reads the instance's user-data metadata
/// (canonical/cloud-init, doc/rtd/reference/datasources/gce.rst); the guest agent's own host keys stay off.
/// </summary>
public class GcpBootTests
{
    private const string Gcp = """
        config:
          gcp:project: example
          gcp:region: europe-west1
          infra:cluster:
            name: prod
            target: gcp
            kubernetes: { version: "1.36.1" }
            controlPlane: { count: 1, size: e2-standard-4 }
            workers: [ { name: general, count: 1, size: e2-standard-4 } ]
            network: { adminCidrs: [203.0.113.0/24] }
            ssh: { adminPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHVkXzZ2Jq1nK6o1nX0yS0m7bQ0bYbq0Qm3zRk2kQ7Yd admin" }
        """;

    [Fact]
    [Trait("Item", "11.4")]
    public void Read_GcpWithoutOs_BootsUbuntu2404FromCanonicalsImageFamily()
    {
        var r = StackFile.Read("stack.yaml", Gcp);
        Assert.True(r.Spec is not null, string.Join("\n", r.Diagnostics));
        Assert.Equal(OsFamily.Ubuntu2404, r.Spec!.Os);
        var plan = CloudPlanner.Plan(r.Spec, HostInventory.Plan(r.Spec));
        Assert.All(plan.Vms, v => Assert.Equal("ubuntu-os-cloud/ubuntu-2404-lts-amd64", v.Image.Reference));
    }

    [Fact]
    [Trait("Item", "11.4")]
    public void Read_GcpDebian12WithoutImage_RefusedAtOs()
    {
        var yaml = Gcp.Replace("    target: gcp\n", "    target: gcp\n    os: debian-12\n", StringComparison.Ordinal);
        var r = StackFile.Read("stack.yaml", yaml);
        Assert.Null(r.Spec);
        var d = Assert.Single(r.Errors);
        Assert.Equal(Codes.NoCloudInitImage, d.Code);
        Assert.Equal("infra:cluster.os", d.KeyPath);
        Assert.Equal(7, d.Line);
        Assert.Contains("has no cloud-init", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "11.4")]
    public void Read_GcpDebian12WithOwnImage_Accepted()
    {
        var yaml = Gcp.Replace("    target: gcp\n", "    target: gcp\n    os: debian-12\n    cloud: { image: my-project/debian-12-cloud-init }\n", StringComparison.Ordinal);
        var r = StackFile.Read("stack.yaml", yaml);
        Assert.True(r.Spec is not null, string.Join("\n", r.Diagnostics));
    }

    [Fact]
    [Trait("Item", "11.4")]
    public void DefaultImageAppliesUserData_OnlyGoogleDebianLacksCloudInit()
    {
        foreach (var target in new[] { Target.Aws, Target.Azure, Target.Gcp })
        {
            foreach (var os in Enum.GetValues<OsFamily>())
            {
                Assert.Equal(!(target == Target.Gcp && os == OsFamily.Debian12), CloudImages.DefaultImageAppliesUserData(target, os));
            }
            Assert.True(CloudImages.DefaultImageAppliesUserData(target, OsDefaults.DefaultOs(target)));
        }
    }

    [Fact]
    [Trait("Item", "11.4")]
    public void Plan_Gcp_MetadataKeysForCloudInitAndNothingThatReplacesTheHostKey()
    {
        var spec = SampleSpecs.Cloud(Target.Gcp);
        var plan = CloudPlanner.Plan(spec, HostInventory.Plan(spec));
        // Only the instance's own keys: no project-wide ssh-keys, no OS Login rewriting sshd_config.
        Assert.Equal("TRUE", plan.Gcp!.Metadata["block-project-ssh-keys"]);
        Assert.Equal("FALSE", plan.Gcp.Metadata["enable-oslogin"]);
        Assert.DoesNotContain("startup-script", plan.Gcp.Metadata.Keys);
        Assert.DoesNotContain("user-data", plan.Gcp.Metadata.Keys);
        // The user data (cloud-init) turns the guest agent's first-boot host key generation off.
        var (hosts, secrets) = Clusters.Inputs(spec);
        var userData = CloudInitRenderer.Render(spec, hosts[0], secrets.HostKeys[hosts[0].Name], KeptSecrets.AdminPublicKeyFor(spec, secrets)!);
        Assert.Contains(CloudInitRenderer.GcpInstanceConfigs, userData, StringComparison.Ordinal);
        Assert.Contains("set_host_keys = false", userData, StringComparison.Ordinal);
    }
}
