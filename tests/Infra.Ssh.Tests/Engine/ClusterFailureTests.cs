using Infra.Core.Model;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests.Engine;

public sealed class FourSystemdHosts() : ClusterHostsFixture("four",
    new TestHostOptions { Name = "cp1", Systemd = true }, new TestHostOptions { Name = "cp2", Systemd = true },
    new TestHostOptions { Name = "w1", Systemd = true }, new TestHostOptions { Name = "w2", Systemd = true });

/// <summary>What one host's trouble does to the others: refused keys, unreachable hosts, failures, locks.</summary>
public sealed class ClusterFailureTests(FourSystemdHosts fixture, ITestOutputHelper output) : IClassFixture<FourSystemdHosts>
{
    private IReadOnlyList<TestHost> Hosts => fixture.Network.Hosts;

    private async Task<ClusterSpec> FreshAsync()
    {
        await ClusterHostSet.RestoreAsync(Hosts);
        return HarnessCluster.Spec(fixture.Network,
            [ClusterMember.ControlPlane(fixture["cp1"]), ClusterMember.ControlPlane(fixture["cp2"]), ClusterMember.Worker(fixture["w1"]), ClusterMember.Worker(fixture["w2"])]);
    }

    private async Task<ClusterReport> ApplyAsync(ClusterSpec spec, ConvergeOptions? options = null, bool confirm = true)
    {
        var report = await new EngineRun().ApplyAsync(fixture.Set.Plan(spec), options, confirm);
        output.WriteLine(EngineRun.Describe(report));
        return report;
    }

    private static HostReport Of(ClusterReport report, string host) => report.Hosts.Single(h => h.Host == host);

    /// <summary>Nothing the tool does left a trace on the host's disk.</summary>
    private static async Task AssertUntouchedAsync(TestHost host)
    {
        var differences = await DiskView.CompareAsync(ClusterHostSet.Snapshot(host), host.UpperDirectory);
        Assert.DoesNotContain(differences, d => d.Path.StartsWith("/var/lib/infra", StringComparison.Ordinal) || d.Path.StartsWith("/etc/kubernetes", StringComparison.Ordinal));
        Assert.Empty(KubernetesStandIns.Calls(host));
    }

    [RealHostFact]
    public async Task ApplyAsync_WrongHostKey_RefusedBeforeAnythingRunsAndOthersConverge()
    {
        var spec = await FreshAsync();
        var impostor = fixture["cp1"].HostKey.Fingerprint;
        spec = spec with { Hosts = [.. spec.Hosts.Select(h => h.Name == "w2" ? h with { HostKey = HarnessCluster.Pin(impostor) } : h)] };

        var report = await ApplyAsync(spec);

        Assert.Equal(1, report.ExitCode);
        var w2 = Of(report, "w2");
        Assert.Equal(HostState.HostKeyRefused, w2.State);
        Assert.Contains(impostor, w2.Message);
        Assert.Contains(fixture["w2"].HostKey.Fingerprint, w2.Message);
        Assert.Empty(w2.Ran);
        await AssertUntouchedAsync(fixture["w2"]);
        Assert.All(report.Hosts.Where(h => h.Host != "w2"), h => Assert.Equal(HostState.Converged, h.State));
    }

    [RealHostFact]
    public async Task ApplyAsync_UnreachableHost_ReportedAndOthersConverge()
    {
        var spec = await FreshAsync();
        var ghost = new HostSpec
        {
            Name = "w3",
            Address = fixture.Network.UnusedAddress,
            Port = 22,
            User = "root",
            HostKey = HarnessCluster.Pin(SampleSpecs.DummyFingerprint),
            Roles = [Roles.Worker],
            Pool = spec.Workers[0].Name,
        };
        // Short enough to keep the test quick, long enough for a real host's handshake on a loaded machine.
        spec = spec with { Hosts = [.. spec.Hosts, ghost], Ssh = spec.Ssh with { ConnectTimeoutSeconds = 4 } };

        var report = await ApplyAsync(spec);

        Assert.Equal(1, report.ExitCode);
        var w3 = Of(report, "w3");
        Assert.Equal(HostState.Unreachable, w3.State);
        Assert.Contains(fixture.Network.UnusedAddress, w3.Message);
        Assert.All(report.Hosts.Where(h => h.Host != "w3"), h => Assert.Equal(HostState.Converged, h.State));
    }

    [RealHostFact]
    public async Task ApplyAsync_StandInInitFailsOnFirstControlPlane_OnlyWhatDependsOnItWaits()
    {
        var spec = await FreshAsync();
        await KubernetesStandIns.FailAsync(fixture["cp1"], "kubeadm", "init", 1, "[preflight] stand-in: the API server did not come up");
        await KubernetesStandIns.FailAsync(fixture["w2"], "kubeadm", "join", 7, "w2 cannot join");

        var report = await ApplyAsync(spec);

        Assert.Equal(1, report.ExitCode);
        var cp1 = Of(report, "cp1");
        Assert.Equal(HostState.Failed, cp1.State);
        Assert.Equal(("control-plane.init", 1), (cp1.Failure!.StepId, cp1.Failure.ExitCode));
        Assert.Contains("did not come up", cp1.Failure.StderrTail);
        // The others finished prepare and wait for cp1: nothing of theirs ran that needs it.
        foreach (var name in new[] { "cp2", "w1", "w2" })
        {
            var h = Of(report, name);
            Assert.Equal(HostState.Blocked, h.State);
            Assert.Contains("cp1", h.Message);
            Assert.Contains("prepare.kubeadm-config", h.Ran);
            Assert.DoesNotContain(KubernetesStandIns.Calls(fixture[name]), c => c.Tool == "kubeadm");
        }

        // Once cp1 is fixed, the next apply goes on; w2's own failure stops only w2.
        await KubernetesStandIns.ClearControlsAsync(fixture["cp1"]);
        var next = await ApplyAsync(spec);

        Assert.Equal(1, next.ExitCode);
        var w2 = Of(next, "w2");
        Assert.Equal(HostState.Failed, w2.State);
        Assert.Equal(("workers.join", 7), (w2.Failure!.StepId, w2.Failure.ExitCode));
        Assert.Equal("w2 cannot join", w2.Failure.StderrTail);
        Assert.All(next.Hosts.Where(h => h.Host != "w2"), h => Assert.Equal(HostState.Converged, h.State));
    }

