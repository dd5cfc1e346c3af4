using System.Globalization;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Provider;

public sealed class PoolLabelsHosts() : HostsFixture("plab", new TestHostOptions { Name = "pcp" });

/// <summary>
/// The Pulumi path's relabel procedure (<c>kubeadm:index:PoolLabels</c>): Core's one-step program for the first control
/// plane run by the provider's node engine against a real sshd host whose kubectl is the StandIn that records its calls.
/// </summary>
public class NodeEnginePoolLabelsTests(PoolLabelsHosts hosts) : IClassFixture<PoolLabelsHosts>
{
    private NodeConnection Connection => TestTargets.NodeConnection(hosts.Network, commandTimeoutSeconds: 60);

    private PlannedHost First => TestTargets.Planned(hosts["pcp"], "root", Roles.ControlPlane);

    /// <summary>Core's relabel program for a cluster whose workers (w-1, w-2) carry team=TEAM and the taint dedicated=TEAM:EFFECT, on the harness host.</summary>
    private NodeProgram Relabel(string team, string effect)
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 1, workers: 2);
        spec = spec with
        {
            Workers = [.. spec.Workers.Select(w => w with
            {
                Labels = new Dictionary<string, string> { ["team"] = team },
                Taints = [new Taint("dedicated", team, effect)],
            })],
        };
        return AfterJoinLabels.Program(spec, HostInventory.Plan(spec))! with { Host = First };
    }

    private List<string> KubectlSince(int calls) =>
        [.. KubernetesStandIns.Calls(hosts["pcp"]).Skip(calls).Where(c => c.Tool == "kubectl").Select(c => c.Arguments)];

    [RealHostFact]
    [Trait("Item", "13.3")]
    public async Task ApplyAsync_RelabelProgramLabelThenTaintChanged_StandInKubectlReachesTheNodesReRunDoesNothing()
    {
        await KubernetesStandIns.InstallAsync(hosts["pcp"], "v1.36.1", "v1.7.1");
        using var engine = new NodeEngine();
        // The first control plane's own program journaled a step: a one-step program neither resets nor forgets it.
        var own = new NodeProgram
        {
            Host = First,
            Steps = [Step.Create("prepare.marker", Phase.Prepare, "marker", "true", null, new Dictionary<string, string>(), [OsFamily.Debian12])],
        };
        await engine.ApplyAsync(own, null, Connection, CancellationToken.None);

        var created = await engine.ApplyAsync(Relabel("web", "NoSchedule"), null, Connection, CancellationToken.None);
        var afterCreate = KubernetesStandIns.Calls(hosts["pcp"]).Count;
        var labelled = await engine.ApplyAsync(Relabel("db", "NoSchedule"), null, Connection, CancellationToken.None);
        var label = KubectlSince(afterCreate);
        var afterLabel = KubernetesStandIns.Calls(hosts["pcp"]).Count;
        var tainted = await engine.ApplyAsync(Relabel("db", "NoExecute"), null, Connection, CancellationToken.None);
        var taint = KubectlSince(afterLabel);
        var afterTaint = KubernetesStandIns.Calls(hosts["pcp"]).Count;
        var again = await engine.ApplyAsync(Relabel("db", "NoExecute"), null, Connection, CancellationToken.None);

        Assert.Equal([AfterJoinLabels.StepId], created.Ran);
        Assert.Equal([AfterJoinLabels.StepId], labelled.Ran);
        Assert.Equal([AfterJoinLabels.StepId], tainted.Ran);
        foreach (var node in new[] { "w-1", "w-2" })
        {
            Assert.Contains($"label node {node} --overwrite team=db", label);
            Assert.Contains($"taint node {node} --overwrite dedicated=db:NoExecute", taint);
            Assert.Contains($"annotate node {node} --overwrite {AfterJoinLabels.TaintsAnnotation}=dedicated:NoExecute", taint);
        }
        // Nothing changed: the journal skips the step, kubectl is not called.
        Assert.Empty(again.Ran);
        Assert.Equal(afterTaint, KubernetesStandIns.Calls(hosts["pcp"]).Count);
        var journal = await engine.JournalAsync(First, Connection, CancellationToken.None);
        Assert.Equal(own.Steps[0].InputHash, journal["prepare.marker"]);
        Assert.Equal(Relabel("db", "NoExecute").Steps[0].InputHash, journal[AfterJoinLabels.StepId]);
    }
}

public sealed class KubeletSlotHosts() : HostsFixture("kslot",
    new TestHostOptions { Name = "kcp" },
    new TestHostOptions { Name = "kw1" },
    new TestHostOptions { Name = "kw2" },
    new TestHostOptions { Name = "kw3" });

