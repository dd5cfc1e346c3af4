using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>One journaled action of an upgrade: a step run on a host (the node itself, or the first control plane for its drain and uncordon).</summary>
public sealed record UpgradeAction(string Host, Step Step);

/// <summary>
/// A Kubernetes upgrade as waves of the execution model (kubeadm's documented order): preflight on the first control
/// plane; the first control plane (<c>kubeadm upgrade apply</c>); the other control planes one at a time and the
/// workers in batches (<c>kubeadm upgrade node</c>). Each node gets the new packages, runs kubeadm (with its kubeadm
/// patches), is drained, restarts its kubelet, and is uncordoned once Ready at the new version.
/// </summary>
public sealed record UpgradeProcedure
{
    public required VersionMove Move { get; init; }
    /// <summary>Phase <see cref="Phase.Upgrade"/> waves, in order: preflight, first control plane, other control planes, workers.</summary>
    public required IReadOnlyList<ExecutionWave> Waves { get; init; }
    /// <summary>Node → its actions in order (packages, kubeadm, drain, kubelet, uncordon); the preflight is under the first control plane's name, first.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<UpgradeAction>> Actions { get; init; }
    /// <summary>Where the preflight keeps the etcd snapshot on the first control plane (stacked etcd); null for external etcd.</summary>
    public required string? SnapshotPath { get; init; }

    /// <summary>
    /// The actions <paramref name="node"/> runs in the wave at <paramref name="wave"/>: its check of the new version's
    /// requirements in the first, the preflight (first control plane) in the second, the rest in its own wave.
    /// </summary>
    public IReadOnlyList<UpgradeAction> ActionsIn(int wave, string node) =>
        [.. Actions.GetValueOrDefault(node, []).Where(a => wave switch
        {
            0 => a.Step.Id == UpgradePlanner.RequirementsStep,
            1 => a.Step.Id == UpgradePlanner.PreflightStep,
            _ => a.Step.Id is not (UpgradePlanner.RequirementsStep or UpgradePlanner.PreflightStep),
        })];

    /// <summary>As <c>infra plan</c> and <c>apply --dry-run</c> print it: the move, then each wave.</summary>
    public IReadOnlyList<string> Describe() =>
        [$"{Move.Describe()}: {Waves.Count} waves", .. Waves.Select(w => "  " + w.Describe())];
}

/// <summary>
/// What a <c>kubeadm:index:Node</c> resource needs besides its program to upgrade its node (<see cref="UpgradePlanner.ForNode"/>):
/// the stack's <c>kubernetes.upgrade</c> settings, the etcd topology (the preflight's snapshot) and the cluster's nodes,
/// control planes first (the preflight's list). The component hands it over as wire JSON.
/// </summary>
public sealed record NodeUpgradeSettings
{
    public required int WorkerBatchSize { get; init; }
    public required int DrainTimeoutSeconds { get; init; }
    public required EtcdTopology Etcd { get; init; }
    public required IReadOnlyList<string> Nodes { get; init; }

    public UpgradeSpec Settings => new() { WorkerBatchSize = WorkerBatchSize, DrainTimeoutSeconds = DrainTimeoutSeconds };

    /// <param name="hosts">The planned hosts in bootstrap order.</param>
    public static NodeUpgradeSettings Of(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts) => new()
    {
        WorkerBatchSize = spec.Kubernetes.Upgrade.WorkerBatchSize,
        DrainTimeoutSeconds = spec.Kubernetes.Upgrade.DrainTimeoutSeconds,
        Etcd = spec.Etcd.Topology,
        Nodes = [.. hosts.Where(h => h.Has(Roles.ControlPlane)).Concat(hosts.Where(h => h.Has(Roles.Worker) && !h.Has(Roles.ControlPlane))).Select(h => h.Name)],
    };
}

