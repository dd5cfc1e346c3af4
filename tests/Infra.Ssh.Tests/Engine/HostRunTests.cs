using System.Diagnostics;
using Infra.Core.Model;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh.Engine;

namespace Infra.Ssh.Tests.Engine;

/// <summary>The host run's decisions and failures against in-memory hosts (<see cref="FakeHost"/>): no sshd, no root.</summary>
[Trait("Item", "12.2")]
public class HostRunTests
{
    private const string Check = "test -e /opt/x\ngrep -q ready /opt/x\n";

    private static Step Step(string id, Phase phase = Phase.Prepare, string? check = Check, string script = "touch /opt/x", IReadOnlyList<HostFile>? files = null) =>
        Infra.Core.Model.Step.Create(id, phase, id, script, check, new Dictionary<string, string>(), [OsFamily.Debian12], files);

    private static NodeProgram Program(string host, params Step[] steps) => new()
    {
        Host = new PlannedHost { Name = host, Address = "10.0.0.1", Port = 22, User = "root", HostKey = null, Roles = [Roles.Worker], Os = OsFamily.Debian12 },
        Steps = steps,
    };

    private static readonly HashSet<Phase> AllPhases = [Phase.Prepare, Phase.Etcd, Phase.ControlPlane, Phase.Workers, Phase.Workloads];

    private static HostRun Run(FakeHosts hosts, ConvergeOptions? options = null) => new(hosts.Factory, new Redactor(), options ?? EngineRun.Options(), spec: null);

    /// <summary>Connect, lock and probe, decide, run every phase, unlock: what the provider does for one node.</summary>
    private static async Task<HostRunState> ApplyAsync(FakeHosts hosts, NodeProgram program, ConvergeOptions? options = null)
    {
        var run = Run(hosts, options);
        var state = new HostRunState(program);
        try
        {
            if (await run.ConnectAsync(state, default) && await run.ProbeAsync(state, takeLock: true, default) && run.Decide(state, AllPhases))
            {
                foreach (var phase in AllPhases.Order())
                {
                    if (!await run.RunPhaseAsync(state, phase, null, default)) break;
                }
            }
        }
        finally
        {
            await run.UnlockAsync(state);
        }
        return state;
    }

    private static async Task<HostRunState> DecideAsync(FakeHosts hosts, NodeProgram program)
    {
        var run = Run(hosts);
        var state = new HostRunState(program);
        Assert.True(await run.ConnectAsync(state, default));
        Assert.True(await run.ProbeAsync(state, takeLock: false, default));
        run.Decide(state, AllPhases);
        return state;
    }

    [Fact]
    public async Task Decide_JournalAndChecks_SkipsDoneRunsNewAndChanged()
    {
        var hosts = new FakeHosts();
        var done = Step("prepare.done");
        var changed = Step("prepare.changed");
        var fresh = Step("prepare.fresh");
        hosts["h"].Done(done);
        hosts["h"].Done(changed with { InputHash = "0123" });

        var state = await DecideAsync(hosts, Program("h", done, changed, fresh));

        Assert.Equal(1, state.Decision!.Skipped);
        Assert.Equal([("prepare.changed", "its inputs changed"), ("prepare.fresh", "not done yet")],
            state.Decision.Pending.Select(p => (p.Step.Id, p.Reason)));
        Assert.Empty(state.Decision.Drift);
        Assert.Null(hosts["h"].HostLockHolder);
    }

    [Fact]
    public async Task Decide_DoneStepWhoseCheckFails_DriftNamesTheCheckLine()
    {
        var hosts = new FakeHosts();
        var step = Step("prepare.drifted");
        hosts["h"].Done(step);
        hosts["h"].FailingChecks["prepare.drifted"] = 3;

        var state = await DecideAsync(hosts, Program("h", step));

        var change = Assert.Single(state.Decision!.Changes);
        Assert.Equal("drift: its check no longer holds (line 3: grep -q ready /opt/x)", change.Reason);
        Assert.Equal(new FailedCheck(3, "grep -q ready /opt/x", 1), change.Drift);
        Assert.True(new ClusterReport { Hosts = [state.PendingReport()] }.AnyDrift);
    }

    [Fact]
    public void Parse_ProbeOutputWithFailedCheck_ReadsJournalStateAndTheLine()
    {
        Step[] steps = [Step("a"), Step("b")];
        var output = "@@now 100\n@@journal\na\th1\tok\t1\nb\th2\tok\t2\n@@state\n{\"v\":1}\n\n@@checks\nok 0\n@@check-failed 2 1\nno 1\n@@end\n";

        var probe = HostProbe.Parse(output, steps);

        Assert.False(probe.Locked);
        Assert.Equal(["a", "b"], probe.Journal.Keys.Order());
        Assert.Equal("{\"v\":1}", probe.StateJson);
        Assert.True(probe.Checks["a"]);
        Assert.False(probe.Checks["b"]);
        Assert.Equal(new FailedCheck(2, "test -e /opt/x", 1), probe.FailedChecks["b"]);
        Assert.False(probe.FailedChecks.ContainsKey("a"));
    }

