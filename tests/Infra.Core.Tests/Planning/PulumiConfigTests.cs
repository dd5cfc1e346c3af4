using Infra.Core.Planning;

namespace Infra.Core.Tests.Planning;

public class PulumiConfigTests
{
    private const string BareMetal = """
        {"name": "unit", "target": "baremetal", "kubernetes": {"version": "1.36.1"},
         "controlPlane": {"count": 1, "endpoint": "10.0.0.11:6443", "loadBalancer": "external"},
         "workers": [{"name": "general", "count": 0}],
         "network": {"podCidr": "10.244.0.0/16", "serviceCidr": "10.96.0.0/12", "cni": "calico"},
         "etcd": {"topology": "stacked"},
         "hosts": [{"name": "cp-1", "address": "10.0.0.11", "hostKey": "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "roles": ["control-plane"]}]}
        """;

    [Fact]
    public void Read_EngineConfig_ValidatedByCoresReader()
    {
        var r = PulumiConfig.Read(BareMetal, new Dictionary<string, string>());

        Assert.True(r.IsValid, string.Join("\n", r.Diagnostics));
        Assert.Equal("unit", r.Spec!.Name);
        Assert.Equal("cp-1", Assert.Single(r.Spec.Hosts).Name);
    }

    [Fact]
    public void Read_BadValue_ErrorWithKeyPath()
    {
        var r = PulumiConfig.Read(BareMetal.Replace("10.244.0.0/16", "10.96.0.0/16", StringComparison.Ordinal), new Dictionary<string, string>());

        Assert.False(r.IsValid);
        Assert.Contains(r.Errors, d => d.ToString().Contains("(infra:cluster.network.serviceCidr)", StringComparison.Ordinal) && d.ToString().StartsWith(PulumiConfig.Source, StringComparison.Ordinal));
    }

    [Fact]
    public void Document_FormattingAndKeyOrder_SameText()
    {
        var a = PulumiConfig.Document("{\"name\":\"x\",\"target\":\"aws\"}", new Dictionary<string, string> { ["gcp:region"] = "r", ["aws:region"] = "eu-west-1" });
        var b = PulumiConfig.Document("{ \"name\": \"x\",\n  \"target\": \"aws\" }", new Dictionary<string, string> { ["aws:region"] = "eu-west-1", ["gcp:region"] = "r" });

        Assert.Equal(a, b);
        Assert.Equal("config:\n  infra:cluster: {\"name\":\"x\",\"target\":\"aws\"}\n  aws:region: \"eu-west-1\"\n  gcp:region: \"r\"\n", a);
    }

    [Fact]
    public void Read_MalformedJson_ReportedNotThrown()
    {
        var r = PulumiConfig.Read("{\"name\": ", new Dictionary<string, string>());

        Assert.False(r.IsValid);
        Assert.NotEmpty(r.Errors);
    }
}