/// <summary>
/// The provider's worker batches (<see cref="UpgradePlanner.WorkerSlotFor"/>): the Pulumi engine updates the workers'
/// resources side by side, so each worker holds one of <c>kubernetes.upgrade.workerBatchSize</c> slots on the first
/// control plane from before its new packages until after its uncordon. The scripts run there, not journaled.
/// </summary>
/// <param name="Claim">Exit 0: held; <see cref="UpgradePlanner.SlotBusyExit"/>: every slot held, try again;
/// <see cref="UpgradePlanner.SlotStoppedExit"/>: another worker's upgrade failed.</param>
/// <param name="Release">Gives the slot back (also a slot a stopped run left).</param>
/// <param name="Fail">Marks the slot failed: the other workers stop until this one's upgrade completes.</param>
/// <param name="Wait">How long a worker waits for a slot: at most the whole procedure's time.</param>
public sealed record WorkerSlot(string Claim, string Release, string Fail, TimeSpan Wait)
{
    /// <summary>Why a claim that found another worker's change failed stops this one (the provider's message).</summary>
    public string Stopped { get; init; } = "the upgrade stops at the first failure, as infra apply's does";
}

/// <summary>Plans an <see cref="UpgradeProcedure"/> from the plan of the new version and an allowed version move.</summary>
public static class UpgradePlanner
{
    public const string RequirementsStep = "upgrade.requirements";
    public const string PreflightStep = "upgrade.preflight";
    public const string PackagesStep = "upgrade.packages";
    public const string KubeadmStep = "upgrade.kubeadm";
    public const string KubeletStep = "upgrade.kubelet";
    /// <summary>An external etcd member's upgrade to the new minor's etcd (<see cref="EtcdRelease.For"/>), before the first control plane's.</summary>
    public const string EtcdStep = "upgrade.etcd";
    public const string DrainStepPrefix = "upgrade.drain.";
    public const string UncordonStepPrefix = "upgrade.uncordon.";
    public const string SnapshotDir = HostPaths.JournalDir + "/upgrade-snapshots";
    /// <summary>Where the provider's workers hold their slots (<see cref="WorkerSlot"/>), on the first control plane.</summary>
    public const string SlotsDir = HostPaths.JournalDir + "/upgrade-slots";
    /// <summary>The slot claim's exit when every slot is held (EX_TEMPFAIL).</summary>
    public const int SlotBusyExit = 75;
    /// <summary>The slot claim's exit when another worker's upgrade failed.</summary>
    public const int SlotStoppedExit = 3;
    /// <summary>How long a node may take to be Ready after its kubelet restarts.</summary>
    public const int ReadyTimeoutSeconds = 300;
    public static readonly string ReadyTimeout = $"{ReadyTimeoutSeconds}s";

