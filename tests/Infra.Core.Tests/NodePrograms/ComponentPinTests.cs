using Infra.Core.NodePrograms;
using Infra.Core.Spec;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>Issue 11 item 8: the node pins and the containerd rule per Kubernetes minor (sources in docs/upstream.md).</summary>
public class ComponentPinTests
{
    [Theory]
    [Trait("Item", "11.8")]
    [InlineData(34)]
    [InlineData(35)]
    [InlineData(36)]
    public void For_MinorThroughOneThirtySix_AcceptsContainerdOne(int minor)
    {
        // kubernetes/kubernetes#136846: the kubelet's cgroupDriver fallback (what containerd 1.x needs) stays through 1.36;
        // kubernetes/kubeadm#3229: 1.36 is the last minor that supports containerd 1.y.
        var v = ComponentVersions.For(new KubernetesVersion(1, minor, 0))!;
        Assert.Equal("1.6.0", v.MinimumContainerd);
    }

    [Fact]
    [Trait("Item", "11.8")]
    public void For_SupportedMinors_PinContainerdTwoTwoOne()
    {
        // containerd/containerd releases/v2.2.1.toml (the release exists upstream).
        foreach (var minor in ComponentVersions.SupportedMinors)
        {
            Assert.Equal("2.2.1", ComponentVersions.For(new KubernetesVersion(1, minor, 0))!.Containerd);
        }
    }
}
