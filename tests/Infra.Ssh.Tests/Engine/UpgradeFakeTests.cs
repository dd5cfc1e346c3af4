using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Engine;

/// <summary>
/// A version move on a running cluster of in-memory hosts: the engine runs the upgrade procedure's waves (kubeadm's
/// order: preflight, first control plane, workers in batches; per node packages, kubeadm, drain, kubelet, uncordon),
/// journaled per node so a stopped run resumes; refused moves change nothing.
/// </summary>
public class UpgradeFakeTests
{
    private static ClusterSpec Spec(int workers = 2, int batch = 1) => SampleSpecs.BareMetal(1, workers) with
    {
        Packages = SampleSpecs.BareMetal().Packages with { Source = PackageSource.Preinstalled },
        Kubernetes = SampleSpecs.BareMetal().Kubernetes with { Upgrade = UpgradeSpec.Default with { WorkerBatchSize = batch } },
    };

    // One plan per version and shape: a plan made again has new key material (no kept secrets here), so new PKI inputs.
    private readonly Dictionary<string, ClusterPlan> _plans = new(StringComparer.Ordinal);

    private Task<ClusterReport> ApplyAsync(FakeHosts hosts, ClusterSpec spec, ConvergeOptions? options = null)
    {
        var key = $"{spec.Kubernetes.Version}/{spec.Hosts.Count}/{spec.Kubernetes.Upgrade.WorkerBatchSize}";
        if (!_plans.TryGetValue(key, out var plan)) _plans[key] = plan = ClusterPlanner.Plan(spec);
        return new ClusterConverger(hosts.Factory, new Redactor()).ApplyAsync(plan, options ?? EngineRun.Options(), _ => true, CancellationToken.None);
    }

    private static readonly string[] Names = ["cp-1", "w-1", "w-2"];

    private static ClusterSpec At(ClusterSpec spec, int minor, int patch) => spec with { Kubernetes = spec.Kubernetes with { Version = new KubernetesVersion(1, minor, patch) } };

    private async Task<FakeHosts> AppliedAsync(ClusterSpec spec)
    {
        var hosts = new FakeHosts();
        var report = await ApplyAsync(hosts, spec);
        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        return hosts;
    }

    /// <summary>Every upgrade step that ran, as (host it ran on, step id), in the order the hosts ran them.</summary>
    private static List<(string Host, string Step)> UpgradeSteps(FakeHosts hosts, IEnumerable<string> names) =>
        [.. names.SelectMany(h => hosts[h].Commands.Select((c, i) => (Host: h, Step: c, i)))
            .Where(x => x.Step.StartsWith("upgrade.", StringComparison.Ordinal) || x.Step == "record state")
            .Select(x => (x.Host, x.Step))];

