using Infra.Cli.Tests.Etcd;
using Infra.TestKit;

namespace Infra.Cli.Tests;

public class TestTierMarkingTests
{
    /// <summary>A test that starts hosts without [RealHostFact] fails instead of skipping in a plain `dotnet test` without root.</summary>
    [Fact]
    [Trait("Item", "12.6")]
    public void TestsOnHarnessFixtures_AllCarryTheRealHostTier()
    {
        var unmarked = TestTiers.UnmarkedHostTests(typeof(TestTierMarkingTests).Assembly,
            t => t == typeof(ApplyHosts) || t == typeof(EtcdHostsFixture));
        Assert.True(unmarked.Count == 0, "mark these [RealHostFact] / [RealHostTheory]: " + string.Join(", ", unmarked));
    }
}
