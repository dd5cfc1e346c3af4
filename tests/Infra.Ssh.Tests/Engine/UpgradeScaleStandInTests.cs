using Infra.Core.NodePrograms;
using Infra.Core.Spec;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests.Engine;

/// <summary>3 control planes and 20 workers, booted ten at a time (as the upgrade bench boots its 20).</summary>
public sealed class TwentyThreeSystemdHosts : IAsyncLifetime
{
    public ClusterHostSet Set { get; private set; } = null!;
    public TestHostNetwork Network => Set.Network;

    public async Task InitializeAsync()
    {
        if (TestTiers.RealHostSkipReason is not null) return; // the tests are skipped: start nothing
        Set = await ClusterHostSet.CreateAsync(TestHostNetwork.PrefixFor("up23"),
            [.. Enumerable.Range(1, 3).Select(i => new TestHostOptions { Name = $"cp{i}", Systemd = true }),
             .. Enumerable.Range(1, 20).Select(i => new TestHostOptions { Name = $"w{i}", Systemd = true })], 10);
    }

    public async Task DisposeAsync()
    {
        if (Set is not null) await Set.DisposeAsync();
    }
}

/// <summary>
/// Issue 13's patch upgrade of 3 + 20 harness hosts, kubeadm, kubelet and kubectl being stand-ins that record their calls
/// (a drain takes a second, so that the workers of a batch overlap where they may): the first control plane, then the
/// others one at a time, then the workers in batches of kubernetes.upgrade.workerBatchSize 5, each node drained after its
/// kubeadm and uncordoned once Ready; then a re-apply has nothing to do.
/// </summary>
[Trait("Item", "13.5")]
public sealed class UpgradeScaleStandInTests(TwentyThreeSystemdHosts fixture, ITestOutputHelper output) : IClassFixture<TwentyThreeSystemdHosts>
{
    private const int BatchSize = 5;
    private static readonly KubernetesVersion Next = new(1, 34, 3);

    [RealHostFact]
    public async Task ApplyAsync_PatchUpgradeThreeControlPlanesTwentyWorkersBatchesOfFive_StandInOrderDrainUncordonAndBatchesThenNothingToDo()
    {
        var hosts = fixture.Network.Hosts;
        foreach (var chunk in hosts.Chunk(10)) await ClusterHostSet.RestoreAsync(chunk);
        var members = hosts.Select(h => h.Name.StartsWith("cp", StringComparison.Ordinal) ? ClusterMember.ControlPlane(h) : ClusterMember.Worker(h)).ToList();
        var spec = HarnessCluster.Spec(fixture.Network, members);
        spec = spec with { Kubernetes = spec.Kubernetes with { Upgrade = spec.Kubernetes.Upgrade with { WorkerBatchSize = BatchSize } } };
        var created = await new EngineRun().ApplyAsync(fixture.Set.Plan(spec), EngineRun.Options(commandTimeout: TimeSpan.FromMinutes(5)));
        Assert.True(created.ExitCode == 0, EngineRun.Describe(created));
        await Task.WhenAll(hosts.Select(h => KubernetesStandIns.InstallAsync(h, "v" + Next, ComponentVersions.For(Next)!.CniPlugins)));
        var cp1 = fixture.Set["cp1"];
        await KubernetesStandIns.DelayAsync(cp1, "kubectl", "drain", 1);
        var up = fixture.Set.Plan(spec with { Kubernetes = spec.Kubernetes with { Version = Next } });
        var mark = KubernetesStandIns.Calls(cp1).Max(c => c.End);

        try
        {
            var report = await new EngineRun().ApplyAsync(up, EngineRun.Options(commandTimeout: TimeSpan.FromMinutes(5)));
            output.WriteLine(EngineRun.Describe(report));
            Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        }
        finally
        {
            await KubernetesStandIns.ClearControlsAsync(cp1);
        }

        // Per node: its kubeadm upgrade (on the node), then drain, Ready and uncordon (from cp1), in that order.
        var onCp1 = KubernetesStandIns.Calls(cp1).Where(c => c.Tool == "kubectl" && c.Start > mark).ToList();
        StandInCall One(IEnumerable<StandInCall> calls, string what, string token) =>
            Assert.Single(calls, c => c.Arguments.StartsWith(what, StringComparison.Ordinal) && c.Has(token));
        var spans = new Dictionary<string, (double Kubeadm, double Drain, double Uncordon)>(StringComparer.Ordinal);
        foreach (var h in hosts)
        {
            var kubeadm = Assert.Single(KubernetesStandIns.Calls(h), c => c.Tool == "kubeadm" && c.Start > mark
                && c.Arguments.StartsWith(h.Name == "cp1" ? "upgrade apply v1.34.3" : "upgrade node", StringComparison.Ordinal));
            var drain = One(onCp1, "drain", h.Name);
            var ready = One(onCp1, "wait --for=condition=Ready", $"node/{h.Name}");
            var uncordon = One(onCp1, "uncordon", h.Name);
            Assert.True(kubeadm.End <= drain.Start && drain.End <= ready.Start && ready.End <= uncordon.Start, $"{h.Name}: kubeadm, drain, Ready, uncordon out of order");
            spans[h.Name] = (kubeadm.Start, drain.Start, uncordon.End);
        }
        // The control planes one at a time, the first first; every worker after the last control plane.
        for (var i = 2; i <= 3; i++) Assert.True(spans[$"cp{i - 1}"].Uncordon <= spans[$"cp{i}"].Kubeadm, $"cp{i - 1} before cp{i}");
        Assert.All(Enumerable.Range(1, 20), i => Assert.True(spans["cp3"].Uncordon <= spans[$"w{i}"].Kubeadm, $"w{i} after cp3"));
        // Workers in batches of five, in order: a batch starts once the one before is uncordoned.
        var batches = Enumerable.Range(1, 20).Select(i => $"w{i}").Chunk(BatchSize).ToList();
        for (var b = 1; b < batches.Count; b++)
        {
            var previousDone = batches[b - 1].Max(n => spans[n].Uncordon);
            Assert.All(batches[b], n => Assert.True(previousDone <= spans[n].Kubeadm, $"{n} started before batch {b} was uncordoned"));
        }
        // Never more than five workers between drain and uncordon at once; a batch's drains do overlap.
        var cordoned = Enumerable.Range(1, 20).Select(i => spans[$"w{i}"])
            .SelectMany(s => new[] { (At: s.Drain, Delta: 1), (At: s.Uncordon, Delta: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Delta)
            .Aggregate((Now: 0, Max: 0), (acc, e) => (acc.Now + e.Delta, Math.Max(acc.Max, acc.Now + e.Delta))).Max;
        output.WriteLine($"most workers cordoned at once: {cordoned}");
        Assert.InRange(cordoned, 2, BatchSize);

        var again = await new EngineRun().ApplyAsync(up);
        Assert.True(again.NothingToDo, EngineRun.Describe(again));
    }
}