    [RealHostFact]
    public async Task ApplyAsync_SecondConcurrentApplyOrReset_RefusedWithHolderAndBreakLockGoesOn()
    {
        var spec = await FreshAsync();
        var plan = fixture.Set.Plan(spec);
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        // The first run stops at its confirmation, holding the cluster lock and every host lock.
        var first = Task.Run(() => new EngineRun().Converger(spec).ApplyAsync(plan, EngineRun.Options(holder: "alice@ws1 pid 4242"), _ =>
        {
            holding.Set();
            release.Wait();
            return false;
        }, CancellationToken.None));
        Assert.True(holding.Wait(TimeSpan.FromSeconds(60)), "the first run never asked for confirmation");

        var refused = await ApplyAsync(spec, EngineRun.Options(holder: "bob@ws2 pid 7"));

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("alice@ws1 pid 4242", refused.Refusal);
        Assert.Contains("--break-lock", refused.Refusal);
        Assert.All(Hosts, h => Assert.Empty(KubernetesStandIns.Calls(h)));
        // A reset is refused the same way.
        var reset = await new EngineRun().Converger(spec).ResetAsync(plan, EngineRun.Options(holder: "carol@ws3 pid 9", phases: [Core.Model.Phase.Reset]), CancellationToken.None);
        Assert.Equal(1, reset.ExitCode);
        Assert.Contains("alice@ws1 pid 4242", reset.Refusal);
        // The first run's probe made the journal directory; a reset that ran would have removed it.
        Assert.All(Hosts, h => Assert.True(Directory.Exists(h.DiskPath(HostPaths.JournalDir))));

        var broke = await ApplyAsync(spec, EngineRun.Options(holder: "bob@ws2 pid 7", breakLock: true));
        release.Set();
        var declined = await first;

        Assert.Equal(0, broke.ExitCode);
        Assert.All(broke.Hosts, h => Assert.Equal(HostState.Converged, h.State));
        Assert.True(declined.Declined);
        // Neither run left a lock behind (the first one's release did not remove the second one's).
        Assert.All(Hosts, h => Assert.Equal("", h.ExecInsideAsync($"ls -A {HostPaths.LockDir}").Result.Stdout.Trim()));
    }
    [RealHostFact]
    public async Task ApplyAsync_LocksLeftByAnEndedRunOnThisMachine_TakenOverWhileALiveRunsAreRefused()
    {
        var spec = await FreshAsync();
        var plan = fixture.Set.Plan(spec);
        var endedPid = LockHolderTests.EndedProcessId();
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        // What a run killed with SIGKILL leaves: the cluster lock on the first control plane and every host's lock.
        async Task LeaveLocksAsync(string holder)
        {
            foreach (var h in Hosts)
            {
                var cluster = h.Name == "cp1" ? $"mkdir -p {HostPaths.ClusterLock}; printf '%s\\n' '{holder}' > {HostPaths.ClusterLock}/holder; " : "";
                await h.ExecInsideAsync($"rm -rf {HostPaths.LockDir}; mkdir -p {HostPaths.HostLock}; printf '%s\\n' '{holder}' > {HostPaths.HostLock}/holder; {cluster}");
            }
        }
        ConvergeOptions Options() => EngineRun.Options(holder: LockHolder.ForThisProcess()) with { HolderIsGone = LockHolder.IsGoneHere };

        // Alive (this very process), or on another machine: nobody here can tell that run is over.
        foreach (var live in new[] { LockHolder.Describe("alice", Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow), LockHolder.Describe("alice", "elsewhere", 1, since) })
        {
            await LeaveLocksAsync(live);
            var refused = await ApplyAsync(spec, Options());
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains(live, refused.Refusal);
            Assert.Contains("--break-lock", refused.Refusal);
            Assert.All(Hosts, h => Assert.Empty(KubernetesStandIns.Calls(h)));
        }

        var gone = LockHolder.Describe("alice", Environment.MachineName, endedPid, since);
        await LeaveLocksAsync(gone);
        var run = new EngineRun();
        var report = await run.ApplyAsync(plan, Options());
        output.WriteLine(EngineRun.Describe(report));

        Assert.Equal(0, report.ExitCode);
        Assert.All(report.Hosts, h => Assert.Equal(HostState.Converged, h.State));
        Assert.Contains(run.Events, e => e.Host == "cp1" && e.What.StartsWith($"taking over the cluster lock left by {gone}", StringComparison.Ordinal));
        Assert.All(Hosts, h => Assert.Contains(run.Events, e => e.Host == h.Name && e.What.StartsWith($"taking over the lock left by {gone}", StringComparison.Ordinal)));
        Assert.All(Hosts, h => Assert.Equal("", h.ExecInsideAsync($"ls -A {HostPaths.LockDir}").Result.Stdout.Trim()));
    }
}
