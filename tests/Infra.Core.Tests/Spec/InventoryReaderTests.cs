using Infra.Core.Diagnostics;
using Infra.Core.Infrastructure;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Spec;

public class InventoryReaderTests
{
    [Fact]
    public void ReadInventory_WithEndpoint_ReadsHostsAndEndpoint()
    {
        var hosts = SampleSpecs.BareMetal().Hosts;
        var json = CloudInventory.ToJson(hosts, "lb.example.com:6443");
        var (read, endpoint, diagnostics) = StackReader.ReadInventoryWithEndpoint("inventory.json", json);
        Assert.Empty(diagnostics);
        Assert.Equal(hosts.Select(h => h.Name), read!.Select(h => h.Name));
        Assert.Equal("lb.example.com:6443", endpoint!.ToString());
    }

    [Fact]
    public void ReadInventory_BadEndpointAndDuplicateHost_EachReportedWithPosition()
    {
        var json = """
            {
              "endpoint": "lb:notaport",
              "hosts": [
                { "name": "a", "address": "10.0.0.1", "user": "root", "hostKey": "SHA256:0mJXpHs1N8sBMt7J/Vj3u8xY0rbHtKXnKkQWz6TbGvU", "roles": ["control-plane"] },
                { "name": "a", "address": "10.0.0.2", "user": "root", "hostKey": "SHA256:0mJXpHs1N8sBMt7J/Vj3u8xY0rbHtKXnKkQWz6TbGvU", "roles": ["worker"] }
              ]
            }
            """;
        var (hosts, _, diagnostics) = StackReader.ReadInventoryWithEndpoint("inv.json", json);
        Assert.Null(hosts);
        Assert.Contains(diagnostics, d => d.Code == Codes.MalformedEndpoint && d.Line == 2);
        Assert.Contains(diagnostics, d => d.Code == Codes.DuplicateHostName && d.KeyPath == "hosts[1].name");
    }

    [Fact]
    public void ReadInventory_HostWithoutKey_Rejected()
    {
        var (hosts, diagnostics) = StackReader.ReadInventory("inv.json", """{"hosts": [{"name": "a", "address": "10.0.0.1", "roles": ["worker"]}]}""");
        Assert.Null(hosts);
        Assert.Contains(diagnostics, d => d.Code == Codes.MissingHostKey);
    }
}