    [Fact]
    [Trait("Item", "13.3")]
    public async Task ApplyAsync_NewerPatchDryRun_ProcedurePerHostAndStepNothingChanged()
    {
        var hosts = await AppliedAsync(Spec());
        var journals = Names.ToDictionary(h => h, h => hosts[h].JournalIds());

        var report = await ApplyAsync(hosts, At(Spec(), 36, 2), EngineRun.Options(dryRun: true));

        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        Assert.Equal("upgrade 1.36.1 → 1.36.2 (patch): 4 waves", report.Procedure[0]);
        Assert.Contains("  upgrade: workers: kubeadm upgrade node — w-1, w-2 (one at a time)", report.Procedure);
        var w1 = report.Hosts.Single(h => h.Host == "w-1");
        Assert.Equal(HostState.Pending, w1.State);
        Assert.Equal(["upgrade.requirements", "upgrade.packages", "upgrade.kubeadm", "upgrade.drain.w-1", "upgrade.kubelet", "upgrade.uncordon.w-1", UpgradeRun.RecordChange],
            w1.Changes.Take(7).Select(c => c.StepId));
        Assert.StartsWith("on cp-1: ", w1.Changes[3].Reason, StringComparison.Ordinal);
        Assert.Equal(["upgrade.requirements", "upgrade.preflight"], report.Hosts.Single(h => h.Host == "cp-1").Changes.Take(2).Select(c => c.StepId));
        Assert.All(Names, h => Assert.Equal(journals[h], hosts[h].JournalIds()));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task ApplyAsync_NewerPatch_PreflightThenFirstControlPlaneThenWorkersThenReapplyDoesNothing()
    {
        var hosts = await AppliedAsync(Spec());

        var report = await ApplyAsync(hosts, At(Spec(), 36, 2));

        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        // The first control plane's journal holds the preflight, its own steps, and every node's drain and uncordon, in order.
        Assert.Equal(
        [
            "upgrade.requirements", "upgrade.preflight", "upgrade.packages", "upgrade.kubeadm", "upgrade.drain.cp-1", "upgrade.kubelet", "upgrade.uncordon.cp-1", "record state",
            "upgrade.drain.w-1", "upgrade.uncordon.w-1", "upgrade.drain.w-2", "upgrade.uncordon.w-2",
        ], UpgradeSteps(hosts, ["cp-1"]).Select(x => x.Step));
        Assert.Equal(["upgrade.requirements", "upgrade.packages", "upgrade.kubeadm", "upgrade.kubelet", "record state"], UpgradeSteps(hosts, ["w-1"]).Select(x => x.Step));
        Assert.All(Names, h => Assert.Contains("\"kubernetesVersion\":\"1.36.2\"", hosts[h].StateJson, StringComparison.Ordinal));
        Assert.Contains("upgrade.uncordon.w-2", report.Hosts.Single(h => h.Host == "w-2").Ran);

        var again = await ApplyAsync(hosts, At(Spec(), 36, 2));
        Assert.True(again.NothingToDo, EngineRun.Describe(again) + string.Join(", ", again.Hosts.SelectMany(h => h.Changes.Select(c => h.Host + ":" + c.StepId + " " + c.Reason))));
        Assert.Empty(again.Procedure);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task ApplyAsync_WorkerKubeadmFails_StopsThereOthersUntouchedThenResumesAndUncordons()
    {
        var spec = Spec(workers: 3);
        var hosts = await AppliedAsync(spec);
        hosts["w-2"].FailingScripts[UpgradePlanner.KubeadmStep] = 1;

        var w3Before = hosts["w-3"].Commands.Count;
        var report = await ApplyAsync(hosts, At(spec, 36, 2));

        Assert.Equal(1, report.ExitCode);
        var w2 = report.Hosts.Single(h => h.Host == "w-2");
        Assert.Equal(HostState.Failed, w2.State);
        Assert.Equal(UpgradePlanner.KubeadmStep, w2.Failure!.StepId);
        Assert.Equal(HostState.Blocked, report.Hosts.Single(h => h.Host == "w-3").State);
        Assert.Equal(["upgrade.requirements"], UpgradeSteps(hosts, ["w-3"]).Select(x => x.Step));
        Assert.Contains("\"kubernetesVersion\":\"1.36.1\"", hosts["w-2"].StateJson, StringComparison.Ordinal);
        // Nothing of the new version's normal waves ran anywhere while the upgrade is unfinished.
        Assert.DoesNotContain("prepare.kubernetes", hosts["w-3"].Commands.Skip(w3Before));

        hosts["w-2"].FailingScripts.Clear();
        var cp1Before = hosts["cp-1"].Commands.Count;
        var resumed = await ApplyAsync(hosts, At(spec, 36, 2));

        Assert.True(resumed.ExitCode == 0, EngineRun.Describe(resumed));
        // w-2 resumes at kubeadm (packages journaled), then is drained, restarted and uncordoned; w-1 is not touched again.
        Assert.Equal([UpgradePlanner.KubeadmStep, "upgrade.drain.w-2", UpgradePlanner.KubeletStep, "upgrade.uncordon.w-2", UpgradeRun.RecordChange],
            resumed.Hosts.Single(h => h.Host == "w-2").Ran.Take(5));
        Assert.DoesNotContain(hosts["cp-1"].Commands.Skip(cp1Before), c => c is "upgrade.preflight" or "upgrade.drain.w-1");
        Assert.Contains("upgrade.uncordon.w-3", hosts["cp-1"].Commands.Skip(cp1Before));
        Assert.True((await ApplyAsync(hosts, At(spec, 36, 2))).NothingToDo);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task ApplyAsync_KilledAfterDrainBeforeUncordon_ResumedRunUncordonsTheNode()
    {
        var hosts = await AppliedAsync(Spec());
        hosts["w-1"].BreakConnectionAt.Add(UpgradePlanner.KubeletStep);

        var report = await ApplyAsync(hosts, At(Spec(), 36, 2));
        Assert.Equal(1, report.ExitCode);
        Assert.Contains("upgrade.drain.w-1", hosts["cp-1"].JournalIds());
        Assert.DoesNotContain("upgrade.uncordon.w-1", hosts["cp-1"].JournalIds());

        var resumed = await ApplyAsync(hosts, At(Spec(), 36, 2));

        Assert.True(resumed.ExitCode == 0, EngineRun.Describe(resumed));
        Assert.Equal([UpgradePlanner.KubeletStep, "upgrade.uncordon.w-1", UpgradeRun.RecordChange], resumed.Hosts.Single(h => h.Host == "w-1").Ran.Take(3));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task ApplyAsync_BatchesOfTwo_WorkersOfABatchSideBySideNextBatchAfter()
    {
        var spec = Spec(workers: 4, batch: 2);
        var hosts = await AppliedAsync(spec);

        var report = await ApplyAsync(hosts, At(spec, 36, 2));

        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        var cp1 = hosts["cp-1"].Commands.ToList();
        // Batch 1 (w-1, w-2) is uncordoned before batch 2 (w-3, w-4) is drained.
        var lastOfFirst = Math.Max(cp1.IndexOf("upgrade.uncordon.w-1"), cp1.IndexOf("upgrade.uncordon.w-2"));
        var firstOfSecond = Math.Min(cp1.IndexOf("upgrade.drain.w-3"), cp1.IndexOf("upgrade.drain.w-4"));
        Assert.True(lastOfFirst >= 0 && lastOfFirst < firstOfSecond, string.Join(", ", cp1));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task ApplyAsync_WorkerUnreachable_UpgradeDoesNotStartNothingChanged()
    {
        var hosts = await AppliedAsync(Spec());
        var journals = Names.ToDictionary(h => h, h => hosts[h].JournalIds());
        hosts["w-2"].Unreachable = true;

        var report = await ApplyAsync(hosts, At(Spec(), 36, 2));

        Assert.Equal(1, report.ExitCode);
        Assert.Contains("w-2 is not: nothing was upgraded", report.Hosts.Single(h => h.Host == "cp-1").Message, StringComparison.Ordinal);
        Assert.All(Names, h => Assert.Equal(journals[h], hosts[h].JournalIds()));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task ApplyAsync_UpgradeWithHostsSelection_RefusedExit2NothingChanged()
    {
        var hosts = await AppliedAsync(Spec());
        var journals = Names.ToDictionary(h => h, h => hosts[h].JournalIds());

        var report = await ApplyAsync(hosts, At(Spec(), 36, 2), EngineRun.Options(hosts: ["w-1"]));

        Assert.Equal(2, report.ExitCode);
        Assert.Contains(report.Hosts.SelectMany(h => h.Refusals), r => r.Message.Contains("runs on the whole cluster", StringComparison.Ordinal));
        Assert.All(Names, h => Assert.Equal(journals[h], hosts[h].JournalIds()));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task ApplyAsync_NextMinor_UpgradedThenTheNewMinorsWavesRun()
    {
        var from = At(Spec(), 35, 4);
        var hosts = await AppliedAsync(from);

        var report = await ApplyAsync(hosts, At(Spec(), 36, 0));

        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        Assert.Equal("upgrade 1.35.4 → 1.36.0 (next minor): 4 waves", report.Procedure[0]);
        Assert.Contains("\"kubernetesVersion\":\"1.36.0\"", hosts["w-2"].StateJson, StringComparison.Ordinal);
        // After the nodes, the new minor's own steps (its packages, workloads) run in the normal waves.
        var cp1 = hosts["cp-1"].Commands.ToList();
        Assert.True(cp1.LastIndexOf("upgrade.uncordon.w-2") < cp1.LastIndexOf("prepare.kubernetes"), string.Join(", ", cp1));
        Assert.True((await ApplyAsync(hosts, At(Spec(), 36, 0))).NothingToDo);
    }

    [Theory]
    [Trait("Item", "13.1")]
    [InlineData(35, 9, "downgrade")]
    [InlineData(36, 0, "downgrade")]
    public async Task ApplyAsync_RefusedMove_Exit2NamingAllowedStepsAndNothingChanged(int minor, int patch, string inMessage)
    {
        var hosts = await AppliedAsync(Spec());
        var journals = Names.ToDictionary(h => h, h => hosts[h].JournalIds());

        var report = await ApplyAsync(hosts, At(Spec(), minor, patch));

        Assert.Equal(2, report.ExitCode);
        Assert.Null(report.Refusal);
        Assert.All(report.Hosts, h => Assert.Contains(h.Refusals, r => r.Key == "kubernetes.version"
            && r.Message.Contains(inMessage, StringComparison.Ordinal) && r.Message.Contains("a newer 1.36 patch", StringComparison.Ordinal)));
        Assert.All(Names, h => Assert.Equal(journals[h], hosts[h].JournalIds()));
    }
}
