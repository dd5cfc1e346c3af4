using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Engine;

/// <summary>A version move on a running cluster of in-memory hosts: named with its procedure or refused, nothing changed.</summary>
public class UpgradeFakeTests
{
    private static readonly ClusterSpec Spec = SampleSpecs.BareMetal(1, 2) with
    {
        Packages = SampleSpecs.BareMetal().Packages with { Source = PackageSource.Preinstalled },
    };

    private static Task<ClusterReport> ApplyAsync(FakeHosts hosts, ClusterSpec spec, ConvergeOptions? options = null) =>
        new ClusterConverger(hosts.Factory, new Redactor()).ApplyAsync(ClusterPlanner.Plan(spec), options ?? EngineRun.Options(), _ => true, CancellationToken.None);

    private static readonly string[] Names = ["cp-1", "w-1", "w-2"];

    private static ClusterSpec At(int minor, int patch) => Spec with { Kubernetes = Spec.Kubernetes with { Version = new KubernetesVersion(1, minor, patch) } };

    [Theory]
    [Trait("Item", "13.3")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ApplyAsync_NewerPatch_ProcedureNamedWithItsWavesAndNothingChanged(bool dryRun)
    {
        var hosts = new FakeHosts();
        Assert.Equal(0, (await ApplyAsync(hosts, Spec)).ExitCode);
        var journals = Names.ToDictionary(h => h, h => hosts[h].JournalIds());

        var report = await ApplyAsync(hosts, At(36, 2), EngineRun.Options() with { DryRun = dryRun });

        Assert.Equal(2, report.ExitCode);
        Assert.StartsWith("upgrade 1.36.1 → 1.36.2 (patch): 3 waves", report.Refusal, StringComparison.Ordinal);
        Assert.Contains("upgrade: workers: kubeadm upgrade node — w-1, w-2 (one at a time)", report.Refusal, StringComparison.Ordinal);
        Assert.All(Names, h => Assert.Equal(journals[h], hosts[h].JournalIds()));
    }

    [Theory]
    [Trait("Item", "13.1")]
    [InlineData(35, 9, "downgrade")]
    [InlineData(36, 0, "downgrade")]
    public async Task ApplyAsync_RefusedMove_Exit2NamingAllowedStepsAndNothingChanged(int minor, int patch, string inMessage)
    {
        var hosts = new FakeHosts();
        Assert.Equal(0, (await ApplyAsync(hosts, Spec)).ExitCode);
        var journals = Names.ToDictionary(h => h, h => hosts[h].JournalIds());

        var report = await ApplyAsync(hosts, At(minor, patch));

        Assert.Equal(2, report.ExitCode);
        Assert.Null(report.Refusal);
        Assert.All(report.Hosts, h => Assert.Contains(h.Refusals, r => r.Key == "kubernetes.version"
            && r.Message.Contains(inMessage, StringComparison.Ordinal) && r.Message.Contains("a newer 1.36 patch", StringComparison.Ordinal)));
        Assert.All(Names, h => Assert.Equal(journals[h], hosts[h].JournalIds()));
    }
}
