using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Provider;

public sealed class NodeEngineHosts() : HostsFixture("nodee",
    new TestHostOptions { Name = "ncp" },
    new TestHostOptions { Name = "nw", SudoUser = new SudoUser("deploy", null) });

/// <summary>The per-host engine the Pulumi provider uses, against real sshd hosts.</summary>
public class NodeEngineTests(NodeEngineHosts hosts) : IClassFixture<NodeEngineHosts>
{
    private static Step Step(string id, Phase phase, string script, string? check = null, IReadOnlyList<string>? runtime = null) =>
        Infra.Core.Model.Step.Create(id, phase, id, script, check, new Dictionary<string, string>(), [OsFamily.Debian12], runtimeInputs: runtime);

    private PlannedHost Planned(string name, string user = "root", params string[] roles) => TestTargets.Planned(hosts[name], user, roles);

    private NodeConnection Connection => TestTargets.NodeConnection(hosts.Network, commandTimeoutSeconds: 60);

    [RealHostFact]
    public async Task ApplyAsync_FreshHost_RunsStepsThenSecondApplyRunsNothing()
    {
        using var engine = new NodeEngine();
        var program = new NodeProgram
        {
            Host = Planned("ncp", "root", Roles.ControlPlane),
            Steps =
            [
                Step("prepare.marker", Phase.Prepare, "mkdir -p /opt/ne && date +%s%N >> /opt/ne/runs", "test -s /opt/ne/runs"),
                Step("reset.marker", Phase.Reset, "rm -rf /opt/ne /var/lib/infra"),
            ],
        };
        var first = await engine.ApplyAsync(program, null, Connection, CancellationToken.None);
        Assert.Equal(["prepare.marker"], first.Ran);
        var second = await engine.ApplyAsync(program, null, Connection, CancellationToken.None);
        Assert.Empty(second.Ran);
        Assert.Single(hosts["ncp"].ReadDiskFile("/opt/ne/runs")!.Trim().Split('\n'));

        var journal = await engine.JournalAsync(program.Host, Connection, CancellationToken.None);
        Assert.Equal(program.Steps[0].InputHash, journal["prepare.marker"]);

        await engine.ResetAsync(program, Connection, CancellationToken.None);
        Assert.Null(hosts["ncp"].ReadDiskFile("/opt/ne/runs"));
        Assert.Empty(await engine.JournalAsync(program.Host, Connection, CancellationToken.None));
    }

    [RealHostFact]
    public async Task ApplyAsync_HostLockOfAnEndedProcessOfThisMachine_TakenOverWhileAnotherMachinesIsRefused()
    {
        using var engine = new NodeEngine();
        var program = new NodeProgram
        {
            Host = Planned("ncp", "root", Roles.ControlPlane),
            Steps = [Step("prepare.lock-marker", Phase.Prepare, "mkdir -p /opt/nl && touch /opt/nl/ran", "test -e /opt/nl/ran")],
        };
        var endedPid = Engine.LockHolderTests.EndedProcessId();
        Task LeaveLockAsync(string holder) =>
            hosts["ncp"].ExecInsideAsync($"mkdir -p {HostPaths.HostLock} && printf '%s\\n' '{holder}' > {HostPaths.HostLock}/holder");

        var elsewhere = LockHolder.Describe("pulumi", "ci-runner-7", endedPid, DateTimeOffset.UtcNow);
        await LeaveLockAsync(elsewhere);
        var refused = await Assert.ThrowsAsync<HostLockedException>(() => engine.ApplyAsync(program, null, Connection, CancellationToken.None));
        Assert.Contains(elsewhere, refused.Message, StringComparison.Ordinal);
        Assert.Null(hosts["ncp"].ReadDiskFile("/opt/nl/ran"));

        await hosts["ncp"].ExecInsideAsync($"rm -rf {HostPaths.HostLock}");
        await LeaveLockAsync(LockHolder.Describe("pulumi", Environment.MachineName, endedPid, DateTimeOffset.UtcNow));
        var taken = await engine.ApplyAsync(program, null, Connection, CancellationToken.None);
        Assert.Equal(["prepare.lock-marker"], taken.Ran);
        Assert.Equal("", (await hosts["ncp"].ExecInsideAsync($"ls -A {HostPaths.LockDir}")).Stdout.Trim());
    }

