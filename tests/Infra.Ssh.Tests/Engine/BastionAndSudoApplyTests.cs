using Infra.Core.Model;
using Infra.Ssh.Engine;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests.Engine;

public sealed class BastionAndSudoHosts() : ClusterHostsFixture("basu",
    new TestHostOptions { Name = "bastion", Bastion = true },
    new TestHostOptions { Name = "far", Isolated = true, Systemd = true },
    new TestHostOptions { Name = "near", Systemd = true, SudoUser = new SudoUser("deploy", BastionAndSudoApplyTests.SudoPassword) });

/// <summary>Hosts reached through a pinned bastion, and hosts logged into as a user who needs sudo.</summary>
[Collection(ProcessEnvironmentGroup.Name)]
public sealed class BastionAndSudoApplyTests(BastionAndSudoHosts fixture, ITestOutputHelper output) : IClassFixture<BastionAndSudoHosts>
{
    public const string SudoPassword = "sudo-Pa55word-for-tests";

    [RealHostFact]
    public async Task ApplyAsync_ThroughPinnedBastion_ConvergesTheIsolatedHost()
    {
        var far = fixture["far"];
        await ClusterHostSet.RestoreAsync([far]);
        var spec = HarnessCluster.Spec(fixture.Network, [ClusterMember.ControlPlane(far)], bastion: fixture["bastion"]);

        var report = await new EngineRun().ApplyAsync(fixture.Set.Plan(spec));
        output.WriteLine(EngineRun.Describe(report));

        Assert.Equal(0, report.ExitCode);
        Assert.Equal(HostState.Converged, Assert.Single(report.Hosts).State);
        Assert.Single(KubernetesStandIns.Calls(far), c => c.Tool == "kubeadm" && c.Has("init"));
        // The host saw every connection come from the bastion's address on its segment.
        var sources = (await far.ExecInsideAsync("journalctl -u ssh --no-pager | grep -o 'Accepted publickey for root from [0-9.]*' | awk '{print $NF}' | sort -u")).Stdout.Trim();
        Assert.Equal(fixture["bastion"].SegmentAddress, sources);
    }

    [RealHostFact]
    public async Task ApplyAsync_BastionPresentsAnotherKey_RefusedAndNothingRunsBehindIt()
    {
        var far = fixture["far"];
        await ClusterHostSet.RestoreAsync([far]);
        var spec = HarnessCluster.Spec(fixture.Network, [ClusterMember.ControlPlane(far)], bastion: fixture["bastion"]);
        spec = spec with { Ssh = spec.Ssh with { Bastion = spec.Ssh.Bastion! with { HostKey = HarnessCluster.Pin(far.HostKey.PublicKeyLine) } } };

        var report = await new EngineRun().ApplyAsync(fixture.Set.Plan(spec));
        output.WriteLine(EngineRun.Describe(report));

        Assert.Equal(1, report.ExitCode);
        var host = Assert.Single(report.Hosts);
        Assert.Equal(HostState.HostKeyRefused, host.State);
        Assert.Contains("bastion", host.Message);
        Assert.Contains(fixture["bastion"].HostKey.Fingerprint, host.Message);
        Assert.Null(far.ReadDiskFile(HostPaths.Journal));
    }

    [RealHostFact]
    public async Task ApplyAsync_NonRootUserWithSudoPassword_ConvergesAsRootAndNeverShowsThePassword()
    {
        var near = fixture["near"];
        await ClusterHostSet.RestoreAsync([near]);
        var spec = HarnessCluster.Spec(fixture.Network, [ClusterMember.ControlPlane(near)], user: "deploy");
        var ssh = TestTargets.Options with { SudoPasswordPrompt = (host, user) => host == "near" && user == "deploy" ? SudoPassword : null };
        var run = new EngineRun();
        run.Redactor.Add(SudoPassword);

        var report = await run.ApplyAsync(fixture.Set.Plan(spec), ssh: ssh);
        output.WriteLine(EngineRun.Describe(report));

        Assert.Equal(0, report.ExitCode);
        Assert.Equal(HostState.Converged, Assert.Single(report.Hosts).State);
        // Everything ran as root: the files the tool placed are root's, the journal too.
        var owners = (await near.ExecInsideAsync($"stat -c '%U %a %n' {HostPaths.Journal} {HostPaths.KubeadmConfig} /etc/kubernetes/pki/ca.key")).Stdout;
        Assert.All(owners.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.StartsWith("root ", l));
        Assert.Contains("root 600 /etc/kubernetes/pki/ca.key", owners);
        // The login was deploy's.
        Assert.Contains("Accepted publickey for deploy", (await near.ExecInsideAsync("journalctl -u ssh --no-pager")).Stdout);
        Assert.DoesNotContain(SudoPassword, EngineRun.Describe(report));
        Assert.DoesNotContain(run.Events, e => e.What.Contains(SudoPassword, StringComparison.Ordinal));
        // Nor did it reach the host's process list or logs (it went to sudo on stdin).
        Assert.DoesNotContain(SudoPassword, (await near.ExecInsideAsync("journalctl --no-pager")).Stdout);
    }
}
