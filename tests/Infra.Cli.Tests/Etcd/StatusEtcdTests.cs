using System.Text.Json;
using Infra.TestKit;

namespace Infra.Cli.Tests.Etcd;

/// <summary>Issue 15, <c>infra status</c> with real etcd: three external members (Debian's etcd-server 3.4), one stopped.</summary>
[Collection(EtcdHostsGroup.Name)]
public sealed class StatusEtcdTests(EtcdHostsFixture hosts)
{
    private static JsonElement Etcd(CliRunner.Result r)
    {
        using var doc = JsonDocument.Parse(r.Out);
        return doc.RootElement.GetProperty("health").GetProperty("etcd").Clone();
    }

    [Trait("Item", "15.5")]
    [RealHostFact]
    public async Task Status_RealEtcdMemberDown_EtcdDegradedNamingItExit1_HealthyAgainOnceBack()
    {
        await hosts.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        var before = Etcd(hosts.Infra("status", "--output", "json"));
        Assert.Equal("healthy", before.GetProperty("part").GetProperty("state").GetString());
        Assert.Equal(3, before.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("healthy").GetBoolean()));

        var down = hosts.Members[^1];
        await hosts[down].ExecInsideAsync("systemctl stop etcd.service");
        try
        {
            var r = hosts.Infra("status", "--output", "json");

            Assert.True(r.ExitCode == 1, r.Out + r.Err);
            var etcd = Etcd(r);
            Assert.Equal("degraded", etcd.GetProperty("part").GetProperty("state").GetString());
            Assert.Contains(down, etcd.GetProperty("part").GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.False(etcd.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("name").GetString() == down).GetProperty("healthy").GetBoolean());
        }
        finally
        {
            await hosts[down].ExecInsideAsync("systemctl start etcd.service");
        }
        await hosts.WaitHealthyAsync(TimeSpan.FromSeconds(30));
    }
}
