using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Core.Tests.Spec;

/// <summary>The stack key kubernetes.upgrade: defaults, bounds, and values refused with their position.</summary>
public class UpgradeStackTests
{
    private static StackReadResult Read(string upgrade) =>
        StackFile.Read("stack.yaml", StackReaderTests.BareMetal.Replace("kubernetes: { version: \"1.36.1\" }",
            "kubernetes:\n      version: \"1.36.1\"\n      upgrade:\n        " + upgrade, StringComparison.Ordinal));

    [Trait("Item", "13.2")]
    [Fact]
    public void Read_NoUpgradeKey_OneWorkerAtATimeAndFiveMinuteDrain()
    {
        var r = StackFile.Read("stack.yaml", StackReaderTests.BareMetal);

        Assert.True(r.IsValid, string.Join("\n", r.Diagnostics));
        Assert.Equal(1, r.Spec!.Kubernetes.Upgrade.WorkerBatchSize);
        Assert.Equal("300s", r.Spec.Kubernetes.Upgrade.DrainTimeout);
    }

    [Trait("Item", "13.2")]
    [Theory]
    [InlineData("{ workerBatchSize: 3, drainTimeout: 90s }", 3, "90s")]
    [InlineData("{ drainTimeout: 10m }", 1, "600s")]
    [InlineData("{ drainTimeout: 1h }", 1, "3600s")]
    public void Read_UpgradeSettings_Taken(string upgrade, int batch, string drain)
    {
        var r = Read(upgrade);

        Assert.True(r.IsValid, string.Join("\n", r.Diagnostics));
        Assert.Equal(batch, r.Spec!.Kubernetes.Upgrade.WorkerBatchSize);
        Assert.Equal(drain, r.Spec.Kubernetes.Upgrade.DrainTimeout);
    }

    [Trait("Item", "13.2")]
    [Theory]
    [InlineData("{ workerBatchSize: 0 }", "INF040", "kubernetes.upgrade.workerBatchSize")]
    [InlineData("{ workerBatchSize: 101 }", "INF040", "kubernetes.upgrade.workerBatchSize")]
    [InlineData("{ workerBatchSize: two }", "INF003", "kubernetes.upgrade.workerBatchSize")]
    [InlineData("{ drainTimeout: 5 }", "INF020", "kubernetes.upgrade.drainTimeout")]
    [InlineData("{ drainTimeout: 10s }", "INF020", "kubernetes.upgrade.drainTimeout")]
    [InlineData("{ drainTimeout: 2h }", "INF020", "kubernetes.upgrade.drainTimeout")]
    [InlineData("{ drainTimeout: 05m }", "INF020", "kubernetes.upgrade.drainTimeout")]
    [InlineData("{ drainTimeout: \"5m --force\" }", "INF020", "kubernetes.upgrade.drainTimeout")]
    [InlineData("{ drainTimeout: \"5m;id\" }", "INF020", "kubernetes.upgrade.drainTimeout")]
    [InlineData("{ drainTimeout: 1m30s }", "INF020", "kubernetes.upgrade.drainTimeout")]
    [InlineData("{ force: true }", "INF002", "kubernetes.upgrade.force")]
    public void Read_BadUpgradeValue_RefusedWithPositionAndKey(string upgrade, string code, string key)
    {
        var r = Read(upgrade);

        Assert.False(r.IsValid);
        var d = Assert.Single(r.Diagnostics, d => d.KeyPath.EndsWith(key, StringComparison.Ordinal));
        Assert.Equal(code, d.Code);
        Assert.True(d.Line > 0 && d.Column > 0, d.ToString());
    }
}
