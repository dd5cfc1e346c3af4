using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Spec;

/// <summary>One table of the stack's spellings, used both to read and to write (issue 12's "enum-name table" finding).</summary>
public class SpecNamesTests
{
    [Fact]
    [Trait("Item", "12.3")]
    public void Name_EveryValueOfEveryChoice_HasOneNameThatReadsBackToIt()
    {
        AssertRoundTrip(SpecNames.Targets, v => v.Name());
        AssertRoundTrip(SpecNames.Topologies, v => v.Name());
        AssertRoundTrip(SpecNames.LoadBalancers, v => v.Name());
        AssertRoundTrip(SpecNames.Sources, v => v.Name());
        AssertRoundTrip(SpecNames.Cnis, v => v.Name());
        AssertRoundTrip(SpecNames.Ingresses, v => v.Name());
        AssertRoundTrip(SpecNames.Storages, v => v.Name());
        AssertRoundTrip(SpecNames.OsNames, v => v.Name());
    }

    [Fact]
    [Trait("Item", "12.3")]
    public void Name_ValuesWhoseEnumNameDiffers_AreShownAsTheStackSpellsThem()
    {
        // Before the one table, plan printed "kubevip" and Pulumi's versions output said "Debian12".
        Assert.Equal("kube-vip", LoadBalancerKind.KubeVip.Name());
        Assert.Equal("debian-12", OsFamily.Debian12.Name());
        Assert.Equal("envoy-gateway", IngressKind.EnvoyGateway.Name());
        Assert.Equal("local-path", StorageKind.LocalPath.Name());
    }

    [Fact]
    [Trait("Item", "12.3")]
    public void PlanJson_OsOfAPlan_IsTheStacksSpelling()
    {
        var json = PlanJson.Render(ClusterPlanner.Plan(SampleSpecs.BareMetal()));
        Assert.Contains("\"os\": \"debian-12\"", json, StringComparison.Ordinal);
    }

    private static void AssertRoundTrip<T>(Dictionary<string, T> table, Func<T, string> name) where T : struct, Enum
    {
        foreach (var value in Enum.GetValues<T>())
        {
            var written = name(value);
            Assert.Equal(value, table[written]);
        }
        Assert.Equal(Enum.GetValues<T>().Length, table.Count);
    }
}
