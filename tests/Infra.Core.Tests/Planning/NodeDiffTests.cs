using Infra.Core.Planning;

namespace Infra.Core.Tests.Planning;

public class NodeDiffTests
{
    private static NodeState State() => new()
    {
        Host = "cp-1",
        Address = "10.0.0.11",
        Roles = ["control-plane"],
        KubernetesVersion = "1.36.1",
        PodCidr = "10.244.0.0/16",
        ServiceCidr = "10.96.0.0/12",
        EtcdTopology = "stacked",
        StepHashes = new Dictionary<string, string> { ["prepare.swap"] = "a1", ["prepare.containerd"] = "b2", ["control-plane.init"] = "c3" },
    };

    [Fact]
    public void Compare_SameState_NoChanges()
    {
        var d = NodeDiff.Compare(State(), State());

        Assert.False(d.HasChanges);
    }

    [Fact]
    public void Compare_StepHashes_AddedChangedRemovedSorted()
    {
        var wanted = State() with
        {
            StepHashes = new Dictionary<string, string> { ["prepare.containerd"] = "b3", ["prepare.sysctl"] = "d4", ["control-plane.init"] = "c3" },
        };

        var d = NodeDiff.Compare(State(), wanted);

        Assert.Equal(["prepare.sysctl"], d.AddedSteps);
        Assert.Equal(["prepare.containerd"], d.ChangedSteps);
        Assert.Equal(["prepare.swap"], d.RemovedSteps);
        Assert.Empty(d.Refusals);
        Assert.Empty(d.ReplaceKeys);
        Assert.True(d.HasChanges);
    }

    [Theory]
    [InlineData("version", "kubernetes.version", "one minor at a time")]
    [InlineData("downgrade", "kubernetes.version", "downgrade")]
    [InlineData("pod", "network.podCidr", "10.245.0.0/16")]
    [InlineData("service", "network.serviceCidr", "10.97.0.0/16")]
    [InlineData("etcd", "etcd.topology", "external")]
    [InlineData("roles", "hosts.roles", "worker")]
    public void Compare_ChangeNeedingAProcedure_RefusedNamingHostAndKey(string what, string key, string inMessage)
    {
        var wanted = what switch
        {
            "version" => State() with { KubernetesVersion = "1.38.0" },
            "downgrade" => State() with { KubernetesVersion = "1.36.0" },
            "pod" => State() with { PodCidr = "10.245.0.0/16" },
            "service" => State() with { ServiceCidr = "10.97.0.0/16" },
            "etcd" => State() with { EtcdTopology = "external" },
            _ => State() with { Roles = ["control-plane", "worker"] },
        };

        var refusal = Assert.Single(NodeDiff.Compare(State(), wanted).Refusals);

        Assert.Equal(key, refusal.Key);
        Assert.Contains("cp-1", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(inMessage, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_RolesInOtherOrder_NoChange()
    {
        var old = State() with { Roles = ["control-plane", "etcd"] };

        Assert.False(NodeDiff.Compare(old, old with { Roles = ["etcd", "control-plane"] }).HasChanges);
    }

    [Fact]
    public void Compare_AddressChanged_ReplacesWithoutRoleRefusal()
    {
        var d = NodeDiff.Compare(State(), State() with { Address = "10.0.0.12", Roles = ["worker"] });

        Assert.Equal(["address"], d.ReplaceKeys);
        Assert.Empty(d.Refusals);
    }

    [Theory]
    [Trait("Item", "13.1")]
    [InlineData("1.36.2", VersionMoveKind.Patch)]
    public void Compare_AllowedVersionMove_UpgradeNotRefusal(string wanted, VersionMoveKind kind)
    {
        var d = NodeDiff.Compare(State(), State() with { KubernetesVersion = wanted });

        Assert.Empty(d.Refusals);
        Assert.Equal(kind, d.Upgrade?.Kind);
        Assert.True(d.HasChanges);
    }

    [Fact]
    [Trait("Item", "13.1")]
    public void Compare_NextMinor_UpgradeNotRefusal()
    {
        var old = State() with { KubernetesVersion = "1.35.4" };

        var d = NodeDiff.Compare(old, old with { KubernetesVersion = "1.36.0" });

        Assert.Empty(d.Refusals);
        Assert.Equal(VersionMoveKind.Minor, d.Upgrade?.Kind);
    }
}