    [RealHostFact]
    public async Task ApplyAsync_JoiningHostStandInKubeadm_TokenMadeOnFirstControlPlaneAndDeleted()
    {
        // Stand-in for kubeadm and kubectl on the first control plane: records its arguments, nothing more.
        await hosts["ncp"].ExecInsideAsync(
            "mkdir -p /usr/local/sbin && for t in kubeadm kubectl; do printf '#!/bin/sh\\necho \"%s $*\" >> /var/log/stand-in.log\\n' $t > /usr/local/sbin/$t; chmod 0755 /usr/local/sbin/$t; done");
        using var engine = new NodeEngine();
        var program = new NodeProgram
        {
            Host = Planned("nw", "deploy", Roles.Worker),
            Steps =
            [
                Step("workers.join", Phase.Workers,
                    "test -n \"$INFRA_JOIN_TOKEN\"\nmkdir -p /opt/nw\nprintf '%s' \"$INFRA_JOIN_TOKEN\" | sha256sum > /opt/nw/token.sha256",
                    "test -s /opt/nw/token.sha256", [JoinCredentials.TokenInput]),
            ],
        };
        var result = await engine.ApplyAsync(program, Planned("ncp", "root", Roles.ControlPlane), Connection, CancellationToken.None);
        Assert.Equal(["workers.join"], result.Ran);
        var log = hosts["ncp"].ReadDiskFile("/var/log/stand-in.log")!;
        var created = log.Split('\n').Single(l => l.StartsWith("kubeadm token create", StringComparison.Ordinal));
        var token = created.Split(' ')[3];
        Assert.Matches("^[a-z0-9]{6}\\.[a-z0-9]{16}$", token);
        Assert.Contains("--ttl 15m0s", created, StringComparison.Ordinal);
        Assert.Contains($"kubeadm token delete {token.Split('.')[0]}", log, StringComparison.Ordinal);
        // The worker saw the same token, and it never reached a file in clear.
        var seen = hosts["nw"].ReadDiskFile("/opt/nw/token.sha256")!;
        Assert.StartsWith(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token))), seen, StringComparison.Ordinal);
    }

    [RealHostFact]
    public async Task ApplyAsync_JoiningHostWithoutFirstControlPlane_FailsBeforeRunningAnything()
    {
        using var engine = new NodeEngine();
        var program = new NodeProgram
        {
            Host = Planned("nw", "deploy", Roles.Worker),
            Steps = [Step("workers.other-join", Phase.Workers, "touch /opt/must-not-exist", runtime: [JoinCredentials.TokenInput])],
        };
        var e = await Assert.ThrowsAsync<HostBlockedException>(() => engine.ApplyAsync(program, null, Connection, CancellationToken.None));
        Assert.Contains("no first control plane", e.Message, StringComparison.Ordinal);
        Assert.Null(hosts["nw"].ReadDiskFile("/opt/must-not-exist"));
    }

    [RealHostFact]
    [Trait("Item", "12.2")]
    public async Task ApplyAsync_ScriptExitsZeroButItsCheckFails_StepFailedNamingTheCheckLineAndNotJournaled()
    {
        using var engine = new NodeEngine();
        const string check = "test -e /opt/nv/ran\ngrep -qx ready /opt/nv/ran\n";
        var program = new NodeProgram
        {
            Host = Planned("ncp", "root", Roles.ControlPlane),
            Steps = [Step("prepare.verify-marker", Phase.Prepare, "mkdir -p /opt/nv && echo half > /opt/nv/ran", check)],
        };

        var e = await Assert.ThrowsAsync<StepFailedException>(() => engine.ApplyAsync(program, null, Connection, CancellationToken.None));

        Assert.Equal(new FailedCheck(3, "grep -qx ready /opt/nv/ran", 1), e.Failure.Check);
        Assert.Contains("line 3: grep -qx ready /opt/nv/ran", e.Message, StringComparison.Ordinal);
        Assert.Equal("half\n", hosts["ncp"].ReadDiskFile("/opt/nv/ran"));
        Assert.False((await engine.JournalAsync(program.Host, Connection, CancellationToken.None)).ContainsKey("prepare.verify-marker"));
        Assert.Equal("", (await hosts["ncp"].ExecInsideAsync($"ls -A {HostPaths.LockDir}")).Stdout.Trim());
    }

    [RealHostFact]
    [Trait("Item", "13.nodes")]
    public async Task RemoveAsync_WorkerResourceDeleted_StandInDrainedAndDeletedThroughTheFirstControlPlaneThenReset()
    {
        using var engine = new NodeEngine();
        await KubernetesStandIns.InstallAsync(hosts["ncp"], "v1.34.2", "v1.7.1");
        await hosts["nw"].ExecInsideAsync("mkdir -p /opt/nr && touch /opt/nr/joined");
        var program = new NodeProgram
        {
            Host = Planned("nw", "deploy", Roles.Worker),
            Steps = [Step("reset.marker", Phase.Reset, "rm -rf /opt/nr")],
        };
        var first = Planned("ncp", "root", Roles.ControlPlane);

        await KubernetesStandIns.FailAsync(hosts["ncp"], "kubectl", "drain", 1, "error when evicting pods/\"web-0\" -n \"default\": Cannot evict pod as it would violate the pod's disruption budget.");
        var blocked = await Assert.ThrowsAsync<StepFailedException>(() => engine.RemoveAsync(program, first, Connection, CancellationToken.None));
        Assert.Equal("remove.nw.drain", blocked.Failure.StepId);
        Assert.Contains("web-0", blocked.Failure.StderrTail, StringComparison.Ordinal);
        Assert.NotNull(hosts["nw"].ReadDiskFile("/opt/nr/joined"));
        await KubernetesStandIns.ClearControlsAsync(hosts["ncp"]);

        var warning = await engine.RemoveAsync(program, first, Connection, CancellationToken.None);

        Assert.Null(warning);
        var calls = KubernetesStandIns.Calls(hosts["ncp"]).Where(c => c.Tool == "kubectl").Select(c => c.Arguments).ToList();
        Assert.Equal(["get node nw", "drain nw --ignore-daemonsets --delete-emptydir-data --timeout=300s", "delete node nw --ignore-not-found"], calls.Skip(calls.Count - 3));
        Assert.Null(hosts["nw"].ReadDiskFile("/opt/nr/joined"));
    }
}