    [Fact]
    public void Parse_LockedHost_HolderAndAge()
    {
        var probe = HostProbe.Parse("@@now 1000\n@@locked 940\nalice@ws1 pid 7 since 2026-11-27T10:00:00Z\n", []);

        Assert.True(probe.Locked);
        Assert.Equal("alice@ws1 pid 7 since 2026-11-27T10:00:00Z", probe.LockHolder);
        Assert.Equal(60, probe.LockAgeSeconds);
    }

    [Fact]
    public void Parse_OutputCutShort_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => HostProbe.Parse("@@now 1\n@@journal\n", []));
    }

    /// <summary>The traced check under the machine's own bash: the marker names the line the check stopped at.</summary>
    [Theory]
    [InlineData("set -euo pipefail\ntest -d /\ntest -e /nonexistent-infra\ntrue\n", 3)]
    [InlineData("set -euo pipefail\nv=none\n[ \"$v\" = ok ] || { echo \"found $v\" >&2; exit 1; }\necho unreachable\n", 3)]
    [InlineData("test -d /\ntest -e /nonexistent-infra\n", 2)]
    [InlineData("set -euo pipefail\nf() { true; false; }\ntest -d /\nf\n", 4)]
    [InlineData("set -euo pipefail\necho \"$unset_variable_infra\"\n", 2)]
    [InlineData("set -euo pipefail\ntest -d /\n", 0)]
    public async Task CheckTrace_CheckUnderBash_MarkerNamesTheLineItStoppedAt(string check, int line)
    {
        var script = CheckTrace.Nested(check, "T", " 3>&1 >/dev/null 2>&1") + "\n";
        var psi = new ProcessStartInfo("bash") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var bash = Process.Start(psi)!;
        await bash.StandardInput.WriteAsync(script);
        bash.StandardInput.Close();
        var stdout = await bash.StandardOutput.ReadToEndAsync();
        await bash.WaitForExitAsync();

        var (failure, _) = CheckTrace.Find(stdout, check);
        if (line == 0)
        {
            Assert.Equal(0, bash.ExitCode);
            Assert.Null(failure);
            return;
        }
        Assert.NotEqual(0, bash.ExitCode);
        Assert.Equal(line, failure?.Line);
        Assert.Equal(check.Split('\n')[line - 1].Trim(), failure!.Text);
    }

    [Fact]
    public void Script_StepWithCheck_VerifiesBeforeTheJournalLine()
    {
        var script = StepRunner.Script(Step("prepare.x"), afterSuccess: "echo recorded");

        var verify = script.IndexOf("INFRA_VERIFY_EOF", StringComparison.Ordinal);
        var journal = script.IndexOf(HostPaths.Journal, StringComparison.Ordinal);
        Assert.True(script.IndexOf("INFRA_STEP_EOF", StringComparison.Ordinal) < verify && verify < journal, script);
        Assert.True(journal < script.IndexOf("echo recorded", StringComparison.Ordinal));
        Assert.DoesNotContain("INFRA_VERIFY_EOF", StepRunner.Script(Step("prepare.y", check: null)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunStep_ScriptSucceedsButCheckFails_FailureNamesTheCheckLineAndNothingIsJournaled()
    {
        var hosts = new FakeHosts();
        hosts["h"].FailingChecks["prepare.x"] = 3;

        var state = await ApplyAsync(hosts, Program("h", Step("prepare.x"), Step("prepare.after")));

        var failure = Assert.IsType<HostStop.Failed>(state.Stop).Failure;
        Assert.Equal("prepare.x", failure.StepId);
        Assert.Equal(new FailedCheck(3, "grep -q ready /opt/x", 1), failure.Check);
        Assert.Contains("line 3: grep -q ready /opt/x", failure.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain(CheckTrace.Marker, failure.StderrTail, StringComparison.Ordinal);
        Assert.Contains("check said no", failure.StderrTail, StringComparison.Ordinal);
        Assert.Empty(hosts["h"].JournalLines);
        Assert.Empty(state.Ran);
        Assert.DoesNotContain("prepare.after", hosts["h"].Commands);
        var e = Assert.IsType<StepFailedException>(state.Stop!.ToException("h"));
        Assert.Contains("ran, but its check does not hold (line 3: grep -q ready /opt/x)", e.Message, StringComparison.Ordinal);
        Assert.Null(hosts["h"].HostLockHolder);
    }

    [Fact]
    public async Task RunStep_ScriptFails_FailureWithExitCodeAndTheRunStops()
    {
        var hosts = new FakeHosts();
        hosts["h"].FailingScripts["prepare.b"] = 7;

        var state = await ApplyAsync(hosts, Program("h", Step("prepare.a"), Step("prepare.b"), Step("prepare.c")));

        var failure = Assert.IsType<HostStop.Failed>(state.Stop).Failure;
        Assert.Equal(("prepare.b", 7, (FailedCheck?)null), (failure.StepId, failure.ExitCode, failure.Check));
        Assert.Equal(["prepare.a"], state.Ran);
        Assert.Equal(["prepare.a"], hosts["h"].JournalIds());
        Assert.Equal(HostState.Failed, state.Report(ran: true)!.State);
        Assert.Equal(["prepare.a"], state.Report(ran: true)!.Ran);
        Assert.IsType<StepFailedException>(state.Stop!.ToException("h"));
    }

    [Fact]
    public async Task RunStep_UploadFails_FailureAndTheScriptNeverRuns()
    {
        var hosts = new FakeHosts();
        hosts["h"].FailingUploads.Add("/etc/infra-test.conf");
        var step = Step("prepare.file", files: [new HostFile { Path = "/etc/infra-test.conf", Content = [1], Mode = "0644" }]);

        var state = await ApplyAsync(hosts, Program("h", step));

        var failure = Assert.IsType<HostStop.Failed>(state.Stop).Failure;
        Assert.Equal(("prepare.file", -1), (failure.StepId, failure.ExitCode));
        Assert.Contains("upload of /etc/infra-test.conf", failure.StderrTail, StringComparison.Ordinal);
        Assert.DoesNotContain("prepare.file", hosts["h"].Commands);
        Assert.Empty(hosts["h"].JournalLines);
    }

    [Fact]
    public async Task RunStep_ConnectionLost_FailureResumesThereAndTheLockIsReleasedOverAFreshConnection()
    {
        var hosts = new FakeHosts();
        hosts["h"].BreakConnectionAt.Add("prepare.b");
        hosts["h"].BreakConnectionAt.Add("unlock");

        var state = await ApplyAsync(hosts, Program("h", Step("prepare.a"), Step("prepare.b")));

        var failure = Assert.IsType<HostStop.Failed>(state.Stop).Failure;
        Assert.Equal(("prepare.b", -1), (failure.StepId, failure.ExitCode));
        Assert.Contains("resumes at prepare.b", failure.Hint, StringComparison.Ordinal);
        Assert.Equal(["prepare.a"], hosts["h"].JournalIds());
        Assert.Equal(2, hosts["h"].Commands.Count(c => c == "unlock"));
        Assert.Null(hosts["h"].HostLockHolder);

        var resumed = await ApplyAsync(hosts, Program("h", Step("prepare.a"), Step("prepare.b")));
        Assert.Null(resumed.Stop);
        Assert.Equal(["prepare.b"], resumed.Ran);
    }

    [Fact]
    public async Task Probe_LockLeftByAnEndedRun_TakenOverAndReleased()
    {
        var hosts = new FakeHosts();
        hosts["h"].HostLockHolder = "bob@ws1 pid 7 since 2026-11-27T10:00:00Z";
        var options = EngineRun.Options() with { HolderIsGone = h => h == "bob@ws1 pid 7 since 2026-11-27T10:00:00Z" };

        var state = await ApplyAsync(hosts, Program("h", Step("prepare.a")), options);

        Assert.Null(state.Stop);
        Assert.Equal(["prepare.a"], state.Ran);
        Assert.Equal(2, hosts["h"].Commands.Count(c => c == "probe"));
        Assert.Null(hosts["h"].HostLockHolder);
    }

    [Fact]
    public async Task Probe_LockHeldByALiveRun_LockedNothingRunsAndTheLockStays()
    {
        var hosts = new FakeHosts();
        const string holder = "carol@ws3 pid 9 since 2026-11-27T10:00:00Z";
        hosts["h"].HostLockHolder = holder;

        var state = await ApplyAsync(hosts, Program("h", Step("prepare.a")));

        Assert.Equal(new HostStop.Locked(holder, 100), state.Stop);
        Assert.False(state.HoldsLock);
        Assert.Equal(holder, hosts["h"].HostLockHolder);
        Assert.Empty(hosts["h"].Ran);
        var e = Assert.IsType<HostLockedException>(state.Stop!.ToException("h"));
        Assert.Equal(holder, e.Holder);
        Assert.Contains("held by " + holder, state.Report(ran: false)!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_HostDown_UnreachableAndTypedException()
    {
        var hosts = new FakeHosts();
        hosts["h"].Unreachable = true;

        var state = await ApplyAsync(hosts, Program("h", Step("prepare.a")));

        Assert.Equal(HostState.Unreachable, state.Report(ran: false)!.State);
        Assert.IsType<HostUnreachableException>(state.Stop!.ToException("h"));
    }

    [Fact]
    public async Task Decide_SelectedPhaseWaitsForAnUndoneOne_BlockedAndTypedException()
    {
        var hosts = new FakeHosts();
        var run = Run(hosts);
        var state = new HostRunState(Program("h", Step("prepare.a"), Step("workers.join", Phase.Workers)));
        await run.ConnectAsync(state, default);
        await run.ProbeAsync(state, takeLock: false, default);

        Assert.False(run.Decide(state, new HashSet<Phase> { Phase.Workers }));
        Assert.IsType<HostBlockedException>(state.Stop!.ToException("h"));
        Assert.Equal(HostState.Blocked, state.Report(ran: false)!.State);
    }
}
