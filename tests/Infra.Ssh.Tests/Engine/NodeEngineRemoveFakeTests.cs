using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Engine;

/// <summary>
/// The provider's removal of a node whose resource was deleted (<see cref="NodeEngine.RemoveAsync"/>) on in-memory
/// hosts: through the first control plane, a joined control plane with stacked etcd has its member leave between the
/// drain and the node's deletion, then the host is reset.
/// </summary>
public class NodeEngineRemoveFakeTests
{
    private static readonly ClusterPlan Plan = ClusterPlanner.Plan(SampleSpecs.BareMetal(3, 1));
    private static readonly NodeConnection Connection = new() { PrivateKey = "unused", ConnectTimeoutSeconds = 5, CommandTimeoutSeconds = 60 };

    private static NodeProgram Program(string host) => Plan.Nodes.Single(n => n.Host.Name == host);

    [Theory]
    [Trait("Item", "13.4")]
    [InlineData("cp-3", EtcdTopology.Stacked, new[] { "remove.cp-3.drain", "remove.cp-3.etcd-member", "remove.cp-3.delete-node" })]
    [InlineData("cp-3", EtcdTopology.External, new[] { "remove.cp-3.drain", "remove.cp-3.delete-node" })]
    [InlineData("w-1", EtcdTopology.Stacked, new[] { "remove.w-1.drain", "remove.w-1.delete-node" })]
    public async Task RemoveAsync_JoinedNode_FromTheFirstControlPlaneInOrderThenTheHostReset(string host, EtcdTopology etcd, string[] fromFirst)
    {
        var hosts = new FakeHosts();
        using var engine = new NodeEngine(hosts.Factory);

        var warning = await engine.RemoveAsync(Program(host), Plan.FirstControlPlane!, Connection, CancellationToken.None, etcd: etcd);

        Assert.Null(warning);
        Assert.Equal(fromFirst, hosts["cp-1"].Commands.Where(c => c.StartsWith("remove.", StringComparison.Ordinal)));
        Assert.Contains(hosts[host].Commands, c => c.StartsWith("reset.", StringComparison.Ordinal));
    }
}
