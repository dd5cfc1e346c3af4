using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Shell;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Planning;

/// <summary>
/// The provider's worker batches (<see cref="UpgradePlanner.WorkerSlotFor"/>): the slot script run by real bash and
/// flock in a temporary folder, with a kubectl StandIn that answers <c>get node</c> from files and records its calls.
/// kubectl's jsonpath output leaves a missing field empty (cli-runtime jsonpath_flags.go: allowMissingKeys defaults to
/// true; docs/upstream.md), so a schedulable node at the new version answers "v1.36.1 ".
/// </summary>
public sealed class UpgradeWorkerSlotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("infra-slots-").FullName;

    private static readonly KubernetesVersion From = new(1, 36, 0);
    private static readonly KubernetesVersion To = new(1, 36, 1);

    public UpgradeWorkerSlotTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "bin"));
        Directory.CreateDirectory(Path.Combine(_dir, "nodes"));
        var kubectl = Path.Combine(_dir, "bin", "kubectl");
        File.WriteAllText(kubectl, $$"""
            #!/bin/bash
            # StandIn: records its arguments; 'get node N' prints nodes/N (nothing: not found, as --ignore-not-found prints).
            echo "$*" >> '{{_dir}}/kubectl-calls'
            if [ "$1" = get ] && [ "$2" = node ] && [ -f '{{_dir}}/nodes/'"$3" ]; then cat '{{_dir}}/nodes/'"$3"; fi

            """);
        File.SetUnixFileMode(kubectl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ClusterPlan Plan(int batch) => ClusterPlanner.Plan(SampleSpecs.BareMetal(1, 4) with
    {
        Kubernetes = SampleSpecs.BareMetal().Kubernetes with { Version = To, Upgrade = UpgradeSpec.Default with { WorkerBatchSize = batch } },
    });

    private static WorkerSlot? SlotOf(string node, int batch = 2)
    {
        var plan = Plan(batch);
        return UpgradePlanner.WorkerSlotFor(plan.Nodes.Single(n => n.Host.Name == node), plan.FirstControlPlane!, VersionMoves.Decide(From, To),
            NodeUpgradeSettings.Of(plan.Spec, plan.Hosts));
    }

    /// <summary>Every script the slots render (the shell tests shellcheck what steps render; these are not steps).</summary>
    internal static IReadOnlyList<string> Scripts() => SlotOf("w-1") is { } s ? [s.Claim, s.Release, s.Fail] : [];

    /// <summary>The slot script as the planner renders it, with the folders moved into the test's own.</summary>
    private ProcessResult Slot(string action, string node, int slots = 2)
    {
        var rendered = SlotOf(node, slots)!;
        var script = action switch { "claim" => rendered.Claim, "release" => rendered.Release, _ => rendered.Fail };
        script = script.Replace($"readonly SLOTS_DIR={UpgradePlanner.SlotsDir}", $"readonly SLOTS_DIR={Bash.Quote(Path.Combine(_dir, "slots"))}", StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_dir, "slots"), script, StringComparison.Ordinal);
        return ProcessRunner.Run("bash", ["-c", script], environment: new Dictionary<string, string> { ["PATH"] = $"{_dir}/bin:/usr/bin:/bin:/usr/sbin:/sbin" },
            timeout: TimeSpan.FromMinutes(2));
    }

    private void NodeAnswers(string node, string answer) => File.WriteAllText(Path.Combine(_dir, "nodes", node), answer);

    private string? Held(string node) => File.Exists(Path.Combine(_dir, "slots", node)) ? File.ReadAllText(Path.Combine(_dir, "slots", node)).Trim() : null;

    [Fact]
    [Trait("Item", "13.3")]
    public void WorkerSlotFor_ControlPlaneNone_WorkerOneWithTheBatchSize()
    {
        Assert.Null(SlotOf("cp-1"));
        var slot = SlotOf("w-1", batch: 3)!;
        Assert.Contains("readonly SLOTS=3\n", slot.Claim, StringComparison.Ordinal);
        Assert.Contains("readonly NODE=w-1\n", slot.Claim, StringComparison.Ordinal);
        Assert.Contains("readonly ACTION=claim\n", slot.Claim, StringComparison.Ordinal);
        Assert.Contains("readonly ACTION=release\n", slot.Release, StringComparison.Ordinal);
        Assert.Contains("readonly ACTION=fail\n", slot.Fail, StringComparison.Ordinal);
        Assert.StartsWith(Step.Header, slot.Claim, StringComparison.Ordinal);
        // Five nodes, each drain (5 min) and readiness (5 min) bounded plus ten minutes: the whole procedure.
        Assert.Equal(TimeSpan.FromMinutes(5 * 20), slot.Wait);
    }

    [RealToolFact("flock")]
    [Trait("Item", "13.3")]
    public void Claim_StandInKubectl_TwoSlotsHeldThirdWorkerWaitsUntilOneIsReleased()
    {
        NodeAnswers("w-1", "v1.36.0 true");
        NodeAnswers("w-2", "v1.36.0 true");

        Assert.Equal(0, Slot("claim", "w-1").ExitCode);
        Assert.Equal(0, Slot("claim", "w-2").ExitCode);
        var busy = Slot("claim", "w-3");
        // Claimed again by its holder (a stopped run resumed), a slot stays its own.
        var again = Slot("claim", "w-1");
        Assert.Equal(0, Slot("release", "w-1").ExitCode);
        var after = Slot("claim", "w-3");

        Assert.Equal(UpgradePlanner.SlotBusyExit, busy.ExitCode);
        Assert.Contains("every worker slot is held (w-1 w-2)", busy.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(0, after.ExitCode);
        Assert.Null(Held("w-1"));
        Assert.Equal("running 1.36.1", Held("w-2"));
        Assert.Equal("running 1.36.1", Held("w-3"));
        Assert.Contains("get node w-1 --ignore-not-found -o jsonpath={.status.nodeInfo.kubeletVersion} {.spec.unschedulable}",
            File.ReadAllText(Path.Combine(_dir, "kubectl-calls")), StringComparison.Ordinal);
    }

    [RealToolFact("flock")]
    [Trait("Item", "13.3")]
    public void Claim_StandInKubectl_SlotsOfFinishedGoneOrEarlierUpgradesAreTakenBack()
    {
        NodeAnswers("w-1", "v1.36.1 ");          // at the new version and schedulable: done, its release lost
        NodeAnswers("w-2", "v1.36.1 true");      // at the new version, still cordoned: still being upgraded
        Assert.Equal(0, Slot("claim", "w-1").ExitCode);
        Assert.Equal(0, Slot("claim", "w-2").ExitCode);
        Directory.CreateDirectory(Path.Combine(_dir, "slots"));
        File.WriteAllText(Path.Combine(_dir, "slots", "w-4"), "running 1.35.9\n"); // an earlier upgrade's
        File.WriteAllText(Path.Combine(_dir, "slots", "gone-1"), "running 1.36.1\n"); // a node no longer in the cluster

        var r = Slot("claim", "w-3");

        Assert.Equal(0, r.ExitCode);
        Assert.Null(Held("w-1"));
        Assert.Null(Held("w-4"));
        Assert.Null(Held("gone-1"));
        Assert.Equal("running 1.36.1", Held("w-2"));
        Assert.Equal("running 1.36.1", Held("w-3"));
    }

    [RealToolFact("flock")]
    [Trait("Item", "13.3")]
    public void Claim_StandInKubectl_AnotherWorkersFailedUpgradeStopsTheRestUntilItCompletes()
    {
        NodeAnswers("w-1", "v1.36.0 true");
        Assert.Equal(0, Slot("claim", "w-1").ExitCode);
        Assert.Equal(0, Slot("fail", "w-1").ExitCode);

        var stopped = Slot("claim", "w-2");
        var resumed = Slot("claim", "w-1");
        NodeAnswers("w-1", "v1.36.1 ");
        Assert.Equal(0, Slot("release", "w-1").ExitCode);
        var afterwards = Slot("claim", "w-2");

        Assert.Equal(UpgradePlanner.SlotStoppedExit, stopped.ExitCode);
        Assert.Contains("the upgrade to 1.36.1 of worker w-1 failed", stopped.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, resumed.ExitCode);
        Assert.Equal(0, afterwards.ExitCode);
        Assert.Equal("running 1.36.1", Held("w-2"));
    }

    [RealToolFact("shellcheck")]
    [Trait("Item", "13.3")]
    public void Shellcheck_SlotScripts_Pass()
    {
        foreach (var script in Scripts())
        {
            var file = Path.Combine(_dir, "slot.sh");
            File.WriteAllText(file, "#!/bin/bash\n" + script);
            var r = NodePrograms.Tool.Run("shellcheck", "shellcheck", ["-S", "style", "-s", "bash", "-f", "gcc", file]);
            Assert.True(r.ExitCode == 0, r.Output + "\n" + script);
        }
    }
}