    /// <param name="plan">The plan for the stack's (new) version; its <c>prepare.kubernetes</c> steps install the new packages per source.</param>
    /// <param name="members">The nodes already in the cluster (null: every planned node); hosts that join in the same
    /// apply join at the new version after the upgrade.</param>
    /// <param name="etcdReleases">The external members' etcd per Kubernetes version (tests give entries the catalog does
    /// not have yet); <see cref="EtcdRelease.For"/> by default.</param>
    /// <exception cref="ArgumentException">The move is not an upgrade.</exception>
    public static UpgradeProcedure Plan(ClusterPlan plan, VersionMove move, IReadOnlySet<string>? members = null,
        Func<KubernetesVersion, EtcdRelease?>? etcdReleases = null)
    {
        if (!move.IsUpgrade) throw new ArgumentException($"{move.From} → {move.To} is not an upgrade", nameof(move));
        if (plan.Spec.Kubernetes.Version != move.To) throw new ArgumentException($"the plan is for {plan.Spec.Kubernetes.Version}, not {move.To}", nameof(plan));
        var settings = plan.Spec.Kubernetes.Upgrade;
        var first = plan.FirstControlPlane;
        bool Member(PlannedHost h) => members is null || h == first || members.Contains(h.Name);
        var cps = plan.Hosts.Where(h => h.Has(Roles.ControlPlane) && Member(h)).ToList();
        var workers = plan.Hosts.Where(h => h.Has(Roles.Worker) && !h.Has(Roles.ControlPlane) && Member(h)).ToList();
        var nodes = cps.Concat(workers).ToList();
        var to = move.To.ToString();
        var stacked = plan.Spec.Etcd.Topology == EtcdTopology.Stacked;
        var snapshot = SnapshotFor(plan.Spec.Etcd.Topology, move);

        var waves = new List<ExecutionWave>
        {
            Wave($"requirements: every node meets {move.To}'s (operating system, cgroup v2 where needed)", nodes, WavePacing.Parallel),
            Wave($"preflight: every node at {move.From}, API and etcd healthy, kubeadm upgrade plan" + (stacked ? ", etcd snapshot" : ""), [first], WavePacing.OneAtATime),
        };
        // External etcd first when the new minor needs a newer etcd (never an older one): one member at a time, each
        // restarted only while every member is healthy and done once it and every member are healthy again.
        var etcdMembers = plan.Spec.Etcd.Topology == EtcdTopology.External ? plan.Hosts.Where(h => h.Has(Roles.Etcd)).ToList() : [];
        var etcdMove = etcdMembers.Count > 0 ? EtcdMove(move, etcdReleases) : null;
        if (etcdMove is { } etcd)
        {
            waves.Add(Wave($"external etcd members: etcd v{etcd.From.Version} → v{etcd.To.Version}, one at a time, every member healthy before the next",
                etcdMembers, WavePacing.OneAtATime));
        }
        waves.Add(Wave($"first control plane {first.Name}: kubeadm upgrade apply v{to}", [first], WavePacing.OneAtATime));
        if (cps.Count > 1) waves.Add(Wave("other control planes: kubeadm upgrade node", cps.Skip(1).ToList(), WavePacing.OneAtATime));
        if (workers.Count > 0) waves.Add(Wave("workers: kubeadm upgrade node", workers, WavePacing.Batches(settings.WorkerBatchSize)));

        var actions = new Dictionary<string, IReadOnlyList<UpgradeAction>>(StringComparer.Ordinal);
        var preflight = Preflight(plan.Spec.Etcd.Topology, move, [.. nodes.Select(n => n.Name)], snapshot, first.Os);
        foreach (var node in nodes)
        {
            var program = plan.Nodes.Single(n => n.Host.Name == node.Name);
            actions[node.Name] = NodeActions(program, first, move, settings, node == first ? preflight : null);
        }
        if (etcdMove is { } etcdUpgrade)
        {
            foreach (var member in etcdMembers)
            {
                actions[member.Name] = [new(member.Name, EtcdMemberUpgrade(plan.Nodes.Single(n => n.Host.Name == member.Name), etcdUpgrade.From, etcdUpgrade.To))];
            }
        }
        return new UpgradeProcedure
        {
            Move = move,
            Waves = waves,
            Actions = actions,
            SnapshotPath = snapshot,
        };
    }

    /// <summary>
    /// One node's actions, as <see cref="Plan"/> gives them, for a unit that upgrades one node (the Pulumi provider's
    /// <c>kubeadm:index:Node</c> Update; the component orders the nodes): the preflight only on the first control plane,
    /// over the cluster's nodes <paramref name="upgrade"/> names. An external etcd member has its etcd upgrade, on itself
    /// (when the new minor needs a newer etcd; none otherwise): the component orders the members one at a time before the
    /// first control plane, as <see cref="Plan"/>'s wave does.
    /// </summary>
    /// <param name="etcdReleases">As <see cref="Plan"/>'s (tests only).</param>
    /// <exception cref="ArgumentException">The move is not an upgrade.</exception>
    public static IReadOnlyList<UpgradeAction> ForNode(NodeProgram program, PlannedHost first, VersionMove move, NodeUpgradeSettings upgrade,
        Func<KubernetesVersion, EtcdRelease?>? etcdReleases = null)
    {
        if (!move.IsUpgrade) throw new ArgumentException($"{move.From} → {move.To} is not an upgrade", nameof(move));
        if (!program.Host.Has(Roles.ControlPlane) && !program.Host.Has(Roles.Worker))
        {
            return program.EtcdMembership is not null && EtcdMove(move, etcdReleases) is ({ } from, { } to)
                ? [new(program.Host.Name, EtcdMemberUpgrade(program, from, to))]
                : [];
        }
        Step? preflight = null;
        if (program.Host.Name == first.Name)
        {
            preflight = Preflight(upgrade.Etcd, move, upgrade.Nodes, SnapshotFor(upgrade.Etcd, move), first.Os);
        }
        return NodeActions(program, first, move, upgrade.Settings, preflight);
    }

