using System.Net.Sockets;
using Infra.Core.Kubeadm;
using Infra.Core.NodePrograms;
using Infra.Core.Shell;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>
/// Issue 11 items 5 and 7: kubeadm's preflight per address family (kubernetes/kubernetes v1.34,
/// cmd/kubeadm/app/preflight/checks.go InitNodeChecks / JoinNodeChecks, checks_linux.go addIPv4Checks / addIPv6Checks).
/// </summary>
public class KubeadmPreflightTests
{
    [Fact]
    [Trait("Item", "11.5")]
    public void ForwardingSysctls_PerFamily_AreKubeadmsFileContentChecks()
    {
        // addIPv4Checks: /proc/sys/net/ipv4/ip_forward = 1; addIPv6Checks: /proc/sys/net/ipv6/conf/default/forwarding = 1.
        Assert.Equal(new Dictionary<string, string> { ["net.ipv4.ip_forward"] = "1" }, KubeadmPreflight.ForwardingSysctls(AddressFamily.InterNetwork));
        Assert.Equal(new Dictionary<string, string> { ["net.ipv6.conf.default.forwarding"] = "1" }, KubeadmPreflight.ForwardingSysctls(AddressFamily.InterNetworkV6));
    }

    [Fact]
    [Trait("Item", "11.5")]
    public void Prepare_Ipv4Cluster_SetsWhatKubeadmPreflightRequires()
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 1, workers: 1);
        Assert.Equal([AddressFamily.InterNetwork], KubeadmPreflight.Families(spec));
        var (hosts, secrets) = Clusters.Inputs(spec);
        foreach (var program in NodeProgramBuilder.Build(spec, hosts, secrets))
        {
            var step = program.Steps.Single(s => s.Id == "prepare.sysctl");
            var file = System.Text.Encoding.UTF8.GetString(step.Files.Single().Content);
            foreach (var (k, v) in KubeadmPreflight.RequiredSysctls(spec))
            {
                Assert.Contains($"\n{k} = {v}\n", file, StringComparison.Ordinal);
                // The check compares SYSCTL_KEYS[i] with SYSCTL_VALUES[i], its readonly inputs (12.4).
                var keys = PrepareSteps.SysctlsFor(spec).Keys.ToList();
                Assert.Contains(new ShellArgs().List("SYSCTL_KEYS", keys).List("SYSCTL_VALUES", PrepareSteps.SysctlsFor(spec).Values).Header(), step.Check!, StringComparison.Ordinal);
                Assert.Equal(v, PrepareSteps.SysctlsFor(spec)[k]);
            }
        }
    }

    [Fact]
    [Trait("Item", "11.5")]
    public void SysctlsFor_Ipv6Networks_AddIpv6DefaultForwarding()
    {
        // Validation refuses IPv6 networks today; the rule is kept so that allowing them cannot forget the sysctl.
        var spec = SampleSpecs.BareMetal(controlPlanes: 1, workers: 1);
        Assert.True(Cidr.TryParse("fd00:10:96::/112", out var service));
        Assert.True(Cidr.TryParse("fd00:10:244::/56", out var pods));
        var v6 = spec with { Network = spec.Network with { ServiceCidr = service!, PodCidr = pods! } };
        Assert.Equal([AddressFamily.InterNetworkV6], KubeadmPreflight.Families(v6));
        Assert.Equal("1", PrepareSteps.SysctlsFor(v6)["net.ipv6.conf.default.forwarding"]);
        Assert.False(PrepareSteps.SysctlsFor(spec).ContainsKey("net.ipv6.conf.default.forwarding"));
    }
}
