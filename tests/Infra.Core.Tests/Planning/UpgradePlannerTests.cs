using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Planning;

/// <summary>
/// The upgrade procedure as waves, in kubeadm's documented order (kubernetes/website
/// content/en/docs/tasks/administer-cluster/kubeadm/kubeadm-upgrade.md: the first control plane with
/// <c>kubeadm upgrade apply</c>, the other control planes, then workers a few at a time with <c>kubeadm upgrade node</c>;
/// each node drained with --ignore-daemonsets and uncordoned after its kubelet restarts).
/// </summary>
public class UpgradePlannerTests
{
    private static KubernetesVersion V(string s) => KubernetesVersion.TryParse(s, out var v) ? v! : throw new ArgumentException(s);

    internal static UpgradeProcedure Procedure(int cps = 1, int workers = 2, int batch = 1, string from = "1.36.0", string to = "1.36.1",
        PackageSource source = PackageSource.Repository, EtcdTopology etcd = EtcdTopology.Stacked)
    {
        var spec = SampleSpecs.BareMetal(cps, workers, etcd);
        spec = spec with
        {
            Kubernetes = spec.Kubernetes with { Version = V(to), Upgrade = UpgradeSpec.Default with { WorkerBatchSize = batch } },
            Packages = spec.Packages with { Source = source },
        };
        var plan = ClusterPlanner.Plan(spec);
        return UpgradePlanner.Plan(plan, VersionMoves.Decide(V(from), V(to)));
    }

    [Fact]
    [Trait("Item", "13.2")]
    public void Plan_OneControlPlaneTwoWorkers_PreflightFirstControlPlaneThenWorkersOneAtATime()
    {
        var p = Procedure();

        Assert.Equal(
        [
            "upgrade: requirements: every node meets 1.36.1's (operating system, cgroup v2 where needed) — cp-1, w-1, w-2 (in parallel)",
            "upgrade: preflight: every node at 1.36.0, API and etcd healthy, kubeadm upgrade plan, etcd snapshot — cp-1",
            "upgrade: first control plane cp-1: kubeadm upgrade apply v1.36.1 — cp-1",
            "upgrade: workers: kubeadm upgrade node — w-1, w-2 (one at a time)",
        ], p.Waves.Select(w => w.Describe()));
        Assert.Equal("upgrade 1.36.0 → 1.36.1 (patch): 4 waves", p.Describe()[0]);
        Assert.Equal("/var/lib/infra/upgrade-snapshots/before-v1.36.1.db", p.SnapshotPath);
        // Taken with the project's etcd commands in the etcd container (as 'infra etcd snapshot'), verified, kept.
        var preflight = p.Actions["cp-1"][1].Step.Script;
        Assert.Contains("crictl --runtime-endpoint unix:///run/containerd/containerd.sock exec \"$etcd_container\" etcdctl", preflight, StringComparison.Ordinal);
        Assert.Contains("snapshot save /var/lib/etcd/infra-snapshot.db", preflight, StringComparison.Ordinal);
        Assert.Contains("etcdutl snapshot status /var/lib/etcd/infra-snapshot.db", preflight, StringComparison.Ordinal);
        Assert.Contains("mv /var/lib/etcd/infra-snapshot.db /var/lib/infra/upgrade-snapshots/before-v1.36.1.db", preflight, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "13.2")]
    public void Plan_ThreeControlPlanesAndBatches_OtherControlPlanesOneAtATimeWorkersInBatches()
    {
        var p = Procedure(cps: 3, workers: 5, batch: 2, from: "1.35.4", to: "1.36.1");

        Assert.Equal(5, p.Waves.Count);
        Assert.Equal(["cp-2", "cp-3"], p.Waves[3].Hosts.Select(h => h.Name));
        Assert.Equal(WavePacing.OneAtATime, p.Waves[3].Pacing);
        Assert.Equal(2, p.Waves[4].Pacing.BatchSize);
        Assert.Equal([["w-1", "w-2"], ["w-3", "w-4"], ["w-5"]], p.Waves[4].Pacing.Split(p.Waves[4].Hosts).Select(b => b.Select(h => h.Name)));
        Assert.Contains("(next minor)", p.Describe()[0], StringComparison.Ordinal);
    }

