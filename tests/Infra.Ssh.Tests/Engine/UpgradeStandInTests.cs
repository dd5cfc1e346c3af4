using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests.Engine;

public sealed class UpgradeSystemdHosts() : ClusterHostsFixture("upg",
    new TestHostOptions { Name = "cp1", Systemd = true }, new TestHostOptions { Name = "w1", Systemd = true },
    new TestHostOptions { Name = "w2", Systemd = true });

/// <summary>
/// A patch upgrade run by the engine on harness hosts, with kubeadm, kubelet, kubectl and crictl as stand-ins that
/// record their calls: the operator puts the new packages on every host first (packages.source preinstalled), then
/// apply upgrades the cluster in kubeadm's order.
/// </summary>
[Trait("Item", "13.3")]
public sealed class UpgradeStandInTests(UpgradeSystemdHosts fixture, ITestOutputHelper output) : IClassFixture<UpgradeSystemdHosts>
{
    private static readonly KubernetesVersion Next = new(1, 34, 3);
    private static readonly string[] Names = ["cp1", "w1", "w2"];

    private ClusterPlan Plan(KubernetesVersion version)
    {
        var spec = HarnessCluster.Spec(fixture.Network, [ClusterMember.ControlPlane(fixture["cp1"]), ClusterMember.Worker(fixture["w1"]), ClusterMember.Worker(fixture["w2"])]);
        return fixture.Set.Plan(spec with { Kubernetes = spec.Kubernetes with { Version = version } });
    }

    /// <summary>A cluster at the harness version, then the new version's stand-ins preinstalled on every host.</summary>
    private async Task AppliedThenNewPackagesAsync(KubernetesVersion? next = null)
    {
        next ??= Next;
        await ClusterHostSet.RestoreAsync(Names.Select(n => fixture[n]));
        var report = await new EngineRun().ApplyAsync(Plan(HarnessCluster.Version));
        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        await Task.WhenAll(Names.Select(n => KubernetesStandIns.InstallAsync(fixture[n], "v" + next, ComponentVersions.For(next)!.CniPlugins)));
    }

    /// <summary>The upgrade's calls on every host (kubeadm upgrade, kubectl drain/wait/uncordon), by start time.</summary>
    private List<string> UpgradeCalls() =>
    [
        .. Names.SelectMany(n => KubernetesStandIns.Calls(fixture[n]))
            .Where(c => (c.Tool == "kubeadm" && c.Arguments.StartsWith("upgrade", StringComparison.Ordinal))
                || (c.Tool == "kubectl" && (c.Arguments.StartsWith("drain", StringComparison.Ordinal) || c.Arguments.StartsWith("uncordon", StringComparison.Ordinal)
                    || (c.Arguments.StartsWith("wait", StringComparison.Ordinal) && c.Arguments.Contains("node/", StringComparison.Ordinal)))))
            .OrderBy(c => c.Start)
            .Select(c => $"{c.Host}: {c.Tool} {c.Arguments}"),
    ];

