using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Planning;

public class VersionMovesTests
{
    private static KubernetesVersion V(string s) => KubernetesVersion.TryParse(s, out var v) ? v! : throw new ArgumentException(s);

    [Theory]
    [Trait("Item", "13.1")]
    [InlineData("1.34.1", "1.34.1", VersionMoveKind.None)]
    [InlineData("1.34.1", "1.34.2", VersionMoveKind.Patch)]
    [InlineData("1.34.1", "1.34.9", VersionMoveKind.Patch)]
    [InlineData("1.34.1", "1.35.0", VersionMoveKind.Minor)]
    [InlineData("1.35.3", "1.36.1", VersionMoveKind.Minor)]
    public void Decide_AllowedMove_KindWithoutRefusal(string from, string to, VersionMoveKind kind)
    {
        var move = VersionMoves.Decide(V(from), V(to));

        Assert.Equal(kind, move.Kind);
        Assert.Null(move.Refusal);
    }

    /// <summary>
    /// kubeadm upgrades one minor at a time: kubernetes/kubernetes cmd/kubeadm/app/phases/upgrade/policy.go
    /// (MaximumAllowedMinorVersionUpgradeSkew = 1, "kubeadm can upgrade only 1 minor version at a time").
    /// </summary>
    [Fact]
    [Trait("Item", "13.1")]
    public void Decide_SkippedMinor_RefusedNamingTheNextMinorFirst()
    {
        Assert.Equal(1, VersionMoves.MaxMinorStep);

        var move = VersionMoves.Decide(V("1.34.1"), V("1.36.0"));

        Assert.Equal(VersionMoveKind.Refused, move.Kind);
        Assert.Contains("one minor at a time", move.Refusal, StringComparison.Ordinal);
        Assert.Contains("upgrade to 1.35.x first", move.Refusal, StringComparison.Ordinal);
        Assert.Contains("a newer 1.34 patch", move.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [Trait("Item", "13.1")]
    [InlineData("1.35.2", "1.35.1")]
    [InlineData("1.35.2", "1.34.9")]
    public void Decide_Downgrade_RefusedNamingAllowedNextSteps(string from, string to)
    {
        var move = VersionMoves.Decide(V(from), V(to));

        Assert.Equal(VersionMoveKind.Refused, move.Kind);
        Assert.Contains("downgrade", move.Refusal, StringComparison.Ordinal);
        Assert.Contains("upgrade to 1.36.x first", move.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "13.1")]
    public void Decide_MinorOutsideTheCatalog_RefusedNamingTheWindowAndOnlyPatches()
    {
        var move = VersionMoves.Decide(V("1.36.1"), V("1.37.0"));

        Assert.Equal(VersionMoveKind.Refused, move.Kind);
        Assert.Contains("1.34–1.36", move.Refusal, StringComparison.Ordinal);
        Assert.Contains("a newer 1.36 patch", move.Refusal, StringComparison.Ordinal);
        Assert.DoesNotContain("1.37.x first", move.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "13.1")]
    public void Decide_PinnedComponentWithoutTheMinor_RefusedNamingIt()
    {
        var move = VersionMoves.Decide(V("1.35.1"), V("1.36.0"), ["Calico v9 does not support Kubernetes 1.36."]);

        Assert.Equal(VersionMoveKind.Refused, move.Kind);
        Assert.Contains("Calico v9", move.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "13.1")]
    public void Decide_PinnedComponentWithoutTheMinor_PatchStillAllowed()
    {
        Assert.Equal(VersionMoveKind.Patch, VersionMoves.Decide(V("1.35.1"), V("1.35.2"), ["X does not support Kubernetes 1.35."]).Kind);
    }

    [Fact]
    [Trait("Item", "13.1")]
    public void Decide_SpecWhoseBaselineSupportsTheNextMinor_Minor()
    {
        var spec = SampleSpecs.BareMetal();

        Assert.Equal(VersionMoveKind.Minor, VersionMoves.Decide(V("1.35.4"), spec).Kind);
    }

    [Fact]
    [Trait("Item", "13.1")]
    public void Describe_Patch_NamesBothVersions()
    {
        Assert.Equal("upgrade 1.34.1 → 1.34.2 (patch)", VersionMoves.Decide(V("1.34.1"), V("1.34.2")).Describe());
    }
}
