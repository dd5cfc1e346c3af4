using Infra.Core.Infrastructure;
using Infra.Core.Spec;

namespace Infra.Core.Tests.Infrastructure;

public class CloudSizesTests
{
    [Theory]
    [InlineData(Target.Aws, "t3.micro", 2, 1024)]
    [InlineData(Target.Aws, "t3.large", 2, 8192)]
    [InlineData(Target.Aws, "t2.micro", 1, 1024)]
    [InlineData(Target.Aws, "m6i.xlarge", 4, 16384)]
    [InlineData(Target.Aws, "c6i.large", 2, 4096)]
    [InlineData(Target.Aws, "r6i.large", 2, 16384)]
    [InlineData(Target.Aws, "m7i.2xlarge", 8, 32768)]
    [InlineData(Target.Gcp, "e2-standard-2", 2, 8192)]
    [InlineData(Target.Gcp, "e2-small", 2, 2048)]
    [InlineData(Target.Gcp, "e2-highcpu-2", 2, 2048)]
    [InlineData(Target.Gcp, "n4-highcpu-2", 2, 4096)]
    [InlineData(Target.Gcp, "n1-standard-1", 1, 3840)]
    [InlineData(Target.Gcp, "n2-highmem-4", 4, 32768)]
    [InlineData(Target.Azure, "Standard_B1s", 1, 1024)]
    [InlineData(Target.Azure, "Standard_B2s", 2, 4096)]
    [InlineData(Target.Azure, "Standard_D2s_v5", 2, 8192)]
    [InlineData(Target.Azure, "standard_d2s_v5", 2, 8192)]
    [InlineData(Target.Azure, "Standard_E4s_v5", 4, 32768)]
    [InlineData(Target.Azure, "Standard_F2s_v2", 2, 4096)]
    public void TryGet_KnownSize_CpusAndMemory(Target target, string size, int cpus, int memoryMb)
    {
        Assert.True(CloudSizes.TryGet(target, size, out var c, out var m));
        Assert.Equal((cpus, memoryMb), (c, m));
    }

    [Theory]
    [InlineData(Target.Aws, "t3.huge")]
    [InlineData(Target.Aws, "e2-standard-2")]
    [InlineData(Target.Gcp, "t3.large")]
    [InlineData(Target.Azure, "Standard_Q2s_v9")]
    [InlineData(Target.Baremetal, "t3.large")]
    public void TryGet_UnknownSize_False(Target target, string size)
    {
        Assert.False(CloudSizes.TryGet(target, size, out var c, out var m));
        Assert.Equal((0, 0), (c, m));
    }

    [Theory]
    [InlineData(Target.Aws, "t3.small", true)]
    [InlineData(Target.Aws, "t3.nano", false)]
    [InlineData(Target.Aws, "t3.micro", false)]
    [InlineData(Target.Aws, "t2.medium", true)]
    [InlineData(Target.Gcp, "e2-small", true)]
    [InlineData(Target.Gcp, "g1-small", false)]
    [InlineData(Target.Azure, "Standard_B1ms", false)]
    [InlineData(Target.Azure, "Standard_B2s", true)]
    public void TryGet_Size_MeetsKubeadmMinimumAsPublished(Target target, string size, bool meets)
    {
        Assert.True(CloudSizes.TryGet(target, size, out var cpus, out var mem));
        Assert.Equal(meets, cpus >= CloudSizes.MinimumCpus && mem >= CloudSizes.MinimumMemoryMb);
    }

    [Theory]
    [InlineData(Target.Aws)]
    [InlineData(Target.Gcp)]
    [InlineData(Target.Azure)]
    public void Known_EveryCloud_ManySizesAllPositive(Target target)
    {
        var known = CloudSizes.Known(target);

        Assert.True(known.Count > 40, $"{target}: {known.Count} sizes");
        Assert.All(known, s =>
        {
            Assert.True(CloudSizes.TryGet(target, s, out var c, out var m));
            Assert.True(c > 0 && m > 0);
        });
    }
}
