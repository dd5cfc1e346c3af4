using System.Text;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Ssh.Engine;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests.Engine;

public sealed class OneSystemdHost() : ClusterHostsFixture("one", new TestHostOptions { Name = "cp1", Systemd = true });

/// <summary>The engine on one real systemd host: prepare runs for real, kubeadm/kubectl/helm are stand-ins.</summary>
public sealed class SingleHostApplyTests(OneSystemdHost fixture, ITestOutputHelper output) : IClassFixture<OneSystemdHost>
{
    private TestHost Cp1 => fixture["cp1"];

    private async Task<ClusterPlan> FreshAsync(int connectTimeoutSeconds = 5)
    {
        await ClusterHostSet.RestoreAsync([Cp1]);
        var spec = HarnessCluster.Spec(fixture.Network, [ClusterMember.ControlPlane(Cp1)]);
        return fixture.Set.Plan(spec with { Ssh = spec.Ssh with { ConnectTimeoutSeconds = connectTimeoutSeconds } });
    }

    private string Journal => Cp1.ReadDiskFile(HostPaths.Journal) ?? "";

    private static IEnumerable<string> RunnableSteps(ClusterPlan plan) => plan.Nodes.Single().Steps.Where(s => s.Phase != Phase.Reset).Select(s => s.Id);

    private async Task<ClusterReport> ApplyAsync(EngineRun run, ClusterPlan plan, ConvergeOptions? options = null)
    {
        var report = await run.ApplyAsync(plan, options);
        output.WriteLine(EngineRun.Describe(report));
        return report;
    }

    [RealHostFact]
    public async Task ApplyAsync_OneHost_PrepareRunsForRealThenStandInInitAndWorkloads()
    {
        var plan = await FreshAsync();
        var program = plan.Nodes.Single();

        var report = await ApplyAsync(new EngineRun(), plan);

        Assert.Equal(0, report.ExitCode);
        var host = Assert.Single(report.Hosts);
        Assert.Equal(HostState.Converged, host.State);
        Assert.Equal(RunnableSteps(plan), host.Ran);
        // prepare, for real: units, files and the host's own network sysctls.
        Assert.Equal("active", (await Cp1.ExecInsideAsync("systemctl is-active containerd")).Stdout.Trim());
        Assert.Equal("enabled", (await Cp1.ExecInsideAsync("systemctl is-enabled kubelet")).Stdout.Trim());
        Assert.Equal("active", (await Cp1.ExecInsideAsync("systemctl is-active kubelet")).Stdout.Trim());
        Assert.Equal("1", (await Cp1.ExecInsideAsync("sysctl -n net.ipv4.ip_forward")).Stdout.Trim());
        Assert.Equal("0", MachineSysctls.Current("net.ipv4.ip_forward"));
        Assert.Contains("net.ipv4.ip_forward = 1", Cp1.ReadDiskFile("/etc/sysctl.d/90-infra-kubernetes.conf"));
        Assert.Contains("SystemdCgroup = true", Cp1.ReadDiskFile("/etc/containerd/config.toml"));
        Assert.Equal("active", (await Cp1.ExecInsideAsync("ctr version >/dev/null && echo active")).Stdout.Trim());
        Assert.Equal(program.KubeadmConfig, Cp1.ReadDiskFile(HostPaths.KubeadmConfig));
        Assert.Equal("600", (await Cp1.ExecInsideAsync($"stat -c %a {HostPaths.KubeadmConfig}")).Stdout.Trim());
        Assert.Equal("700", (await Cp1.ExecInsideAsync($"stat -c %a {HostPaths.JournalDir}")).Stdout.Trim());
        // The journal holds each step once, with the plan's input hash.
        var journal = Journal.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
        Assert.Equal(RunnableSteps(plan), journal.Select(f => f[0]));
        Assert.All(journal, f => Assert.Equal(program.Steps.Single(s => s.Id == f[0]).InputHash, f[1]));
        Assert.NotNull(Cp1.ReadDiskFile(HostPaths.State));

        // kubeadm init (stand-in) got the configuration the tool wrote; one host has no joiners, so no token.
        var calls = KubernetesStandIns.Calls(Cp1);
        var kubeadm = calls.Where(c => c.Tool == "kubeadm").ToList();
        var init = Assert.Single(kubeadm);
        Assert.Equal($"init --config {HostPaths.KubeadmConfig}", init.Arguments);
        Assert.Equal(program.KubeadmConfig, KubernetesStandIns.SavedFile(Cp1, Assert.Single(init.Files)));
        // The kubelet was started (by kubeadm) with the flags of kubeadm's drop-in.
        var kubelet = Assert.Single(calls, c => c.Tool == "kubelet");
        Assert.True(kubelet.Has("--config=/var/lib/kubelet/config.yaml"), kubelet.Arguments);

        // workloads: after init, every manifest applied server-side as planned, charts pinned.
        var workloads = calls.Where(c => c.Tool is "kubectl" or "helm").ToList();
        Assert.NotEmpty(workloads);
        Assert.All(workloads, c => Assert.True(c.Start >= init.End, $"{c.Tool} {c.Arguments} began before kubeadm init ended"));
        var files = program.Steps.Where(s => s.Phase == Phase.Workloads).SelectMany(s => s.Files).ToDictionary(f => f.Path, f => Encoding.UTF8.GetString(f.Content));
        var applies = workloads.Where(c => c.Tool == "kubectl" && c.Has("apply") && !c.Has("-")).ToList();
        Assert.NotEmpty(applies);
        foreach (var apply in applies)
        {
            Assert.True(apply.Has("--server-side") && apply.Has("--field-manager=infra"), apply.Arguments);
            var relative = apply.Arguments.Split(' ').SkipWhile(a => a != "-f").Skip(1).First();
            Assert.Equal(files[$"/var/lib/infra/workloads/{relative}"], KubernetesStandIns.SavedFile(Cp1, Assert.Single(apply.Files)));
        }
        Assert.All(workloads.Where(c => c.Tool == "helm" && (c.Has("template") || c.Has("upgrade"))), c => Assert.True(c.Has("--version"), c.Arguments));
    }

