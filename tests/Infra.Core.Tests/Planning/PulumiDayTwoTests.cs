using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Shell;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Planning;

/// <summary>
/// What the Pulumi path's provider needs from Core for configuration changes (issue 13): the relabel procedure as the
/// first control plane's one-step program (<c>kubeadm:index:PoolLabels</c>), and the slot a worker holds around its
/// kubelet configuration change so the workers the Pulumi engine updates side by side restart one at a time.
/// </summary>
[Trait("Item", "13.3")]
public sealed class PulumiDayTwoTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("infra-kubelet-slots-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ClusterSpec Spec() => SampleSpecs.BareMetal(controlPlanes: 1, workers: 2);

    private static ClusterSpec WithPool(ClusterSpec spec, IReadOnlyDictionary<string, string> labels, IReadOnlyList<Taint> taints) =>
        spec with { Workers = [.. spec.Workers.Select(w => w with { Labels = labels, Taints = taints })] };

    private static Step RelabelStep(ClusterSpec spec) => Assert.Single(AfterJoinLabels.Program(spec, HostInventory.Plan(spec))!.Steps);

    [Fact]
    public void Program_Cluster_FirstControlPlaneRunsInfraApplysRelabelStep()
    {
        var spec = WithPool(Spec(), new Dictionary<string, string> { ["team"] = "web" }, [new Taint("dedicated", "web", "NoSchedule")]);
        var hosts = HostInventory.Plan(spec);

        var program = AfterJoinLabels.Program(spec, hosts)!;

        Assert.Equal(hosts.First(h => h.Has(Roles.ControlPlane)), program.Host);
        var step = Assert.Single(program.Steps);
        // The step infra apply places in the first control plane's program: one journal entry for both paths.
        var planned = ClusterPlanner.Plan(spec).Nodes.SelectMany(n => n.Steps).Single(s => s.Id == AfterJoinLabels.StepId);
        Assert.Equal(planned.Id, step.Id);
        Assert.Equal(planned.InputHash, step.InputHash);
        Assert.Equal(planned.Script, step.Script);
        Assert.Contains("readonly -a TAINTS_0=(dedicated=web:NoSchedule)\n", step.Script, StringComparison.Ordinal);
    }

    [Fact]
    public void Program_PoolLabelOrTaintChanged_HashChangesOtherSettingsDoNot()
    {
        var labels = new Dictionary<string, string> { ["team"] = "web" };
        Taint[] taints = [new Taint("dedicated", "web", "NoSchedule")];
        var spec = WithPool(Spec(), labels, taints);
        var before = RelabelStep(spec);

        var label = RelabelStep(WithPool(spec, new Dictionary<string, string> { ["team"] = "db" }, taints));
        var taint = RelabelStep(WithPool(spec, labels, [new Taint("dedicated", "web", "NoExecute")]));
        var removed = RelabelStep(WithPool(spec, new Dictionary<string, string>(), taints));
        // Not a pool's label or taint: the kubelet configuration (DNS domain) and the Kubernetes patch version.
        var other = RelabelStep(spec with { Kubernetes = spec.Kubernetes with { DnsDomain = "cluster.example", Version = new KubernetesVersion(1, 36, 2) } });

        Assert.NotEqual(before.InputHash, label.InputHash);
        Assert.NotEqual(before.InputHash, taint.InputHash);
        Assert.NotEqual(before.InputHash, removed.InputHash);
        Assert.Equal(before.InputHash, other.InputHash);
        Assert.Equal(before.InputHash, RelabelStep(WithPool(Spec(), new Dictionary<string, string> { ["team"] = "web" }, taints)).InputHash);
    }

    [Fact]
    public void Program_NoWorker_None()
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 1, workers: 0);

        Assert.Null(AfterJoinLabels.Program(spec, HostInventory.Plan(spec)));
    }

    private static (NodeProgram Worker, NodeProgram ControlPlane, PlannedHost First, NodeUpgradeSettings Cluster) Kubelet(ClusterSpec spec)
    {
        var plan = ClusterPlanner.Plan(spec);
        return (plan.Nodes.First(n => n.Host.Has(Roles.Worker)), plan.Nodes.First(n => n.Host.Has(Roles.ControlPlane)), plan.FirstControlPlane!,
            NodeUpgradeSettings.Of(plan.Spec, plan.Hosts));
    }

    [Fact]
    public void KubeletSlot_Worker_OneSlotKeyedByTheConfigurationsDigestInAFolderOfItsOwn()
    {
        var (worker, controlPlane, first, cluster) = Kubelet(Spec());
        var step = worker.Steps.Single(s => s.Id == ReconfigureSteps.KubeletStepId);

        var slot = KubeletSettingsSlots.For(worker, first, cluster)!;
        var changed = Kubelet(Spec() with { Kubernetes = Spec().Kubernetes with { DnsDomain = "cluster.example" } });
        var fresh = KubeletSettingsSlots.For(changed.Worker, changed.First, changed.Cluster)!;

        Assert.Null(KubeletSettingsSlots.For(controlPlane, first, cluster));
        Assert.Contains($"readonly SLOTS_DIR={KubeletSettingsSlots.SlotsDir}\n", slot.Claim, StringComparison.Ordinal);
        Assert.StartsWith(UpgradePlanner.SlotsDir + "/", KubeletSettingsSlots.SlotsDir, StringComparison.Ordinal);
        Assert.Contains("readonly SLOTS=1\n", slot.Claim, StringComparison.Ordinal);
        Assert.Contains($"readonly NODE={worker.Host.Name}\n", slot.Claim, StringComparison.Ordinal);
        Assert.Contains($"readonly KEY={step.Inputs[ReconfigureSteps.KubeletDigestInput]}\n", slot.Claim, StringComparison.Ordinal);
        Assert.Contains("readonly TO_VERSION=''\n", slot.Claim, StringComparison.Ordinal);
        Assert.Contains("readonly ACTION=release\n", slot.Release, StringComparison.Ordinal);
        Assert.Contains("readonly ACTION=fail\n", slot.Fail, StringComparison.Ordinal);
        // A new kubelet configuration is a new change: a fresh set of slots.
        Assert.DoesNotContain($"readonly KEY={step.Inputs[ReconfigureSteps.KubeletDigestInput]}\n", fresh.Claim, StringComparison.Ordinal);
        // Every worker's slot names the same change (the step's own hash differs per node).
        Assert.All(ClusterPlanner.Plan(Spec()).Nodes.Where(n => n.Host.Has(Roles.Worker)),
            n => Assert.Contains($"readonly KEY={step.Inputs[ReconfigureSteps.KubeletDigestInput]}\n", KubeletSettingsSlots.For(n, first, cluster)!.Claim, StringComparison.Ordinal));
        // Three nodes, each restart and readiness bounded plus a minute.
        Assert.Equal(TimeSpan.FromSeconds(3 * (ReconfigureSteps.HealthTimeoutSeconds + 60)), slot.Wait);
        Assert.Contains("one worker at a time", slot.Stopped, StringComparison.Ordinal);
    }

    [Fact]
    public void KubeletSlot_Holds_OnlyTheKubeletStepOfAWorkerThatJoinedBefore()
    {
        var (worker, _, _, _) = Kubelet(Spec());
        var kubelet = worker.Steps.Single(s => s.Id == ReconfigureSteps.KubeletStepId);
        var joined = worker.Steps.TakeWhile(s => s.Id != ReconfigureSteps.KubeletStepId).Select(s => s.Id).ToList();

        Assert.Contains("workers.join", joined);
        Assert.True(KubeletSettingsSlots.Holds(worker, kubelet, joined));
        // Joining in this run: it starts with the planned configuration and restarts nothing.
        Assert.False(KubeletSettingsSlots.Holds(worker, kubelet, joined.Where(id => id != "workers.join")));
        Assert.False(KubeletSettingsSlots.Holds(worker, worker.Steps.Single(s => s.Id == "workers.join"), joined));
    }

    /// <summary>The slot script as Core renders it for a worker's kubelet change, run by real bash and flock with the folder moved into the test's.</summary>
    private ProcessResult Slot(WorkerSlot slot, string action)
    {
        var script = action switch { "claim" => slot.Claim, "release" => slot.Release, _ => slot.Fail };
        script = script.Replace($"readonly SLOTS_DIR={KubeletSettingsSlots.SlotsDir}", $"readonly SLOTS_DIR={Bash.Quote(Path.Combine(_dir, "slots"))}", StringComparison.Ordinal);
        return ProcessRunner.Run("bash", ["-c", script], environment: new Dictionary<string, string> { ["PATH"] = $"{_dir}/bin:/usr/bin:/bin:/usr/sbin:/sbin" },
            timeout: TimeSpan.FromMinutes(2));
    }

    [RealToolFact("flock")]
    public void KubeletSlot_StandInKubectl_OneWorkerAtATimeAFailureStopsTheOthersANewChangeStartsFresh()
    {
        // StandIn kubectl: every node exists (a kubelet version, schedulable).
        Directory.CreateDirectory(Path.Combine(_dir, "bin"));
        var kubectl = Path.Combine(_dir, "bin", "kubectl");
        File.WriteAllText(kubectl, "#!/bin/bash\nprintf 'v1.36.1 '\n");
        File.SetUnixFileMode(kubectl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var spec = SampleSpecs.BareMetal(controlPlanes: 1, workers: 3);
        var plan = ClusterPlanner.Plan(spec);
        var cluster = NodeUpgradeSettings.Of(plan.Spec, plan.Hosts);
        WorkerSlot SlotOf(ClusterPlan p, string node) => KubeletSettingsSlots.For(p.Nodes.Single(n => n.Host.Name == node), p.FirstControlPlane!, cluster)!;
        var changed = ClusterPlanner.Plan(spec with { Kubernetes = spec.Kubernetes with { DnsDomain = "cluster.example" } });

        var first = Slot(SlotOf(plan, "w-1"), "claim");
        var busy = Slot(SlotOf(plan, "w-2"), "claim");
        Slot(SlotOf(plan, "w-1"), "fail");
        var stopped = Slot(SlotOf(plan, "w-2"), "claim");
        var fresh = Slot(SlotOf(changed, "w-3"), "claim");

        Assert.Equal(0, first.ExitCode);
        // The schedulable holder at the cluster's version has not finished: only an upgrade's slot is taken back that way.
        Assert.Equal(UpgradePlanner.SlotBusyExit, busy.ExitCode);
        Assert.Contains("every worker slot is held (w-1)", busy.Stdout, StringComparison.Ordinal);
        Assert.Equal(UpgradePlanner.SlotStoppedExit, stopped.ExitCode);
        Assert.Contains("the kubelet configuration change of worker w-1 failed", stopped.Stderr, StringComparison.Ordinal);
        // Another configuration: the failed slot was the earlier change's.
        Assert.Equal(0, fresh.ExitCode);
        Assert.False(File.Exists(Path.Combine(_dir, "slots", "w-1")));
    }
}
