using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests.Engine;

public sealed class WaveSystemdHosts() : ClusterHostsFixture("wave",
    new TestHostOptions { Name = "cp1", Systemd = true }, new TestHostOptions { Name = "cp2", Systemd = true },
    new TestHostOptions { Name = "w1", Systemd = true }, new TestHostOptions { Name = "w2", Systemd = true });

/// <summary>The engine runs what the execution plan shows, in its order, and nothing else.</summary>
[Trait("Item", "12.1")]
public sealed class ExecutionPlanEngineTests(WaveSystemdHosts fixture, ITestOutputHelper output) : IClassFixture<WaveSystemdHosts>
{
    private async Task<ClusterPlan> FreshAsync()
    {
        await ClusterHostSet.RestoreAsync(fixture.Network.Hosts);
        return fixture.Set.Plan(HarnessCluster.Spec(fixture.Network,
            [ClusterMember.ControlPlane(fixture["cp1"]), ClusterMember.ControlPlane(fixture["cp2"]), ClusterMember.Worker(fixture["w1"]), ClusterMember.Worker(fixture["w2"])]));
    }

    /// <summary>Each host's phases as the engine finished them ("&lt;phase&gt; done"), in order, with the plan wave that shows each.</summary>
    private static List<(string Host, string Phase, int Wave)> PhasesRun(EngineRun run, ExecutionPlan execution) =>
        [.. run.Events.Where(e => e.What.EndsWith(" done", StringComparison.Ordinal)).Select(e =>
        {
            var phase = e.What[..^" done".Length];
            var wave = execution.Waves.ToList().FindIndex(w => w.Phase.Name() == phase && w.Hosts.Any(h => h.Name == e.Host));
            return (e.Host, phase, wave);
        })];

    [RealHostFact]
    public async Task ApplyAsync_StandInCluster_RunsEachPhaseInTheWaveThePlanShowsInThePlansOrder()
    {
        var plan = await FreshAsync();
        var run = new EngineRun();

        var report = await run.ApplyAsync(plan);
        output.WriteLine(EngineRun.Describe(report));

        Assert.Equal(0, report.ExitCode);
        var ran = PhasesRun(run, plan.Execution);
        output.WriteLine(string.Join("\n", ran));
        // Every phase the engine ran on a host is shown by a wave that holds the host ...
        Assert.DoesNotContain(ran, r => r.Wave < 0);
        // ... the waves ran in the plan's order, one after another ...
        Assert.Equal(ran.Select(r => r.Wave).Order(), ran.Select(r => r.Wave));
        // ... and every host of every wave ran it (the workloads wave included).
        Assert.Equal(plan.Execution.Waves.SelectMany(w => w.Hosts.Select(h => $"{h.Name}/{w.Phase.Name()}")).Order(StringComparer.Ordinal),
            ran.Select(r => $"{r.Host}/{r.Phase}").Order(StringComparer.Ordinal));
        Assert.Contains(ran, r => r.Phase == Phase.Workloads.Name() && r.Host == "cp1");

        // Reset: the plan's reset waves, workers first, then the control planes from the last joined to the first.
        var resetRun = new EngineRun();
        var reset = await resetRun.Converger(plan.Spec).ResetAsync(plan, EngineRun.Options(phases: [Phase.Reset]), CancellationToken.None);
        Assert.Equal(0, reset.ExitCode);
        var resetOrder = resetRun.Events.Where(e => e.What == "reset").Select(e => e.Host).ToList();
        var workers = plan.Execution.ResetWaves[0].Hosts.Select(h => h.Name).Order(StringComparer.Ordinal);
        Assert.Equal(workers, resetOrder.Take(2).Order(StringComparer.Ordinal));
        Assert.Equal(plan.Execution.ResetWaves.SelectMany(w => w.Hosts).Select(h => h.Name).Skip(2), resetOrder.Skip(2));
        Assert.Equal(["cp2", "cp1"], resetOrder.Skip(2));
    }

    [RealHostFact]
    public async Task ApplyAsync_HostsSubset_RunsOnlyTheSelectedHostsWavesInOrder()
    {
        var plan = await FreshAsync();
        Assert.Equal(0, (await new EngineRun().ApplyAsync(plan, EngineRun.Options(hosts: ["cp1"]))).ExitCode);
        var run = new EngineRun();

        var report = await run.ApplyAsync(plan, EngineRun.Options(hosts: ["cp2", "w2"]));
        output.WriteLine(EngineRun.Describe(report));

        Assert.Equal(0, report.ExitCode);
        var selected = plan.Execution.Only(["cp2", "w2"]);
        var ran = PhasesRun(run, selected);
        Assert.DoesNotContain(ran, r => r.Wave < 0);
        Assert.Equal(ran.Select(r => r.Wave).Order(), ran.Select(r => r.Wave));
        Assert.Equal(selected.Waves.SelectMany(w => w.Hosts.Select(h => $"{h.Name}/{w.Phase.Name()}")).Order(StringComparer.Ordinal),
            ran.Select(r => $"{r.Host}/{r.Phase}").Order(StringComparer.Ordinal));
    }
}