    /// <summary>
    /// The slot a worker holds while the provider upgrades it (<see cref="WorkerSlot"/>); null for a control plane (the
    /// component's dependsOn runs them one at a time) and for a host that is no node.
    /// </summary>
    public static WorkerSlot? WorkerSlotFor(NodeProgram program, PlannedHost first, VersionMove move, NodeUpgradeSettings upgrade)
    {
        if (!program.Host.Has(Roles.Worker) || program.Host.Has(Roles.ControlPlane)) return null;
        // Every node's drain and readiness bounded, plus ten minutes for its packages and kubeadm: the whole procedure.
        var wait = TimeSpan.FromSeconds(upgrade.Nodes.Count * (upgrade.DrainTimeoutSeconds + ReadyTimeoutSeconds + 600));
        var to = move.To.ToString();
        return Slot(SlotsDir, upgrade.WorkerBatchSize, program.Host.Name, key: to, toVersion: to, what: $"upgrade to {to}", wait);
    }

    /// <summary>
    /// The scripts of a worker's slot (upgrade/worker-slot.sh) among <paramref name="slots"/> in <paramref name="dir"/>
    /// for the change <paramref name="key"/> names; <paramref name="toVersion"/> (upgrades only) lets a claim take back the
    /// slot of a holder that finished at that version.
    /// </summary>
    internal static WorkerSlot Slot(string dir, int slots, string node, string key, string toVersion, string what, TimeSpan wait)
    {
        string Script(string action) => Step.Header + ShellScript.Render(new ShellArgs().Set("SLOTS_DIR", dir)
            .Set("SLOTS", slots.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set("NODE", node)
            .Set("KEY", key).Set("TO_VERSION", toVersion).Set("WHAT", what).Set("KUBECONFIG_FILE", HostPaths.AdminConf).Set("ACTION", action),
            ShellScript.Load("upgrade/worker-slot.sh"));
        return new WorkerSlot(Script("claim"), Script("release"), Script("fail"), wait);
    }

    private static string? SnapshotFor(EtcdTopology etcd, VersionMove move) => etcd == EtcdTopology.Stacked ? $"{SnapshotDir}/before-v{move.To}.db" : null;

    /// <summary>A node's actions in order; <paramref name="preflight"/> set on the first control plane only.</summary>
    private static List<UpgradeAction> NodeActions(NodeProgram program, PlannedHost first, VersionMove move, UpgradeSpec settings, Step? preflight)
    {
        var node = program.Host;
        var to = move.To.ToString();
        var isFirst = node.Name == first.Name;
        var list = new List<UpgradeAction>();
        // Preflight, drain and uncordon run on the first control plane: its operating system, not the node's. The
        // drain comes after kubeadm and before the kubelet restarts, as kubeadm's upgrade guide orders it.
        list.Add(new(node.Name, Requirements(program, to)));
        if (preflight is not null) list.Add(new(first.Name, preflight));
        list.Add(new(node.Name, Packages(program, to)));
        // The node's kubeadm patches are the files its prepare placed in the patches directory.
        var patches = program.Steps.SelectMany(s => s.Files).Any(f => f.Path.StartsWith(HostPaths.KubeadmPatchesDir + "/", StringComparison.Ordinal));
        list.Add(new(node.Name, Kubeadm(isFirst, to, patches, node.Os)));
        list.Add(new(first.Name, Drain(node.Name, to, settings, first.Os)));
        list.Add(new(node.Name, Kubelet(to, node.Os)));
        list.Add(new(first.Name, Uncordon(node.Name, to, first.Os)));
        return list;
    }

    /// <summary>
    /// An external member's etcd upgrade: refused where it would be a downgrade (or, preinstalled, where the new etcd
    /// is not installed yet), the new minor's own <c>prepare.etcd-install</c> (per package source), then the member
    /// restarted once every member is healthy and waited for until it and every member are healthy again (the
    /// certificate renewal's restart, renew/etcd-member.sh), and etcd.member's stamp written so the apply after the
    /// upgrade does not restart it again.
    /// </summary>
    private static Step EtcdMemberUpgrade(NodeProgram program, EtcdRelease from, EtcdRelease to)
    {
        // Only the member's own program: the provider's Update has nothing else (its membership facts name every member).
        var install = program.Steps.Single(s => s.Id == "prepare.etcd-install");
        var members = program.EtcdMembership ?? throw new ArgumentException($"host {program.Host.Name} is no external etcd member", nameof(program));
        var installs = install.Inputs["source"] != PrepareSteps.SourceName(PackageSource.Preinstalled);
        var guard = ShellScript.Render(new ShellArgs().Set("TARGET_ETCD", to.Version.ToString())
            .Set("INSTALLS", installs ? "yes" : ""), ShellScript.Load("upgrade/etcd-guard.sh"));
        var restart = ShellScript.Render(new ShellArgs().List("ETCD_CTL", EtcdCommands.MemberHealthcheck.HostCtlWords("3s"))
            .Set("CLUSTER_ENDPOINTS", string.Join(',', EtcdMembers.Of(members).Select(m => m.ClientUrl)))
            .Set("LOCAL_ENDPOINT", $"https://127.0.0.1:{PlannedMember.ClientPort}")
            .Set("HEALTH_TIMEOUT", RenewSteps.HealthTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set("ENV_FILE", EtcdPhase.EnvFile).Set("UNIT_FILE", EtcdPhase.Unit).Set("CONFIG_STAMP", EtcdPhase.ConfigStamp),
            ShellScript.Load("renew/etcd-member.sh"), ShellScript.Load("upgrade/etcd-stamp.sh"));
        return Step.Create(EtcdStep, Phase.Upgrade,
            $"Upgrade etcd v{from.Version} → v{to.Version} on this external member: {install.Description}; restarted only while every member is healthy, "
                + "done once it and every member are healthy again",
            guard + install.Script[Step.Header.Length..] + restart, check: null,
            Steps.In(("from", from.Version.ToString()), ("to", to.Version.ToString())), install.Os, install.Files, install.RuntimeInputs, install.BundleUploads);
    }

    /// <summary>
    /// The external members' etcd from the old minor's to the new minor's, when the new one is newer (never an older
    /// one); null otherwise. <paramref name="releases"/>: the catalogue's by default (tests give entries it does not have yet).
    /// </summary>
    private static (EtcdRelease From, EtcdRelease To)? EtcdMove(VersionMove move, Func<KubernetesVersion, EtcdRelease?>? releases)
    {
        releases ??= EtcdRelease.For;
        return (releases(move.From), releases(move.To)) is ({ } from, { } to) && to.Version > from.Version ? (from, to) : null;
    }

    private static ExecutionWave Wave(string title, IReadOnlyList<PlannedHost> hosts, WavePacing pacing) =>
        new() { Phase = Phase.Upgrade, Title = title, Hosts = hosts, Pacing = pacing };

    private static Step Preflight(EtcdTopology etcd, VersionMove move, IReadOnlyList<string> nodes, string? snapshot, OsFamily os)
    {
        var args = new ShellArgs().Set("KUBECONFIG_FILE", HostPaths.AdminConf).Set("FROM_VERSION", move.From.ToString())
            .Set("TO_VERSION", move.To.ToString()).List("NODES", nodes);
        List<ShellSource> sources = [ShellScript.Load("upgrade/preflight.sh")];
        if (snapshot is not null) sources.Add(ShellScript.Generated(StackedSnapshot(snapshot)));
        return Step.Create(PreflightStep, Phase.Upgrade,
            $"Preflight for {move.Describe()}: every node at {move.From}, API and etcd healthy, kubeadm upgrade plan" +
            (snapshot is not null ? $", etcd snapshot kept in {SnapshotDir}" : ""),
            ShellScript.Render(args, [.. sources]), null,
            Steps.In(("from", move.From.ToString()), ("to", move.To.ToString()), ("nodes", string.Join(",", nodes)),
                ("etcd", etcd.Name())), [os]);
    }

    /// <summary>
    /// The stacked-etcd snapshot before an upgrade, with the commands <c>infra etcd snapshot</c> uses (crictl exec into
    /// the etcd container, kubeadm's health-check client), saved through this member and verified, then kept 0600.
    /// </summary>
    private static string StackedSnapshot(string snapshot)
    {
        var etcd = EtcdCommands.KubeadmHealthcheck;
        var work = etcd.SnapshotWorkFile;
        return etcd.Preamble
            + $"{etcd.SnapshotSave("https://127.0.0.1:2379", work)} >/dev/null\n"
            + $"{etcd.SnapshotStatus(work)} >/dev/null\n"
            + $"install -d -m 0700 {Bash.Quote(SnapshotDir)}\n"
            + $"mv {Bash.Quote(work)} {Bash.Quote(snapshot)}\n"
            + $"chmod 0600 {Bash.Quote(snapshot)}\n"
            + $"echo {Bash.Quote("etcd snapshot before the upgrade: " + snapshot)}\n";
    }

    /// <summary>The new version's own operating-system check (prepare.os's check: it changes nothing), before any node changes.</summary>
    private static Step Requirements(NodeProgram program, string to)
    {
        var os = program.Steps.Single(s => s.Id == "prepare.os");
        return Step.Create(RequirementsStep, Phase.Upgrade, $"{to}'s requirements: " + os.Description.Split(';')[0],
            os.Check![Step.Header.Length..], check: null, Steps.In(("to", to)), os.Os);
    }

    private static Step Drain(string node, string to, UpgradeSpec settings, OsFamily os) =>
        NodeDrain.For(DrainStepPrefix + node, Phase.Upgrade, node, settings, os, $"drain {node} before its upgrade to {to}", ("to", to));

    /// <summary>The new version's own <c>prepare.kubernetes</c> (per package source: exact packages and holds, bundle binaries, or a check of preinstalled ones) under the upgrade's id.</summary>
    private static Step Packages(NodeProgram program, string to)
    {
        var install = program.Steps.Single(s => s.Id == "prepare.kubernetes");
        return Step.Create(PackagesStep, Phase.Upgrade, $"Upgrade to {to}: " + install.Description, install.Script, check: null,
            install.Inputs, install.Os, install.Files, install.RuntimeInputs, install.BundleUploads);
    }

    /// <summary>
    /// kubeadm upgrade apply (first control plane) or node, given the node's kubeadm patches directory when it has
    /// patches: they are node-local (not in the kubeadm-config ConfigMap), so without --patches the regenerated static
    /// pods would lose them (kubernetes/kubernetes cmd/kubeadm/app/cmd/upgrade/apply.go and node.go: options.AddPatchesFlag).
    /// </summary>
    private static Step Kubeadm(bool first, string to, bool patches, OsFamily os)
    {
        var dir = patches ? HostPaths.KubeadmPatchesDir : "";
        var args = new ShellArgs().Set("FIRST", first ? "true" : "false").Set("TO_VERSION", to).Set("PATCHES_DIR", dir);
        var withPatches = patches ? $" --patches {dir}" : "";
        return Step.Create(KubeadmStep, Phase.Upgrade,
            first ? $"kubeadm upgrade apply v{to} --yes{withPatches}" : $"kubeadm upgrade node{withPatches}",
            ShellScript.Render(args, ShellScript.Load("upgrade/kubeadm.sh")), null,
            Steps.In(("to", to), ("first", first ? "true" : "false"), ("patches", dir)), [os]);
    }

    /// <summary>The new kubelet started (the node is drained by now).</summary>
    private static Step Kubelet(string to, OsFamily os) =>
        Step.Create(KubeletStep, Phase.Upgrade, $"Restart the kubelet at {to}",
            ShellScript.Render(new ShellArgs(), ShellScript.Load("upgrade/kubelet.sh")), null, Steps.In(("to", to)), [os]);

    private static Step Uncordon(string node, string to, OsFamily os)
    {
        var args = new ShellArgs().Set("KUBECONFIG_FILE", HostPaths.AdminConf).Set("NODE", node).Set("TO_VERSION", to).Set("READY_TIMEOUT", ReadyTimeout);
        return Step.Create(UncordonStepPrefix + node, Phase.Upgrade, $"Wait until {node} is Ready at {to}, then uncordon it",
            ShellScript.Render(args, ShellScript.Load("upgrade/uncordon.sh")), null,
            Steps.In(("node", node), ("to", to)), [os]);
    }
}