    [RealHostFact]
    public async Task ApplyAsync_PatchUpgradeOneControlPlaneTwoWorkers_StandInKubeadmOrderDrainAndUncordonAroundEachNodeThenNothingToDo()
    {
        await AppliedThenNewPackagesAsync();
        var up = Plan(Next);

        var dry = await new EngineRun().ApplyAsync(up, EngineRun.Options(dryRun: true));
        Assert.Equal("upgrade 1.34.2 → 1.34.3 (patch): 4 waves", dry.Procedure[0]);
        Assert.Equal(UpgradePlanner.KubeadmStep, dry.Hosts.Single(h => h.Host == "w2").Changes[2].StepId);
        Assert.Empty(UpgradeCalls());

        var report = await new EngineRun().ApplyAsync(up);
        output.WriteLine(EngineRun.Describe(report));

        Assert.Equal(0, report.ExitCode);
        var drain = "--ignore-daemonsets --delete-emptydir-data --timeout=300s";
        Assert.Equal(
        [
            "cp1: kubeadm upgrade plan v1.34.3",
            $"cp1: kubeadm upgrade apply v1.34.3 --yes --patches {HostPaths.KubeadmPatchesDir}",
            $"cp1: kubectl drain cp1 {drain}",
            "cp1: kubectl wait --for=condition=Ready node/cp1 --timeout=300s",
            "cp1: kubectl uncordon cp1",
            "w1: kubeadm upgrade node",
            $"cp1: kubectl drain w1 {drain}",
            "cp1: kubectl wait --for=condition=Ready node/w1 --timeout=300s",
            "cp1: kubectl uncordon w1",
            "w2: kubeadm upgrade node",
            $"cp1: kubectl drain w2 {drain}",
            "cp1: kubectl wait --for=condition=Ready node/w2 --timeout=300s",
            "cp1: kubectl uncordon w2",
        ], UpgradeCalls());
        // The etcd snapshot the preflight took is kept on the first control plane.
        Assert.NotNull(fixture["cp1"].ReadDiskFile($"{UpgradePlanner.SnapshotDir}/before-v1.34.3.db"));
        Assert.All(Names, n => Assert.Contains("\"kubernetesVersion\":\"1.34.3\"", fixture[n].ReadDiskFile(HostPaths.State), StringComparison.Ordinal));

        var again = await new EngineRun().ApplyAsync(up);
        Assert.True(again.NothingToDo, EngineRun.Describe(again));
    }

    [RealHostFact]
    public async Task ApplyAsync_StandInKubeadmFailsOnAWorker_StopsThereThenResumesAndUncordonsIt()
    {
        await AppliedThenNewPackagesAsync();
        await KubernetesStandIns.FailAsync(fixture["w1"], "kubeadm", "upgrade", 1, "[upgrade] FATAL: couldn't fetch the kubeadm-config ConfigMap");
        var up = Plan(Next);

        var report = await new EngineRun().ApplyAsync(up);
        output.WriteLine(EngineRun.Describe(report));

        Assert.Equal(1, report.ExitCode);
        var w1 = report.Hosts.Single(h => h.Host == "w1");
        Assert.Equal(HostState.Failed, w1.State);
        Assert.Equal(UpgradePlanner.KubeadmStep, w1.Failure!.StepId);
        Assert.Contains("kubeadm-config", w1.Failure.StderrTail, StringComparison.Ordinal);
        Assert.Equal(HostState.Blocked, report.Hosts.Single(h => h.Host == "w2").State);
        Assert.DoesNotContain(UpgradeCalls(), c => c.StartsWith("w2:", StringComparison.Ordinal) || c.Contains(" w1 ", StringComparison.Ordinal));

        await KubernetesStandIns.ClearControlsAsync(fixture["w1"]);
        var resumed = await new EngineRun().ApplyAsync(up);
        output.WriteLine(EngineRun.Describe(resumed));

        Assert.Equal(0, resumed.ExitCode);
        var calls = UpgradeCalls();
        // cp1 is upgraded once; w1 resumes at kubeadm, then is drained and uncordoned; then w2.
        Assert.Single(calls, c => c.StartsWith("cp1: kubeadm upgrade apply", StringComparison.Ordinal));
        Assert.Equal(["w1: kubeadm upgrade node", "w1: kubeadm upgrade node"], calls.Where(c => c.StartsWith("w1:", StringComparison.Ordinal)));
        var uncordonW1 = calls.IndexOf("cp1: kubectl uncordon w1");
        Assert.True(uncordonW1 > calls.IndexOf("cp1: kubectl drain w1 --ignore-daemonsets --delete-emptydir-data --timeout=300s")
            && uncordonW1 < calls.IndexOf("w2: kubeadm upgrade node"), string.Join("\n", calls));
        Assert.True((await new EngineRun().ApplyAsync(up)).NothingToDo);
    }

