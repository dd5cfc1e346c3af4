using Infra.Core.Diagnostics;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Spec;

/// <summary>Stack files with external etcd: what is accepted and what is refused before any host is touched.</summary>
public class ExternalEtcdStackTests
{
    private static string Stack(params string[] etcdHosts) =>
        StackReaderTests.BareMetal.Replace("workers:", "etcd: { topology: external }\n    workers:", StringComparison.Ordinal)
        + string.Concat(etcdHosts.Select(h => "\n      - " + h));

    private static string Member(int i, bool address = true) =>
        $"{{ name: etcd-{i}, {(address ? $"address: 10.0.0.{50 + i}, " : "")}hostKey: \"{SampleSpecs.DummyFingerprint}\", roles: [etcd] }}";

    [Fact]
    public void Read_ThreeEtcdHosts_AcceptedAsExternalMembers()
    {
        var r = StackFile.Read("stack.yaml", Stack(Member(1), Member(2), Member(3)));

        Assert.True(r.IsValid, string.Join("\n", r.Diagnostics));
        Assert.Equal(EtcdTopology.External, r.Spec!.Etcd.Topology);
        Assert.Equal(["etcd-1", "etcd-2", "etcd-3"], r.Spec.Hosts.Where(h => h.Has(Roles.Etcd)).Select(h => h.Name));
    }

    [Fact]
    public void Read_EtcdMemberWithoutAddress_RefusedNamingTheHostEntry()
    {
        var r = StackFile.Read("stack.yaml", Stack(Member(1), Member(2, address: false), Member(3)));

        Assert.Null(r.Spec);
        var d = Assert.Single(r.Errors);
        Assert.Equal(Codes.MissingKey, d.Code);
        Assert.Contains("missing required key 'address'", d.Message, StringComparison.Ordinal);
        Assert.Equal("infra:cluster.hosts[4]", d.KeyPath);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Read_EvenNumberOfEtcdHosts_Refused(int count)
    {
        var r = StackFile.Read("stack.yaml", Stack([.. Enumerable.Range(1, count).Select(i => Member(i))]));

        var d = Assert.Single(r.Errors);
        Assert.Equal(Codes.EtcdMembers, d.Code);
        Assert.Contains($"{count} etcd members: an etcd cluster has 1, 3, 5 or 7 members", d.Message, StringComparison.Ordinal);
    }
}
