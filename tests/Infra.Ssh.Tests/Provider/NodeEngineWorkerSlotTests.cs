using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Provider;

public sealed class WorkerSlotHosts() : HostsFixture("slots",
    new TestHostOptions { Name = "scp" },
    new TestHostOptions { Name = "sw1" },
    new TestHostOptions { Name = "sw2" },
    new TestHostOptions { Name = "sw3" });

/// <summary>
/// The provider's worker batches against real sshd hosts: three workers' upgrades started side by side, as the Pulumi
/// engine updates their resources, with batches of two. The slot script (upgrade/worker-slot.sh) runs for real under
/// flock on the first control plane, with the kubectl StandIn answering its node queries; the upgrade's own actions are
/// markers (a drain that logs its start on the first control plane, a kubelet that takes a second, an uncordon that logs
/// its end), so the log shows how many workers were between drain and uncordon at once.
/// </summary>
public class NodeEngineWorkerSlotTests(WorkerSlotHosts hosts) : IClassFixture<WorkerSlotHosts>
{
    private static readonly string[] Workers = ["sw1", "sw2", "sw3"];
    private const string Log = "/opt/slots/log";

    private PlannedHost Planned(string name, string role) => TestTargets.Planned(hosts[name], "root", role);

    /// <summary>The journals, locks and slots these runs leave, so that each test starts from hosts that never upgraded.</summary>
    private async Task ForgetAsync()
    {
        foreach (var h in new[] { "scp", "sw1", "sw2", "sw3" }) await hosts[h].ExecInsideAsync($"rm -rf {HostPaths.JournalDir} /opt/slots");
    }

    private static Step Marker(string id, string script) =>
        Step.Create(id, Phase.Upgrade, id, script, null, new Dictionary<string, string>(), [OsFamily.Debian12]);