    [RealHostFact]
    public async Task ApplyAsync_SecondRun_ChangesNothingAndSaysSo()
    {
        var plan = await FreshAsync();
        var first = await ApplyAsync(new EngineRun(), plan);
        Assert.Equal(0, first.ExitCode);
        var journal = Journal;
        var calls = KubernetesStandIns.Calls(Cp1).Count;

        var run = new EngineRun();
        var second = await ApplyAsync(run, plan);

        Assert.Equal(0, second.ExitCode);
        Assert.True(second.NothingToDo);
        var host = Assert.Single(second.Hosts);
        Assert.Equal(HostState.Unchanged, host.State);
        Assert.Empty(host.Ran);
        Assert.Equal(RunnableSteps(plan).Count(), host.Skipped);
        Assert.Empty(run.Confirmations);
        Assert.Equal(journal, Journal);
        Assert.Equal(calls, KubernetesStandIns.Calls(Cp1).Count);
        // The locks of both runs are gone.
        Assert.Null(Cp1.ReadDiskFile(HostPaths.HostLock + "/holder"));
        Assert.Null(Cp1.ReadDiskFile(HostPaths.ClusterLock + "/holder"));
    }

    [RealHostFact]
    public async Task ApplyAsync_FailingStandInInit_ReportsHostStepExitCodeStderrTailAndResumesThere()
    {
        var plan = await FreshAsync();
        var stderr = string.Join("\n", Enumerable.Range(1, 20).Select(i => $"kubeadm stand-in error line {i}"));
        await KubernetesStandIns.FailAsync(Cp1, "kubeadm", "init", 3, stderr);

        var failed = await ApplyAsync(new EngineRun(), plan);

        Assert.Equal(1, failed.ExitCode);
        var host = Assert.Single(failed.Hosts);
        Assert.Equal("cp1", host.Host);
        Assert.Equal(HostState.Failed, host.State);
        var failure = Assert.IsType<StepFailure>(host.Failure);
        Assert.Equal("control-plane.init", failure.StepId);
        Assert.Equal(3, failure.ExitCode);
        Assert.EndsWith("kubeadm stand-in error line 20", failure.StderrTail);
        Assert.Contains("kubeadm stand-in error line 6\n", failure.StderrTail);
        Assert.DoesNotContain("line 5\n", failure.StderrTail);
        Assert.Contains("control-plane.init", failure.Hint);
        Assert.Equal(RunnableSteps(plan).TakeWhile(s => s != "control-plane.init"), host.Ran);

        await KubernetesStandIns.ClearControlsAsync(Cp1);
        var resumed = await ApplyAsync(new EngineRun(), plan);

        Assert.Equal(0, resumed.ExitCode);
        Assert.Equal(RunnableSteps(plan).SkipWhile(s => s != "control-plane.init"), Assert.Single(resumed.Hosts).Ran);
    }