    [RealHostFact]
    public async Task ApplyAsync_StandInDrainTimesOutOnAWorker_StopsThatNodeNamingThePodsOthersLeftAsTheyAre()
    {
        await AppliedThenNewPackagesAsync();
        await KubernetesStandIns.FailAsync(fixture["cp1"], "kubectl", "drain", 1,
            "error when evicting pods/\"web-1\" -n \"default\" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.\n"
            + "There are pending nodes to be drained:\n w1\nerror: global timeout reached: 5m0s");
        await KubernetesStandIns.FailWhenAsync(fixture["cp1"], "kubectl", "drain", "[[ \" $ARGS \" == *\" w1 \"* ]]");
        try
        {
            var report = await new EngineRun().ApplyAsync(Plan(Next));
            output.WriteLine(EngineRun.Describe(report));

            Assert.Equal(1, report.ExitCode);
            var w1 = report.Hosts.Single(h => h.Host == "w1");
            Assert.Equal(HostState.Failed, w1.State);
            Assert.Equal("upgrade.drain.w1", w1.Failure!.StepId);
            Assert.Contains("web-1", w1.Failure.StderrTail, StringComparison.Ordinal);
            Assert.Contains("could not be drained within 300s", w1.Failure.StderrTail, StringComparison.Ordinal);
            var calls = UpgradeCalls();
            // cp1 was upgraded and uncordoned; w1 stays cordoned with its new kubeadm configuration; w2 untouched.
            Assert.Contains("cp1: kubectl uncordon cp1", calls);
            Assert.DoesNotContain("cp1: kubectl uncordon w1", calls);
            Assert.DoesNotContain(calls, c => c.StartsWith("w2:", StringComparison.Ordinal) || c.Contains(" w2 ", StringComparison.Ordinal));
            Assert.Contains("\"kubernetesVersion\":\"1.34.2\"", fixture["w2"].ReadDiskFile(HostPaths.State), StringComparison.Ordinal);
        }
        finally
        {
            await KubernetesStandIns.ClearControlsAsync(fixture["cp1"]);
        }
    }

    [RealHostFact]
    public async Task ApplyAsync_StandInNodeAtAnotherVersion_PreflightStopsBeforeAnyNodeChanges()
    {
        await AppliedThenNewPackagesAsync();
        await KubernetesStandIns.ReportKubeletVersionAsync(fixture["cp1"], "w2", "v1.33.9");
        try
        {
            var report = await new EngineRun().ApplyAsync(Plan(Next));
            output.WriteLine(EngineRun.Describe(report));

            Assert.Equal(1, report.ExitCode);
            var cp1 = report.Hosts.Single(h => h.Host == "cp1");
            Assert.Equal(UpgradePlanner.PreflightStep, cp1.Failure!.StepId);
            Assert.Contains("node w2 runs kubelet v1.33.9", cp1.Failure.StderrTail, StringComparison.Ordinal);
            Assert.Empty(UpgradeCalls());
        }
        finally
        {
            await KubernetesStandIns.ClearControlsAsync(fixture["cp1"]);
        }
    }

    /// <summary>
    /// The next minor on this machine: 1.35 needs cgroup v2 (the hosts have v1), so the first wave — every node checks
    /// the new version's requirements — stops the upgrade before any node changes, each node naming why. (The minor's
    /// orchestration past that point is <see cref="UpgradeFakeTests"/>' next-minor test.)
    /// </summary>
    [RealHostFact]
    public async Task ApplyAsync_StandInNextMinorOnCgroupV1_RequirementsStopItBeforeAnyNodeChanges()
    {
        var minor = new KubernetesVersion(1, 35, 0);
        await AppliedThenNewPackagesAsync(minor);

        var report = await new EngineRun().ApplyAsync(Plan(minor));
        output.WriteLine(EngineRun.Describe(report));

        Assert.Equal(1, report.ExitCode);
        Assert.Equal("upgrade 1.34.2 → 1.35.0 (next minor): 4 waves", report.Procedure[0]);
        Assert.All(report.Hosts, h =>
        {
            Assert.Equal(UpgradePlanner.RequirementsStep, h.Failure!.StepId);
            Assert.Contains("Kubernetes 1.35 needs cgroup v2", h.Failure.StderrTail, StringComparison.Ordinal);
        });
        Assert.Empty(UpgradeCalls());
        Assert.All(Names, n => Assert.Contains("\"kubernetesVersion\":\"1.34.2\"", fixture[n].ReadDiskFile(HostPaths.State), StringComparison.Ordinal));
    }
}
