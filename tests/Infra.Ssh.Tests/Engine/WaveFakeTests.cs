using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Engine;

/// <summary>The cluster engine's waves over in-memory hosts (<see cref="FakeHost"/>): who runs, who waits, who is blocked.</summary>
[Trait("Item", "12.2")]
public class WaveFakeTests
{
    private static readonly ClusterPlan Plan = ClusterPlanner.Plan(SampleSpecs.BareMetal(1, 2) with
    {
        Packages = SampleSpecs.BareMetal().Packages with { Source = PackageSource.Preinstalled },
    });

    private static Task<ClusterReport> ApplyAsync(FakeHosts hosts, ConvergeOptions? options = null) =>
        new ClusterConverger(hosts.Factory, new Redactor()).ApplyAsync(Plan, options ?? EngineRun.Options(), _ => true, CancellationToken.None);

    private static string FirstPrepareStep(string host) => Plan.Nodes.Single(n => n.Host.Name == host).Steps.First(s => s.Phase == Phase.Prepare).Id;

    private static HostReport Host(ClusterReport report, string name) => report.Hosts.Single(h => h.Host == name);

    [Fact]
    public async Task ApplyAsync_AllHostsFine_EveryStepJournaledAndEveryLockReleased()
    {
        var hosts = new FakeHosts();

        var report = await ApplyAsync(hosts);

        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        foreach (var node in Plan.Nodes)
        {
            Assert.Equal(HostState.Converged, Host(report, node.Host.Name).State);
            Assert.Equal(node.Steps.Where(s => s.Phase != Phase.Reset).Select(s => s.Id).Order(StringComparer.Ordinal),
                hosts[node.Host.Name].JournalIds().Order(StringComparer.Ordinal));
            Assert.Null(hosts[node.Host.Name].HostLockHolder);
        }
        Assert.Null(hosts["cp-1"].ClusterLockHolder);
        Assert.NotNull(hosts["cp-1"].StateJson);

        var again = await ApplyAsync(hosts);
        Assert.True(again.NothingToDo, EngineRun.Describe(again));
    }

    [Fact]
    public async Task ApplyAsync_WorkerFailsInPrepare_OnlyThatWorkerStops()
    {
        var hosts = new FakeHosts();
        hosts["w-1"].FailingScripts[FirstPrepareStep("w-1")] = 1;

        var report = await ApplyAsync(hosts);

        Assert.Equal(1, report.ExitCode);
        Assert.Equal(HostState.Failed, Host(report, "w-1").State);
        Assert.Equal(HostState.Converged, Host(report, "cp-1").State);
        Assert.Equal(HostState.Converged, Host(report, "w-2").State);
        Assert.DoesNotContain(hosts["w-1"].JournalIds(), id => id.StartsWith("workers.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApplyAsync_FirstControlPlaneFails_WorkersPrepareButTheirJoinIsBlocked()
    {
        var hosts = new FakeHosts();
        var init = Plan.Nodes.Single(n => n.Host.Name == "cp-1").Steps.First(s => s.Phase == Phase.ControlPlane).Id;
        hosts["cp-1"].FailingScripts[init] = 1;

        var report = await ApplyAsync(hosts);

        Assert.Equal(HostState.Failed, Host(report, "cp-1").State);
        foreach (var w in new[] { "w-1", "w-2" })
        {
            var h = Host(report, w);
            Assert.Equal(HostState.Blocked, h.State);
            Assert.Contains("waits for the first control plane cp-1", h.Message, StringComparison.Ordinal);
            Assert.NotEmpty(h.Ran);
            Assert.All(h.Ran, id => Assert.StartsWith("prepare.", id, StringComparison.Ordinal));
            Assert.Null(hosts[w].HostLockHolder);
        }
    }

    [Fact]
    public async Task ApplyAsync_CheckFailsAfterAWorkersStep_ThatHostFailsNamingTheLine()
    {
        var hosts = new FakeHosts();
        var step = Plan.Nodes.Single(n => n.Host.Name == "w-2").Steps.First(s => s.Phase == Phase.Prepare && s.Check is not null);
        hosts["w-2"].FailingChecks[step.Id] = 2;

        var report = await ApplyAsync(hosts);

        var failure = Host(report, "w-2").Failure!;
        Assert.Equal(step.Id, failure.StepId);
        Assert.Equal(2, failure.Check?.Line);
        Assert.Equal(step.Check!.Split('\n')[1].Trim(), failure.Check!.Text);
        Assert.DoesNotContain(step.Id, hosts["w-2"].JournalIds());
        Assert.Equal(HostState.Converged, Host(report, "w-1").State);
    }

    [Fact]
    public async Task ApplyAsync_DryRunAfterACheckStoppedHolding_DriftWithItsLine()
    {
        var hosts = new FakeHosts();
        Assert.Equal(0, (await ApplyAsync(hosts)).ExitCode);
        var step = Plan.Nodes.Single(n => n.Host.Name == "w-1").Steps.First(s => s.Phase == Phase.Prepare && s.Check is not null);
        hosts["w-1"].FailingChecks[step.Id] = 2;

        var report = await ApplyAsync(hosts, EngineRun.Options(dryRun: true));

        Assert.True(report.AnyDrift);
        var change = Assert.Single(Host(report, "w-1").Changes);
        Assert.Equal(2, change.Drift?.Line);
        Assert.EndsWith($"(line 2: {step.Check!.Split('\n')[1].Trim()})", change.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Hosts, h => h.Host != "w-1" && h.Changes.Count > 0);
    }

    [Fact]
    public async Task ApplyAsync_WorkerUnreachable_OthersConverge()
    {
        var hosts = new FakeHosts();
        hosts["w-2"].Unreachable = true;

        var report = await ApplyAsync(hosts);

        Assert.Equal(HostState.Unreachable, Host(report, "w-2").State);
        Assert.Equal(HostState.Converged, Host(report, "w-1").State);
        Assert.Equal(HostState.Converged, Host(report, "cp-1").State);
    }

    [Fact]
    public async Task ResetAsync_AfterApply_EveryHostResetAndEveryLockReleased()
    {
        var hosts = new FakeHosts();
        Assert.Equal(0, (await ApplyAsync(hosts)).ExitCode);

        var report = await new ClusterConverger(hosts.Factory, new Redactor()).ResetAsync(Plan, EngineRun.Options(phases: [Phase.Reset]), CancellationToken.None);

        Assert.All(report.Hosts, h => Assert.Equal(HostState.Converged, h.State));
        foreach (var node in Plan.Nodes)
        {
            Assert.Equal(node.Steps.Where(s => s.Phase == Phase.Reset).Select(s => s.Id), Host(report, node.Host.Name).Ran);
            Assert.Null(hosts[node.Host.Name].HostLockHolder);
        }
        Assert.Null(hosts["cp-1"].ClusterLockHolder);
        Assert.Contains("cluster lock", hosts["cp-1"].Commands);
    }
}