    [RealHostFact]
    public async Task ApplyAsync_HostPoweredOffDuringPrepare_ConvergesOnNextApply()
    {
        // The run's attempts to release its locks on the powered-off host time out: keep them short.
        var plan = await FreshAsync(connectTimeoutSeconds: 1);
        // prepare.kubernetes asks kubeadm its version; once containerd is configured, that call hangs.
        await KubernetesStandIns.DelayAsync(Cp1, "kubeadm", "version", 60, $"grep -q '^prepare.containerd\t' {HostPaths.Journal}");
        var running = new EngineRun().ApplyAsync(plan, EngineRun.Options(commandTimeout: TimeSpan.FromSeconds(30)));
        await KubernetesStandIns.WaitDelayingAsync(Cp1, "kubeadm", "version", TimeSpan.FromSeconds(60));

        await Cp1.PowerOffAsync();
        var interrupted = await running;
        output.WriteLine(EngineRun.Describe(interrupted));

        Assert.Equal(1, interrupted.ExitCode);
        var host = Assert.Single(interrupted.Hosts);
        Assert.Equal(HostState.Failed, host.State);
        Assert.Contains("prepare.containerd", host.Ran);
        Assert.DoesNotContain("prepare.kubernetes", host.Ran);

        await Cp1.BootAsync();
        File.Delete(Cp1.DiskPath($"{KubernetesStandIns.ControlDirectory}/delay-kubeadm-version"));
        var resumed = await ApplyAsync(new EngineRun(), plan);

        Assert.Equal(0, resumed.ExitCode);
        var after = Assert.Single(resumed.Hosts);
        Assert.Equal(HostState.Converged, after.State);
        // The disk kept the journal: prepare resumes at the step that was cut off. containerd, started by the step
        // and not by the boot target, is drift that is put right again.
        Assert.Equal(["prepare.containerd", .. RunnableSteps(plan).SkipWhile(s => s != "prepare.kubernetes")], after.Ran);
        var ids = Journal.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[0]).ToList();
        Assert.Equal(RunnableSteps(plan).Order(StringComparer.Ordinal), ids.Distinct().Order(StringComparer.Ordinal));
    }

    [RealHostFact]
    public async Task ApplyAsync_ChangeThatNeedsProcedure_RefusedWithExit2AndNothingRuns()
    {
        var plan = await FreshAsync();
        Assert.Equal(0, (await ApplyAsync(new EngineRun(), plan)).ExitCode);
        var journal = Journal;
        var calls = KubernetesStandIns.Calls(Cp1).Count;
        var spec = plan.Spec;
        var changes = new Dictionary<string, Core.Spec.ClusterSpec>
        {
            // A downgrade (an allowed move, a newer patch, is the upgrade procedure: UpgradeStandInTests).
            ["kubernetes.version"] = spec with { Kubernetes = spec.Kubernetes with { Version = new Core.Spec.KubernetesVersion(1, 34, 1) } },
            ["network.podCidr"] = spec with { Network = spec.Network with { PodCidr = Cidr("10.250.0.0/16") } },
            ["network.serviceCidr"] = spec with { Network = spec.Network with { ServiceCidr = Cidr("10.112.0.0/12") } },
            ["hosts.roles"] = spec with { Hosts = [spec.Hosts[0] with { Roles = [Core.Spec.Roles.ControlPlane, Core.Spec.Roles.Worker] }] },
        };
        foreach (var (key, changed) in changes)
        {
            var run = new EngineRun();
            var report = await ApplyAsync(run, fixture.Set.Plan(changed));

            Assert.Equal(2, report.ExitCode);
            var host = Assert.Single(report.Hosts);
            Assert.Equal(HostState.Refused, host.State);
            Assert.Contains(host.Refusals, r => r.Key == key);
            Assert.Empty(run.Confirmations);
            Assert.Equal(journal, Journal);
            Assert.Equal(calls, KubernetesStandIns.Calls(Cp1).Count);
        }
    }

    private static Core.Spec.Cidr Cidr(string s) => Core.Spec.Cidr.TryParse(s, out var c) ? c! : throw new ArgumentException(s);

    [RealHostFact]
    public async Task ResetAsync_AfterApply_LeavesTheHostAsItWas()
    {
        var plan = await FreshAsync();
        Assert.Equal(0, (await ApplyAsync(new EngineRun(), plan)).ExitCode);

        var run = new EngineRun();
        var report = await run.Converger(plan.Spec).ResetAsync(plan, EngineRun.Options(phases: [Phase.Reset]), CancellationToken.None);
        output.WriteLine(EngineRun.Describe(report));

        Assert.Equal(0, report.ExitCode);
        Assert.Equal(plan.Nodes.Single().Steps.Where(s => s.Phase == Phase.Reset).Select(s => s.Id), Assert.Single(report.Hosts).Ran);
        // What the stand-ins recorded about their calls is the test's, not the host's.
        var differences = (await DiskView.CompareAsync(ClusterHostSet.Snapshot(Cp1), Cp1.UpperDirectory))
            .Where(d => !d.Path.StartsWith(KubernetesStandIns.LogDirectory, StringComparison.Ordinal)).ToList();
        foreach (var d in differences) output.WriteLine(d.ToString());
        Assert.Empty(differences);
    }
}