    /// <summary>
    /// kubernetes/website content/en/docs/tasks/administer-cluster/kubeadm/kubeadm-upgrade.md (stored commit 54872620,
    /// the page after 1.26, same order on the 1.34→1.35 page): kubeadm first ("Call kubeadm upgrade"), then "Drain the
    /// node", then the kubelet and kubectl and a kubelet restart, then "Uncordon the node" — control planes and workers alike.
    /// </summary>
    [Fact]
    [Trait("Item", "13.2")]
    public void Plan_EachNode_PackagesKubeadmThenDrainThenKubeletThenUncordonAsKubeadmsGuide()
    {
        var p = Procedure();

        Assert.Equal(
        [
            ("cp-1", "upgrade.requirements"), ("cp-1", "upgrade.preflight"), ("cp-1", "upgrade.packages"), ("cp-1", "upgrade.kubeadm"), ("cp-1", "upgrade.drain.cp-1"),
            ("cp-1", "upgrade.kubelet"), ("cp-1", "upgrade.uncordon.cp-1"),
        ], p.Actions["cp-1"].Select(a => (a.Host, a.Step.Id)));
        Assert.Equal(
        [
            ("w-2", "upgrade.requirements"), ("w-2", "upgrade.packages"), ("w-2", "upgrade.kubeadm"), ("cp-1", "upgrade.drain.w-2"), ("w-2", "upgrade.kubelet"), ("cp-1", "upgrade.uncordon.w-2"),
        ], p.Actions["w-2"].Select(a => (a.Host, a.Step.Id)));
        Assert.Contains("kubeadm upgrade apply", p.Actions["cp-1"][3].Step.Script, StringComparison.Ordinal);
        Assert.Contains("readonly FIRST=true", p.Actions["cp-1"][3].Step.Script, StringComparison.Ordinal);
        Assert.Contains("readonly FIRST=false", p.Actions["w-1"][2].Step.Script, StringComparison.Ordinal);
        // kubeadm does not restart the kubelet: that waits for the drain.
        Assert.DoesNotContain("restart kubelet", p.Actions["w-1"][2].Step.Script, StringComparison.Ordinal);
        Assert.Contains("systemctl restart kubelet", p.Actions["w-1"][4].Step.Script, StringComparison.Ordinal);
    }

    /// <summary>
    /// kubernetes/kubernetes cmd/kubeadm/app/cmd/upgrade/apply.go and node.go (options.AddPatchesFlag on both, stored
    /// commits 34b9f0db and 803d40a5) and the generated kubeadm reference updated for v1.34 (kubeadm upgrade node,
    /// --patches; kubeadm upgrade apply, --patches and -y/--yes): the patches are node-local, so the upgrade is given the
    /// node's patches directory, or the regenerated static pods would lose the metrics address (ControlPlaneMetrics).
    /// </summary>
    [Fact]
    [Trait("Item", "13.2")]
    public void Plan_ControlPlanesWithPatches_KubeadmUpgradeGetsThePatchesDirectoryWorkersDoNot()
    {
        var p = Procedure(cps: 3);

        var apply = p.Actions["cp-1"][3].Step;
        var node = p.Actions["cp-2"][2].Step;
        var worker = p.Actions["w-1"][2].Step;
        Assert.Contains("kubeadm upgrade apply \"v$TO_VERSION\" --yes \"${patches[@]}\"", apply.Script, StringComparison.Ordinal);
        Assert.Contains("kubeadm upgrade node \"${patches[@]}\"", node.Script, StringComparison.Ordinal);
        Assert.Contains("patches=(--patches \"$PATCHES_DIR\")", node.Script, StringComparison.Ordinal);
        Assert.Contains($"readonly PATCHES_DIR={HostPaths.KubeadmPatchesDir}", apply.Script, StringComparison.Ordinal);
        Assert.Contains($"readonly PATCHES_DIR={HostPaths.KubeadmPatchesDir}", node.Script, StringComparison.Ordinal);
        Assert.Equal($"kubeadm upgrade apply v1.36.1 --yes --patches {HostPaths.KubeadmPatchesDir}", apply.Description);
        Assert.Contains("readonly PATCHES_DIR=''", worker.Script, StringComparison.Ordinal);
        Assert.Equal("kubeadm upgrade node", worker.Description);
    }

