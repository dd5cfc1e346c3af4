using Xunit.Abstractions;

namespace Infra.Cli.Tests.Etcd;

/// <summary>External etcd against real members (Debian's etcd-server 3.4) on systemd harness hosts.</summary>
[Collection(EtcdHostsGroup.Name)]
public sealed class ExternalEtcdTests(EtcdHostsFixture hosts, ITestOutputHelper output)
{
    [Fact]
    public async Task Apply_ThreeMembers_HealthyOverTlsAndASecondApplyChangesNothing()
    {
        output.WriteLine($"time to a healthy 3-member cluster (apply of prepare and etcd): {hosts.TimeToHealthyCluster.TotalSeconds:0.0} s");
        output.WriteLine(hosts.FirstApply.Err);

        var put = await hosts.EtcdctlAsync(hosts.Members[0], "put /infra/written-over-tls yes");
        Assert.Equal("OK\n", put.Stdout);
        Assert.Equal(hosts.Members.Order(StringComparer.Ordinal), await hosts.MemberNamesAsync(hosts.Members[1]));

        var again = hosts.ApplyMembers();
        Assert.True(again.ExitCode == 0, again.Out + again.Err);
        Assert.Contains("nothing to do", again.Out, StringComparison.Ordinal);
    }
}

[CollectionDefinition(Name)]
public sealed class EtcdHostsGroup : ICollectionFixture<EtcdHostsFixture>
{
    public const string Name = "external etcd hosts";
}
