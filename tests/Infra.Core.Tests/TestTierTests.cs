using Infra.TestKit;

namespace Infra.Core.Tests;

/// <summary>The test tiers: what a plain `dotnet test` skips, and that tests/run.sh (INFRA_TEST_ALL=1) skips nothing.</summary>
public class TestTierTests
{
    [Fact]
    [Trait("Item", "12.6")]
    public void RealHostSkip_NotRoot_SkipsNamingTheCommandThatRunsEverything()
    {
        var reason = TestTiers.RealHostSkip(runAll: false, linux: true, root: false);
        Assert.NotNull(reason);
        Assert.Contains("root", reason, StringComparison.Ordinal);
        Assert.Contains("sudo bash tests/run.sh", reason, StringComparison.Ordinal);
        Assert.Null(TestTiers.RealHostSkip(runAll: false, linux: true, root: true));
    }

    [Fact]
    [Trait("Item", "12.6")]
    public void RealHostSkip_RunAllWithoutRoot_RunsSoThePreconditionFails()
    {
        Assert.Null(TestTiers.RealHostSkip(runAll: true, linux: true, root: false));
        Assert.Null(TestTiers.RealToolSkip(runAll: true, ["shellcheck"]));
    }

    [Fact]
    [Trait("Item", "12.6")]
    public void RealToolSkip_MissingTool_NamesItAndTheCommand()
    {
        var reason = TestTiers.RealToolSkip(runAll: false, ["cloud-init", "yamllint"]);
        Assert.NotNull(reason);
        Assert.Contains("cloud-init, yamllint", reason, StringComparison.Ordinal);
        Assert.Contains("sudo bash tests/run.sh", reason, StringComparison.Ordinal);
        Assert.Null(TestTiers.RealToolSkip(runAll: false, []));
    }
}