    [Fact]
    [Trait("Item", "13.2")]
    public void Plan_Drain_EvictsBoundedNeverForced()
    {
        var drain = Procedure().Actions["w-1"][3].Step;

        Assert.Contains("kubectl drain \"$NODE\" --ignore-daemonsets --delete-emptydir-data --timeout=\"$DRAIN_TIMEOUT\"", drain.Script, StringComparison.Ordinal);
        Assert.Contains("readonly DRAIN_TIMEOUT=300s", drain.Script, StringComparison.Ordinal);
        Assert.DoesNotContain("--force", drain.Script, StringComparison.Ordinal);
        Assert.DoesNotContain("--disable-eviction", drain.Script, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "13.2")]
    public void Plan_EveryStep_InputsNameTheTargetVersion()
    {
        var a = Procedure(to: "1.36.1").Actions.Values.SelectMany(x => x).Select(x => (x.Host, x.Step.Id, x.Step.InputHash)).ToList();
        var b = Procedure(to: "1.36.2").Actions.Values.SelectMany(x => x).Select(x => (x.Host, x.Step.Id, x.Step.InputHash)).ToList();

        Assert.Equal(a.Select(x => (x.Host, x.Id)), b.Select(x => (x.Host, x.Id)));
        Assert.All(a.Zip(b), x => Assert.NotEqual(x.First.InputHash, x.Second.InputHash));
    }

    [Theory]
    [Trait("Item", "13.2")]
    [InlineData(PackageSource.Repository, "apt-get install")]
    [InlineData(PackageSource.Preinstalled, "kubeadm version -o short")]
    public void Plan_Packages_TheNewVersionsInstallPerSource(PackageSource source, string inScript)
    {
        var packages = Procedure(source: source).Actions["w-1"][1].Step;

        Assert.Equal("upgrade.packages", packages.Id);
        Assert.Contains(inScript, packages.Script, StringComparison.Ordinal);
        Assert.Contains("1.36.1", packages.Description, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "13.2")]
    public void Plan_ExternalEtcd_NoStackedSnapshotAndEtcdMembersNotUpgraded()
    {
        var p = Procedure(etcd: EtcdTopology.External);

        Assert.Null(p.SnapshotPath);
        Assert.DoesNotContain(p.Actions.Keys, k => k.StartsWith("etcd-", StringComparison.Ordinal));
        Assert.DoesNotContain("snapshot save", p.Actions["cp-1"][1].Step.Script, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "13.2")]
    public void Plan_NextMinorNeedingCgroupV2_EveryNodeChecksItInTheFirstWaveBeforeAnyChange()
    {
        var p = Procedure(from: "1.34.2", to: "1.35.0");

        Assert.Equal(["cp-1", "w-1", "w-2"], p.Waves[0].Hosts.Select(h => h.Name));
        Assert.All(p.Actions, a =>
        {
            var requirements = a.Value.Single(x => x.Step.Id == UpgradePlanner.RequirementsStep);
            Assert.Equal(a.Key, requirements.Host);
            Assert.Contains("readonly CGROUP_V2=required", requirements.Step.Script, StringComparison.Ordinal);
            Assert.Equal([requirements], p.ActionsIn(0, a.Key));
        });
        Assert.Equal([UpgradePlanner.PreflightStep], p.ActionsIn(1, "cp-1").Select(x => x.Step.Id));
        Assert.DoesNotContain(p.ActionsIn(3, "w-1"), x => x.Step.Id is UpgradePlanner.RequirementsStep or UpgradePlanner.PreflightStep);
    }