    [RealHostFact]
    [Trait("Item", "13.3")]
    public async Task UpgradeAsync_ThreeWorkersSideBySideBatchesOfTwo_StandInKubectlNeverMoreThanTwoBetweenDrainAndUncordon()
    {
        // The stand-in kubectl reports v1.34.2 for every node: no worker is at the target yet, so no slot is taken back.
        await KubernetesStandIns.InstallAsync(hosts["scp"], "v1.34.2", "v1.7.1");
        var first = Planned("scp", Roles.ControlPlane);
        var move = VersionMoves.Decide(new KubernetesVersion(1, 34, 2), new KubernetesVersion(1, 34, 3));
        var settings = new NodeUpgradeSettings { WorkerBatchSize = 2, DrainTimeoutSeconds = 30, Etcd = EtcdTopology.Stacked, Nodes = ["scp", .. Workers] };
        using var engine = new NodeEngine { SlotPoll = TimeSpan.FromMilliseconds(200) };

        var runs = Workers.Select(name =>
        {
            var program = new NodeProgram { Host = Planned(name, Roles.Worker), Steps = [] };
            IReadOnlyList<UpgradeAction> actions =
            [
                new(name, Marker(UpgradePlanner.RequirementsStep, "true")),
                new("scp", Marker(UpgradePlanner.DrainStepPrefix + name, $"mkdir -p /opt/slots && echo \"start {name} $(date +%s%N)\" >> {Log}")),
                new(name, Marker(UpgradePlanner.KubeletStep, "sleep 1")),
                new("scp", Marker(UpgradePlanner.UncordonStepPrefix + name, $"echo \"end {name} $(date +%s%N)\" >> {Log}")),
            ];
            var slot = UpgradePlanner.WorkerSlotFor(program, first, move, settings)!;
            return engine.UpgradeAsync(program, first, actions, TestTargets.NodeConnection(hosts.Network, 60), CancellationToken.None, slot);
        }).ToList();
        await Task.WhenAll(runs);

        var events = hosts["scp"].ReadDiskFile(Log)!.Trim().Split('\n').Select(l => l.Split(' '))
            .Select(p => (Kind: p[0], Node: p[1], At: long.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture))).OrderBy(e => e.At).ToList();
        var inFlight = 0;
        var most = 0;
        foreach (var e in events)
        {
            inFlight += e.Kind == "start" ? 1 : -1;
            most = Math.Max(most, inFlight);
        }
        Assert.Equal(6, events.Count);
        Assert.Equal(2, most);
        Assert.All(Workers, w => Assert.Null(hosts["scp"].ReadDiskFile($"{UpgradePlanner.SlotsDir}/{w}")));
        Assert.All(runs, r => Assert.Equal(4, r.Result.Count));
        // The slot script asked kubectl about the holders while the third worker waited.
        Assert.Contains(KubernetesStandIns.Calls(hosts["scp"]), c => c.Tool == "kubectl" && c.Has("--ignore-not-found"));
    }

    /// <summary>
    /// The holder's connection to the first control plane breaks (its sshd processes killed, as a network fault would)
    /// before its upgrade fails: a fresh connection marks its slot failed, so the other worker, waiting for the one slot,
    /// stops at once instead of waiting out the procedure's bound. Both workers run the same actions: whichever holds
    /// the slot first breaks its own connection.
    /// </summary>
    [RealHostFact]
    [Trait("Item", "13.2")]
    public async Task UpgradeAsync_HolderFailsAfterItsConnectionToTheFirstControlPlaneBroke_StandInKubectlTheOtherWorkerStopsPromptly()
    {
        await KubernetesStandIns.InstallAsync(hosts["scp"], "v1.34.2", "v1.7.1");
        await ForgetAsync();
        var first = Planned("scp", Roles.ControlPlane);
        var move = VersionMoves.Decide(new KubernetesVersion(1, 34, 2), new KubernetesVersion(1, 34, 3));
        string[] workers = ["sw1", "sw2"];
        var settings = new NodeUpgradeSettings { WorkerBatchSize = 1, DrainTimeoutSeconds = 30, Etcd = EtcdTopology.Stacked, Nodes = ["scp", .. workers] };
        using var engine = new NodeEngine { SlotPoll = TimeSpan.FromMilliseconds(200) };
        // On the first control plane: the sshd processes serving this connection (not the listener) are killed a
        // second after this action ends.
        const string BreakThisConnection = """
            mkdir -p /opt/slots
            pids=()
            p=$$
            while p=$(ps -o ppid= -p "$p" | tr -d ' ') && [ -n "$p" ] && [ "$p" -gt 1 ]; do
              case "$(ps -o args= -p "$p")" in 'sshd: '*) pids+=("$p") ;; esac
            done
            echo "${pids[*]}" >> /opt/slots/broken
            setsid bash -c "sleep 1; kill -9 ${pids[*]}" </dev/null >/dev/null 2>&1 &
            """;

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var runs = workers.Select(name =>
        {
            var program = new NodeProgram { Host = Planned(name, Roles.Worker), Steps = [] };
            IReadOnlyList<UpgradeAction> actions =
            [
                new(name, Marker(UpgradePlanner.RequirementsStep, "true")),
                new("scp", Marker(UpgradePlanner.DrainStepPrefix + name, BreakThisConnection)),
                new(name, Marker(UpgradePlanner.KubeletStep, "sleep 3; echo 'the new kubelet did not start' >&2; exit 1")),
                new("scp", Marker(UpgradePlanner.UncordonStepPrefix + name, "true")),
            ];
            var slot = UpgradePlanner.WorkerSlotFor(program, first, move, settings)!;
            return engine.UpgradeAsync(program, first, actions, TestTargets.NodeConnection(hosts.Network, 60), CancellationToken.None, slot);
        }).ToList();
        var all = Task.WhenAll(runs);
        var ended = await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60)));
        var elapsed = watch.Elapsed;
        var broken = hosts["scp"].ReadDiskFile("/opt/slots/broken");
        await ForgetAsync();

        Assert.True(ended == all, "both workers ended within 60 s (the procedure's bound is an hour)");
        Assert.Single(broken!.Trim().Split('\n'));
        var failures = runs.Select(r => Assert.IsType<StepFailedException>(r.Exception!.InnerException)).ToList();
        Assert.Single(failures, f => f.Message.Contains("the new kubelet did not start", StringComparison.Ordinal));
        Assert.Single(failures, f => f.Failure.StepId == "worker slot" && f.Failure.ExitCode == UpgradePlanner.SlotStoppedExit);
        Assert.True(elapsed < TimeSpan.FromSeconds(30), $"the other worker stopped after {elapsed.TotalSeconds:0.0} s");
    }
}
