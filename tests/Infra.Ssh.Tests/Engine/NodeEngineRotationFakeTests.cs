using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Engine;

/// <summary>
/// Issue 14, <see cref="NodeEngine.RotateEncryptionKeyAsync"/> on in-memory hosts: a control plane that cannot be reached
/// stops the rotation with a typed exception naming it, before the stage after it.
/// </summary>
[Trait("Item", "14.3")]
public class NodeEngineRotationFakeTests
{
    private static readonly ClusterSpec Spec = SampleSpecs.BareMetal(3, 1) with
    {
        Packages = SampleSpecs.BareMetal().Packages with { Source = PackageSource.Preinstalled },
    };

    private static readonly NodeConnection Connection = new() { PrivateKey = "unused", ConnectTimeoutSeconds = 5, CommandTimeoutSeconds = 60 };

    [Fact]
    public async Task RotateEncryptionKeyAsync_ControlPlaneUnreachable_StopsNamingIt_NoLaterStageRuns()
    {
        var before = ClusterPki.Ensure(Spec, HostInventory.Plan(Spec), null, DateTimeOffset.UtcNow);
        var after = EncryptionKeyRotation.Replace(before, new byte[32]);
        var plans = EncryptionKeyRotation.Plans(EncryptionKeyRotation.Between(before, after),
            EncryptionKeyRotation.PlanFor(Spec, Spec.Hosts, Spec.ControlPlane.Endpoint!), "attempt-1");
        var hosts = new FakeHosts();
        hosts["cp-2"].Unreachable = true;
        using var engine = new NodeEngine(hosts.Factory);

        var e = await Assert.ThrowsAsync<HostUnreachableException>(() => engine.RotateEncryptionKeyAsync(plans, Connection, CancellationToken.None));

        Assert.Contains("cp-2", e.Message, StringComparison.Ordinal);
        // Only the first stage reached the hosts that answer: neither the rewrite nor a later stage ran.
        Assert.DoesNotContain(hosts.Ran, r => r.Step == EncryptionKeyRotation.RewriteStep);
        Assert.Equal(2, hosts.Ran.Count(r => r.Step == EncryptionKeyRotation.RestartStep));
        Assert.Empty(hosts["w-1"].Ran);
    }
}
