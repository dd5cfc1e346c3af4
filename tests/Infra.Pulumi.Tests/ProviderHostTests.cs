using System.Collections.Immutable;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Provider;
using Infra.TestHosts;
using Infra.TestKit;
using Pulumi;
using Pulumi.Experimental;
using Pulumi.Experimental.Provider;

namespace Infra.Pulumi.Tests;

/// <summary>One harness host (network namespace with its own sshd) for the provider's own SSH engine.</summary>
public sealed class ProviderHosts : IAsyncLifetime
{
    public TestHostNetwork Network { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (TestTiers.RealHostSkipReason is not null) return; // the tests are skipped: start nothing
        Network = await TestHostNetwork.CreateAsync(TestHostNetwork.PrefixFor("pvd"));
        await Network.StartHostsAsync([new TestHostOptions { Name = "pw" }], CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (Network is not null) await Network.DisposeAsync();
    }
}

/// <summary>
/// The provider as the plugin binary runs it (<see cref="Bindings.NodeEngine"/>: Infra.Ssh's engine over pinned SSH),
/// against a real host: what <c>pulumi up</c>, <c>refresh</c> and <c>destroy</c> do to one node.
/// </summary>
public class ProviderHostTests(ProviderHosts hosts) : IClassFixture<ProviderHosts>
{
    private static readonly Urn Urn = new("urn:pulumi:unit::infra::infra:index:Cluster$kubeadm:index:Node::pw");
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private static Step Step(string id, Phase phase, string script, string? check = null) =>
        Infra.Core.Model.Step.Create(id, phase, id, script, check, new Dictionary<string, string>(), [OsFamily.Debian12]);

    private ImmutableDictionary<string, PropertyValue> Inputs(NodeProgram program)
    {
        var connection = new NodeConnection
        {
            PrivateKey = File.ReadAllText(hosts.Network.ClientKeyPath),
            ConnectTimeoutSeconds = 5,
            CommandTimeoutSeconds = 60,
        };
        return new Dictionary<string, PropertyValue>
        {
            ["host"] = new(program.Host.Name),
            ["address"] = new(program.Host.Address!),
            ["roles"] = new([.. program.Host.Roles.Select(r => new PropertyValue(r))]),
            ["kubernetesVersion"] = new("1.36.1"),
            ["podCidr"] = new("10.244.0.0/16"),
            ["serviceCidr"] = new("10.96.0.0/12"),
            ["etcdTopology"] = new("stacked"),
            ["steps"] = new(program.Steps.ToImmutableDictionary(s => s.Id, s => new PropertyValue(s.InputHash))),
            ["program"] = new PropertyValue(WireJson.NodeProgram(program)).WithSecret(true),
            ["connection"] = new PropertyValue(WireJson.NodeConnection(connection)).WithSecret(true),
            ["firstControlPlane"] = new(false),
            ["joinVia"] = new(""),
        }.ToImmutableDictionary();
    }

    [RealHostFact]
    public async Task Node_CreateUpdateReadDelete_ConvergesOnceAndResetsTheHost()
    {
        var host = hosts.Network["pw"];
        var program = new NodeProgram
        {
            Host = new PlannedHost
            {
                Name = "pw",
                Address = host.Address,
                Port = 22,
                User = "root",
                HostKey = HostKeyPin.TryParse(host.HostKey.PublicKeyLine, out var pin, out _) ? pin : null,
                Roles = [Roles.Worker],
                Os = OsFamily.Debian12,
            },
            Steps =
            [
                Step("prepare.marker", Phase.Prepare, "mkdir -p /opt/pvd && date +%s%N >> /opt/pvd/runs", "test -s /opt/pvd/runs"),
                Step("reset.marker", Phase.Reset, "rm -rf /opt/pvd /var/lib/infra"),
            ],
        };
        var inputs = Inputs(program);
        var provider = new KubeadmProvider(Bindings.NodeEngine(), () => DateTimeOffset.UnixEpoch);

        var check = await provider.Check(new CheckRequest(Urn, ImmutableDictionary<string, PropertyValue>.Empty, inputs, []), default);
        var created = await provider.Create(new CreateRequest(Urn, check.Inputs!.ToImmutableDictionary(), Timeout, preview: false), default);
        var outputs = created.Outputs!.ToImmutableDictionary();

        Assert.Empty(check.Failures!);
        Assert.Equal("pw", created.Id);
        Assert.Single(host.ReadDiskFile("/opt/pvd/runs")!.Trim().Split('\n'));
        Assert.True(outputs["connection"].IsSecret);

        // A second `up` with the same inputs: no diff, and an update (say, after a new SSH key) runs no step again.
        var diff = await provider.Diff(new DiffRequest(Urn, "pw", outputs, inputs, [], inputs), default);
        Assert.False(diff.Changes);
        await provider.Update(new UpdateRequest(Urn, "pw", outputs, inputs, Timeout, [], preview: false, inputs), default);
        Assert.Single(host.ReadDiskFile("/opt/pvd/runs")!.Trim().Split('\n'));

        // Refresh reads the host's journal.
        var read = await provider.Read(new ReadRequest(Urn, "pw", outputs, inputs), default);
        Assert.True(read.Outputs!["steps"].TryGetMap(out var steps));
        Assert.True(steps["prepare.marker"].TryGetString(out var hash));
        Assert.Equal(program.Steps[0].InputHash, hash);

        // Destroy resets the host.
        await provider.Delete(new DeleteRequest(Urn, "pw", outputs, Timeout, inputs), default);
        Assert.Null(host.ReadDiskFile("/opt/pvd/runs"));
    }
}