/// <summary>
/// The workers' kubelet configuration change on the Pulumi path, against real sshd hosts: three workers converged side by
/// side, as the Pulumi engine updates their resources. The slot script (upgrade/worker-slot.sh, Core's
/// <see cref="KubeletSettingsSlots"/>) runs for real under flock on the first control plane, with the StandIn kubectl and
/// kubeadm (join credentials) there; each worker's kubelet.settings is a marker that logs its start and end around a
/// second's sleep, so the logs show how many workers were restarting at once.
/// </summary>
public class NodeEngineKubeletSlotTests(KubeletSlotHosts hosts) : IClassFixture<KubeletSlotHosts>
{
    private static readonly string[] Workers = ["kw1", "kw2", "kw3"];
    private const string Log = "/opt/kslot/log";

    private PlannedHost Planned(string name, string role) => TestTargets.Planned(hosts[name], "root", role);

    /// <summary>A worker's program: its join (with the join token, as Core's) and its kubelet.settings at configuration <paramref name="digest"/>.</summary>
    private NodeProgram Worker(string name, string digest) => new()
    {
        Host = Planned(name, Roles.Worker),
        Steps =
        [
            Step.Create("workers.join", Phase.Workers, "join", "true", null, new Dictionary<string, string>(), [OsFamily.Debian12],
                runtimeInputs: [JoinCredentials.TokenInput]),
            Step.Create(ReconfigureSteps.KubeletStepId, Phase.Workers, "kubelet",
                $"mkdir -p /opt/kslot\necho \"start {digest} $(date +%s%N)\" >> {Log}\nsleep 1\necho \"end {digest} $(date +%s%N)\" >> {Log}\n",
                null, new Dictionary<string, string> { [ReconfigureSteps.KubeletDigestInput] = digest }, [OsFamily.Debian12]),
        ],
    };

    private async Task<IReadOnlyList<NodeRunResult>> ConvergeSideBySideAsync(NodeEngine engine, string digest)
    {
        var first = Planned("kcp", Roles.ControlPlane);
        var cluster = new NodeUpgradeSettings { WorkerBatchSize = 2, DrainTimeoutSeconds = 30, Etcd = EtcdTopology.Stacked, Nodes = ["kcp", .. Workers] };
        var connection = TestTargets.NodeConnection(hosts.Network, 60);
        return await Task.WhenAll(Workers.Select(name =>
        {
            var program = Worker(name, digest);
            return engine.ApplyAsync(program, first, connection, CancellationToken.None, kubeletSlot: KubeletSettingsSlots.For(program, first, cluster));
        }));
    }

    /// <summary>The most workers between the start and the end of their kubelet.settings at once, for one configuration.</summary>
    private int MostAtOnce(string digest)
    {
        var events = Workers.SelectMany(w => (hosts[w].ReadDiskFile(Log) ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Select(l => l.Split(' ')).Where(p => p[1] == digest)
            .Select(p => (Start: p[0] == "start", At: long.Parse(p[2], CultureInfo.InvariantCulture))).OrderBy(e => e.At).ToList();
        Assert.Equal(2 * Workers.Length, events.Count);
        var inFlight = 0;
        var most = 0;
        foreach (var e in events)
        {
            inFlight += e.Start ? 1 : -1;
            most = Math.Max(most, inFlight);
        }
        return most;
    }

    [RealHostFact]
    [Trait("Item", "13.3")]
    public async Task ApplyAsync_ThreeWorkersSideBySideKubeletSettingChanged_StandInKubectlNeverMoreThanOneRestartingAtOnce()
    {
        await KubernetesStandIns.InstallAsync(hosts["kcp"], "v1.36.1", "v1.7.1");
        using var engine = new NodeEngine { SlotPoll = TimeSpan.FromMilliseconds(200) };

        // New workers join side by side: their kubelets start with the planned configuration, no slot is claimed.
        var joined = await ConvergeSideBySideAsync(engine, "digest-a");
        var slotsAfterJoin = Directory.Exists(hosts["kcp"].DiskPath(KubeletSettingsSlots.SlotsDir));
        // A changed kubelet setting on the live workers: one at a time.
        var changed = await ConvergeSideBySideAsync(engine, "digest-b");
        var again = await ConvergeSideBySideAsync(engine, "digest-b");

        Assert.All(joined, r => Assert.Equal(["workers.join", ReconfigureSteps.KubeletStepId], r.Ran));
        Assert.False(slotsAfterJoin);
        Assert.All(changed, r => Assert.Equal([ReconfigureSteps.KubeletStepId], r.Ran));
        Assert.Equal(1, MostAtOnce("digest-b"));
        Assert.All(Workers, w => Assert.Null(hosts["kcp"].ReadDiskFile($"{KubeletSettingsSlots.SlotsDir}/{w}")));
        // The claim script asked kubectl about the holder while another worker waited.
        Assert.Contains(KubernetesStandIns.Calls(hosts["kcp"]), c => c.Tool == "kubectl" && c.Has("--ignore-not-found"));
        // Nothing changed: nothing runs, no slot is claimed.
        Assert.All(again, r => Assert.Empty(r.Ran));
    }
}