    /// <summary>
    /// kubeadm reference (kubernetes.io generated kubeadm_upgrade_plan, current): <c>kubeadm upgrade plan [version]</c>,
    /// "to skip the internet check, pass in the optional [version] parameter" (air-gapped sites); kubectl
    /// pkg/cmd/wait/wait.go examples (<c>kubectl wait --for=condition=Ready pod/busybox1</c>) and pkg/cmd/drain/drain.go
    /// (<c>uncordon NODE</c>), read through the code index (versions not identifiable).
    /// </summary>
    [Fact]
    [Trait("Item", "13.2")]
    public void Plan_PreflightAndUncordon_KubeadmPlanGivenTheTargetThenReadyThenUncordon()
    {
        var p = Procedure();

        Assert.Contains("kubeadm upgrade plan \"v$TO_VERSION\"", p.ActionsIn(1, "cp-1").Single().Step.Script, StringComparison.Ordinal);
        var uncordon = p.Actions["w-1"][^1].Step.Script;
        Assert.Contains("kubectl wait --for=condition=Ready \"node/$NODE\" --timeout=\"$READY_TIMEOUT\"", uncordon, StringComparison.Ordinal);
        Assert.Contains("kubectl uncordon \"$NODE\"", uncordon, StringComparison.Ordinal);
        Assert.True(uncordon.IndexOf("kubectl wait", StringComparison.Ordinal) < uncordon.IndexOf("kubectl uncordon", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Item", "13.2")]
    public void Plan_NotAnUpgrade_Throws()
    {
        var plan = ClusterPlanner.Plan(SampleSpecs.BareMetal());

        Assert.Throws<ArgumentException>(() => UpgradePlanner.Plan(plan, VersionMoves.Decide(V("1.36.1"), V("1.36.1"))));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void ForNode_EachNodeOfThePlan_TheSameActionsAsTheWholeProcedureGivesIt()
    {
        var spec = SampleSpecs.BareMetal(3, 2) with
        {
            Kubernetes = SampleSpecs.BareMetal().Kubernetes with { Version = V("1.36.1"), Upgrade = UpgradeSpec.Default with { DrainTimeoutSeconds = 90 } },
        };
        var plan = ClusterPlanner.Plan(spec);
        var move = VersionMoves.Decide(V("1.35.4"), V("1.36.1"));
        var whole = UpgradePlanner.Plan(plan, move);
        // As the component hands it to each node resource: through the wire.
        var settings = WireJson.Deserialize<NodeUpgradeSettings>(WireJson.Serialize(NodeUpgradeSettings.Of(spec, plan.Hosts)), "upgrade");

        Assert.Equal(["cp-1", "cp-2", "cp-3", "w-1", "w-2"], settings.Nodes);
        Assert.Equal(EtcdTopology.Stacked, settings.Etcd);
        foreach (var program in plan.Nodes)
        {
            var one = UpgradePlanner.ForNode(program, plan.FirstControlPlane!, move, settings);
            Assert.Equal(whole.Actions[program.Host.Name].Select(a => (a.Host, a.Step.Id, a.Step.InputHash)), one.Select(a => (a.Host, a.Step.Id, a.Step.InputHash)));
        }
        Assert.Contains("--timeout=\"$DRAIN_TIMEOUT\"", whole.Actions["w-1"][3].Step.Script, StringComparison.Ordinal);
        Assert.Contains("readonly DRAIN_TIMEOUT=90s", whole.Actions["w-1"][3].Step.Script, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void ForNode_NotAnUpgrade_Throws()
    {
        var plan = ClusterPlanner.Plan(SampleSpecs.BareMetal());

        Assert.Throws<ArgumentException>(() => UpgradePlanner.ForNode(plan.Nodes[0], plan.FirstControlPlane!,
            VersionMoves.Decide(V("1.36.2"), V("1.36.1")), NodeUpgradeSettings.Of(SampleSpecs.BareMetal(), plan.Hosts)));
    }

    /// <summary>
    /// A catalog in which the next minor needs a newer etcd than the current one (today kubeadm's SupportedEtcdVersion
    /// is 3.6.9-0 for 34, 35 and 36, so the real catalog has no such step): injected, not upstream.
    /// </summary>
    private static UpgradeProcedure ExternalEtcdProcedure(string fromEtcd, string toEtcd, PackageSource source = PackageSource.Repository)
    {
        var spec = SampleSpecs.BareMetal(1, 1, EtcdTopology.External);
        spec = spec with { Kubernetes = spec.Kubernetes with { Version = V("1.36.1") }, Packages = spec.Packages with { Source = source } };
        var real = EtcdRelease.For(V("1.36.1"))!;
        EtcdRelease Release(string v) => real with { Version = EtcdVersion.Parse(v) };
        return UpgradePlanner.Plan(ClusterPlanner.Plan(spec), VersionMoves.Decide(V("1.35.4"), V("1.36.1")),
            etcdReleases: k => k.Minor == 35 ? Release(fromEtcd) : Release(toEtcd));
    }

    [Fact]
    [Trait("Item", "13.2")]
    public void Plan_ExternalEtcdNewMinorNeedsNewerEtcd_MembersOneAtATimeAfterThePreflightBeforeTheFirstControlPlane()
    {
        var p = ExternalEtcdProcedure("3.6.9", "3.7.0");

        Assert.Equal(
        [
            "upgrade: requirements: every node meets 1.36.1's (operating system, cgroup v2 where needed) — cp-1, w-1 (in parallel)",
            "upgrade: preflight: every node at 1.35.4, API and etcd healthy, kubeadm upgrade plan — cp-1",
            "upgrade: external etcd members: etcd v3.6.9 → v3.7.0, one at a time, every member healthy before the next — etcd-1, etcd-2, etcd-3 (one at a time)",
            "upgrade: first control plane cp-1: kubeadm upgrade apply v1.36.1 — cp-1",
            "upgrade: workers: kubeadm upgrade node — w-1",
        ], p.Waves.Select(w => w.Describe()));
        foreach (var member in new[] { "etcd-1", "etcd-2", "etcd-3" })
        {
            var step = Assert.Single(p.ActionsIn(2, member)).Step;
            Assert.Equal(UpgradePlanner.EtcdStep, step.Id);
            Assert.Equal("3.7.0", step.Inputs["to"]);
            var script = step.Script;
            int At(string text) => script.IndexOf(text, StringComparison.Ordinal);
            // Refused where it would downgrade; then the new etcd installed; then restarted only while every member is
            // healthy, done once it and every member are (renew/etcd-member.sh); then etcd.member's stamp.
            Assert.True(At("never downgrades etcd") >= 0 && At("never downgrades etcd") < At("curl -fsSL"), script);
            Assert.True(At("curl -fsSL") < At("if ! cluster_healthy") && At("if ! cluster_healthy") < At("systemctl restart etcd.service"), script);
            Assert.True(At("systemctl restart etcd.service") < At("until \"${ETCD_CTL[@]}\" --endpoints=\"$LOCAL_ENDPOINT\" endpoint health"), script);
            Assert.True(At("--endpoints=\"$LOCAL_ENDPOINT\" endpoint health >/dev/null 2>&1 && cluster_healthy") < At("> \"$CONFIG_STAMP\""), script);
            Assert.Contains("readonly CLUSTER_ENDPOINTS=https://10.0.0.51:2379,https://10.0.0.52:2379,https://10.0.0.53:2379", script, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(p.ActionsIn(2, "cp-1"), a => a.Step.Id == UpgradePlanner.EtcdStep);
    }

    [Theory]
    [Trait("Item", "13.2")]
    [InlineData("3.6.9", "3.6.9")]
    [InlineData("3.7.0", "3.6.9")]
    public void Plan_ExternalEtcdNotNewerForTheNewMinor_MembersUntouched(string fromEtcd, string toEtcd)
    {
        var p = ExternalEtcdProcedure(fromEtcd, toEtcd);

        Assert.DoesNotContain(p.Waves, w => w.Title.Contains("etcd members", StringComparison.Ordinal));
        Assert.DoesNotContain(p.Actions.Keys, k => k.StartsWith("etcd-", StringComparison.Ordinal));
    }

    /// <summary>
    /// The Pulumi path: each member's <c>kubeadm:index:Node</c> Update gets, from its own program and the wire settings,
    /// the very step (id and input hash: one journal entry) infra apply's members wave gives it, on itself.
    /// </summary>
    [Theory]
    [Trait("Item", "13.2")]
    [InlineData(PackageSource.Repository)]
    [InlineData(PackageSource.Preinstalled)]
    public void ForNode_ExternalEtcdMemberNewMinorNeedsNewerEtcd_TheEtcdUpgradeTheWholeProcedureGivesIt(PackageSource source)
    {
        var spec = SampleSpecs.BareMetal(1, 1, EtcdTopology.External);
        spec = spec with { Kubernetes = spec.Kubernetes with { Version = V("1.36.1") }, Packages = spec.Packages with { Source = source } };
        var plan = ClusterPlanner.Plan(spec);
        var move = VersionMoves.Decide(V("1.35.4"), V("1.36.1"));
        var real = EtcdRelease.For(V("1.36.1"))!;
        EtcdRelease? Injected(KubernetesVersion k) => real with { Version = EtcdVersion.Parse(k.Minor == 35 ? "3.6.9" : "3.7.0") };
        var whole = UpgradePlanner.Plan(plan, move, etcdReleases: Injected);
        var settings = WireJson.Deserialize<NodeUpgradeSettings>(WireJson.Serialize(NodeUpgradeSettings.Of(spec, plan.Hosts)), "upgrade");

        foreach (var member in new[] { "etcd-1", "etcd-2", "etcd-3" })
        {
            // As the provider receives the member's program: through the wire.
            var program = WireJson.NodeProgram(WireJson.NodeProgram(plan.Nodes.Single(n => n.Host.Name == member)));
            var one = UpgradePlanner.ForNode(program, plan.FirstControlPlane!, move, settings, Injected);

            var action = Assert.Single(one);
            Assert.Equal((member, UpgradePlanner.EtcdStep), (action.Host, action.Step.Id));
            Assert.Equal(whole.Actions[member].Select(a => (a.Host, a.Step.Id, a.Step.InputHash, a.Step.Script)), one.Select(a => (a.Host, a.Step.Id, a.Step.InputHash, a.Step.Script)));
            Assert.Null(UpgradePlanner.WorkerSlotFor(program, plan.FirstControlPlane!, move, settings));
        }
    }

    /// <summary>
    /// Today's catalogue: kubeadm pins etcd 3.6.9-0 for 1.34, 1.35 and 1.36 (docs/upstream.md, SupportedEtcdVersion), so
    /// neither a patch nor a minor move gives a member's Update anything to run.
    /// </summary>
    [Theory]
    [Trait("Item", "13.2")]
    [InlineData("1.36.0", "1.36.1")]
    [InlineData("1.35.4", "1.36.1")]
    public void ForNode_ExternalEtcdMemberTodaysCatalogue_NoActions(string from, string to)
    {
        var spec = SampleSpecs.BareMetal(1, 1, EtcdTopology.External);
        spec = spec with { Kubernetes = spec.Kubernetes with { Version = V(to) } };
        var plan = ClusterPlanner.Plan(spec);
        var member = plan.Nodes.Single(n => n.Host.Name == "etcd-1");

        Assert.Empty(UpgradePlanner.ForNode(member, plan.FirstControlPlane!, VersionMoves.Decide(V(from), V(to)), NodeUpgradeSettings.Of(spec, plan.Hosts)));
    }

    [Fact]
    [Trait("Item", "13.2")]
    public void Plan_ExternalEtcdPreinstalled_RefusedUntilTheOperatorInstalledTheNewEtcd()
    {
        var script = ExternalEtcdProcedure("3.6.9", "3.7.0", PackageSource.Preinstalled).Actions["etcd-1"].Single().Step.Script;

        Assert.Contains("readonly INSTALLS=''", script, StringComparison.Ordinal);
        Assert.Contains("install it on every member first (packages.source preinstalled)", script, StringComparison.Ordinal);
    }

    /// <summary>The external members' etcd upgrade steps, per package source (ShellScriptTests counts their sources as rendered).</summary>
    internal static IEnumerable<Step> EtcdUpgradeSteps() => new[] { PackageSource.Repository, PackageSource.Preinstalled }
        .Select(source => ExternalEtcdProcedure("3.6.9", "3.7.0", source).Actions["etcd-1"].Single().Step);

    [RealToolFact("shellcheck")]
    [Trait("Item", "13.2")]
    public void Shellcheck_EtcdUpgradeSteps_Pass()
    {
        var dir = Directory.CreateTempSubdirectory("infra-etcd-upgrade-").FullName;
        try
        {
            foreach (var step in EtcdUpgradeSteps())
            {
                var file = Path.Combine(dir, "upgrade-etcd.sh");
                File.WriteAllText(file, "#!/bin/bash\n" + step.Script);
                var r = NodePrograms.Tool.Run("shellcheck", "shellcheck", ["-S", "style", "-s", "bash", "-f", "gcc", file]);
                Assert.True(r.ExitCode == 0, r.Output + "\n" + step.Script);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
