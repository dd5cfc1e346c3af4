using System.Text.RegularExpressions;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Cli.Tests;

/// <summary>Three real systemd hosts, each a control plane (stacked etcd), for renewal and key rotation; restored before each test.</summary>
public sealed class ThreeControlPlaneHosts : IAsyncLifetime
{
    public static readonly string[] Names = ["cp1", "cp2", "cp3"];
    public ClusterHostSet Set { get; private set; } = null!;
    public TestHost this[string name] => Set[name];

    public async Task InitializeAsync()
    {
        if (TestTiers.RealHostSkipReason is not null) return; // the tests are skipped: start nothing
        Set = await ClusterHostSet.CreateAsync(TestHostNetwork.PrefixFor("rr"), [.. Names.Select(n => new TestHostOptions { Name = n, Systemd = true })]);
    }

    public async Task DisposeAsync()
    {
        if (Set is not null) await Set.DisposeAsync();
    }
}

/// <summary>
/// Issue 14, <c>infra certs renew</c> and <c>infra secrets rotate encryption-key</c> on three control planes whose
/// kubeadm, kubectl, crictl and kubelet are stand-ins that record each call: what was renewed and restarted, on which
/// host, in which order, and (crictl keeps a copy at each restart) the encryption configuration each API server
/// restarted on. The API server's restart is static-pods/restart.sh run for real: manifest parked, crictl asked until
/// the container is gone, manifest back, then the /readyz gate through kubectl.
/// </summary>
public sealed class RenewAndRotateStandInTests(ThreeControlPlaneHosts hosts, ITestOutputHelper output) : IClassFixture<ThreeControlPlaneHosts>, IDisposable
{
    private const string EncryptionConfig = Core.Model.HostPaths.EncryptionConfig;
    private const string LocalApi = "https://127.0.0.1:6443";
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private CliRunner.Result Infra(params string[] args)
    {
        var r = CliRunner.Run(_tmp.Path, args, variables: new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = _tmp.File("secrets") });
        output.WriteLine($"$ infra {string.Join(' ', args)} -> {r.ExitCode}\n{r.Out}{r.Err}");
        return r;
    }

    /// <summary>The three control planes applied from a stack file; each host's crictl keeps the encryption configuration at each call.</summary>
    private async Task<(string Stack, Dictionary<string, int> Before)> AppliedAsync()
    {
        var members = ThreeControlPlaneHosts.Names.Select(n => ClusterMember.ControlPlane(hosts[n])).ToList();
        await ClusterHostSet.RestoreAsync(members.Select(m => m.Host));
        var stack = _tmp.File("Pulumi.harness.yaml");
        await File.WriteAllTextAsync(stack, HarnessCluster.StackYaml(HarnessCluster.Spec(hosts.Set.Network, members)));
        var apply = Infra("apply", "--file", stack, "--yes");
        Assert.True(apply.ExitCode == 0, apply.Out + apply.Err);
        foreach (var n in ThreeControlPlaneHosts.Names) await KubernetesStandIns.KeepAsync(hosts[n], "crictl", "ps", [EncryptionConfig]);
        return (stack, ThreeControlPlaneHosts.Names.ToDictionary(n => n, n => KubernetesStandIns.Calls(hosts[n]).Count));
    }

    private string NameOf(string server) =>
        ThreeControlPlaneHosts.Names.SingleOrDefault(n => server == $"https://{hosts[n].Address}:6443") ?? server;

    /// <summary>A recorded call as a line of the procedure, or null for calls the procedure does not make.</summary>
    private string? Line(StandInCall c)
    {
        var who = c.Host + ": ";
        if (c.Tool == "kubeadm" && c.Arguments.StartsWith("certs ", StringComparison.Ordinal)) return who + "kubeadm " + c.Arguments;
        if (c.Tool == "crictl" && c.Has("ps") && c.Has(@"\^kube-apiserver\$")) return who + "kube-apiserver stopped";
        if (c.Tool == "kubelet") return who + "kubelet started";
        if (c.Tool == "kubectl" && c.Has("--raw=/readyz"))
        {
            var server = Regex.Match(c.Arguments, "--server ([^ ]+)").Groups[1].Value;
            return server == LocalApi ? who + "readyz" : who + "readyz of " + NameOf(server);
        }
        return null;
    }

    /// <summary>The procedure's calls on every host since <paramref name="before"/>, by start time.</summary>
    private List<(string Line, StandInCall Call)> Since(Dictionary<string, int> before) =>
    [
        .. ThreeControlPlaneHosts.Names.SelectMany(n => KubernetesStandIns.Calls(hosts[n]).Skip(before[n]))
            .Select(c => (Line: Line(c), Call: c)).Where(x => x.Line is not null).OrderBy(x => x.Call.Start)
            .Select(x => (x.Line!, x.Call)),
    ];

    /// <summary>The key names, in order, of an encryption configuration.</summary>
    private static string Keys(string config) =>
        string.Join(",", Regex.Matches(config, @"name: (infra-\d+)").Select(m => m.Groups[1].Value));

    /// <summary>The key names of the encryption configuration each API server restart found in place, in order.</summary>
    private List<string> RestartedOn(List<(string Line, StandInCall Call)> calls) =>
    [
        .. calls.Where(x => x.Line.EndsWith("kube-apiserver stopped", StringComparison.Ordinal))
            .Select(x => $"{x.Call.Host}: {Keys(KubernetesStandIns.SavedFile(hosts[x.Call.Host], x.Call.Files.Single()))}"),
    ];

    private string KeysOn(string host) => Keys(hosts[host].ReadDiskFile(EncryptionConfig)!);

    /// <summary>One control plane's API server restarted behind the guard: the others answer, it stops, it answers again (script, then check).</summary>
    /// <summary>others-answer.sh on <paramref name="host"/>: the other control planes' API servers asked before anything changes.</summary>
    private static string[] Guard(string host) => [.. ThreeControlPlaneHosts.Names.Where(n => n != host).Select(n => $"{host}: readyz of {n}")];

    private static string[] Restart(string host, bool guarded = true) =>
    [
        .. guarded ? Guard(host) : [],
        $"{host}: kube-apiserver stopped",
        $"{host}: readyz",
        $"{host}: readyz",
    ];

    private static string[] Rollout() => [.. ThreeControlPlaneHosts.Names.SelectMany(n => Restart(n))];

    /// <summary>
    /// A resumed run: the hosts that have the resumed stage's restart journaled are probed first (in parallel, the
    /// restart's check: their API server answers), then <paramref name="then"/> runs in order.
    /// </summary>
    private static void AssertResumed(string[] verified, string[] then, List<(string Line, StandInCall Call)> calls)
    {
        Assert.Equal(verified.Select(h => $"{h}: readyz").Order(StringComparer.Ordinal), calls.Take(verified.Length).Select(c => c.Line).Order(StringComparer.Ordinal));
        Assert.Equal(then, calls.Skip(verified.Length).Select(c => c.Line));
    }

    [RealHostFact]
    [Trait("Item", "14.1")]
    public async Task CertsRenew_StandInThreeControlPlanes_KubeadmRenewsByNameThenEachApiServerRestartsBehindReadyzOneAtATime()
    {
        var (stack, before) = await AppliedAsync();

        var r = Infra("certs", "renew", "--file", stack, "--yes");
        Assert.True(r.ExitCode == 0, r.Out + r.Err);

        var calls = Since(before);
        output.WriteLine(string.Join("\n", calls.Select(c => c.Line)));
        // Behind the guard (every other API server answers), kubeadm renews its own certificates by name, never 'all', and
        // the kubeconfigs each control plane has (init writes super-admin.conf, controller-manager.conf and
        // scheduler.conf; the stand-in's join only admin.conf).
        string[] Kubeadm(string host, params string[] kubeconfigs) =>
            [.. new[] { "apiserver", "apiserver-kubelet-client", "front-proxy-client" }.Concat(kubeconfigs).Select(c => $"{host}: kubeadm certs renew {c}")];
        Assert.Equal(
        [
            .. Guard("cp1"), .. Kubeadm("cp1", "admin.conf", "super-admin.conf", "controller-manager.conf", "scheduler.conf"), .. Restart("cp1", guarded: false), "cp1: kubelet started",
            .. Guard("cp2"), .. Kubeadm("cp2", "admin.conf"), .. Restart("cp2", guarded: false), "cp2: kubelet started",
            .. Guard("cp3"), .. Kubeadm("cp3", "admin.conf"), .. Restart("cp3", guarded: false), "cp3: kubelet started",
        ], calls.Select(c => c.Line));
        Assert.DoesNotContain(calls, c => c.Call.Has("all"));
        // One at a time: a control plane starts only after the previous one's API server answered and its kubelet ran.
        for (var i = 1; i < ThreeControlPlaneHosts.Names.Length; i++)
        {
            var previous = calls.Last(c => c.Call.Host == ThreeControlPlaneHosts.Names[i - 1]).Call;
            var next = calls.First(c => c.Call.Host == ThreeControlPlaneHosts.Names[i]).Call;
            Assert.True(previous.End <= next.Start, $"{next.Host} started before {previous.Host} was done");
        }

        // apply's own certificate step is journaled with the renewed files: apply has nothing to place or restart.
        var after = ThreeControlPlaneHosts.Names.ToDictionary(n => n, n => KubernetesStandIns.Calls(hosts[n]).Count);
        var again = Infra("apply", "--file", stack, "--phase", "prepare", "--dry-run");
        Assert.True(again.ExitCode == 0, again.Out + again.Err);
        Assert.DoesNotContain("prepare.pki", again.Out, StringComparison.Ordinal);
        Assert.Empty(Since(after));
    }

    [RealHostFact]
    [Trait("Item", "14.2")]
    public async Task RotateEncryptionKey_StandInThreeControlPlanes_StagesFilesAndGuardedRestartsInOrderThenTheRewriteFromCp1()
    {
        var (stack, before) = await AppliedAsync();
        const string secrets = """{"apiVersion":"v1","kind":"List","items":[{"kind":"Secret","metadata":{"name":"s1","namespace":"default"}}]}""";
        await KubernetesStandIns.AnswerAsync(hosts["cp1"], "secrets", secrets);
        Assert.All(ThreeControlPlaneHosts.Names, n => Assert.Equal("infra-1", KeysOn(n)));

        var r = Infra("secrets", "rotate", "encryption-key", "--file", stack, "--yes");
        Assert.True(r.ExitCode == 0, r.Out + r.Err);

        var calls = Since(before);
        output.WriteLine(string.Join("\n", calls.Select(c => c.Line)));
        // Three rollouts (add, encrypt with the new key, drop the old), each one control plane at a time behind the guard.
        Assert.Equal([.. Rollout(), .. Rollout(), .. Rollout()], calls.Select(c => c.Line));
        Assert.Equal(
        [
            .. ThreeControlPlaneHosts.Names.Select(n => $"{n}: infra-1,infra-2"),
            .. ThreeControlPlaneHosts.Names.Select(n => $"{n}: infra-2,infra-1"),
            .. ThreeControlPlaneHosts.Names.Select(n => $"{n}: infra-2"),
        ], RestartedOn(calls));
        Assert.All(ThreeControlPlaneHosts.Names, n => Assert.Equal("infra-2", KeysOn(n)));
        // The kept secrets end with the new key alone: a later apply places what the hosts have, nothing to do.
        var kept = SecretsFolder.Load(_tmp.File("secrets"))!;
        Assert.Equal(("infra-2", null), (kept.EncryptionKeyName, kept.SecondEncryptionKey));
        var after = Infra("apply", "--file", stack, "--phase", "prepare", "--dry-run");
        Assert.True(after.ExitCode == 0, after.Out + after.Err);
        Assert.DoesNotContain("prepare.apiserver-config", after.Out, StringComparison.Ordinal);

        // The rewrite, once, from cp1, between the second rollout and the third, piping what get printed into replace.
        var rewrite = ThreeControlPlaneHosts.Names.SelectMany(n => KubernetesStandIns.Calls(hosts[n]).Skip(before[n]))
            .Where(c => c.Tool == "kubectl" && (c.Has("secrets") || c.Has("replace"))).OrderBy(c => c.Arguments, StringComparer.Ordinal).ToList();
        Assert.Equal(
        [
            "cp1: --kubeconfig /etc/kubernetes/admin.conf get secrets --all-namespaces -o json",
            "cp1: --kubeconfig /etc/kubernetes/admin.conf replace -f -",
        ], rewrite.Select(c => $"{c.Host}: {c.Arguments}"));
        Assert.Equal(secrets + "\n", KubernetesStandIns.SavedFile(hosts["cp1"], rewrite[1].Files.Single()));
        var secondRolloutEnd = calls[(2 * Rollout().Length) - 1].Call.End;
        var thirdRolloutStart = calls[2 * Rollout().Length].Call.Start;
        Assert.All(rewrite, c => Assert.True(c.Start >= secondRolloutEnd && c.End <= thirdRolloutStart, $"{c.Arguments} ran outside the rewrite stage"));
    }

    [RealHostFact]
    [Trait("Item", "14.2")]
    public async Task RotateEncryptionKey_StandInReplaceFails_StopsWithTheNewKeyFirstAndBothKept_RunAgainRewritesAndDrops()
    {
        var (stack, before) = await AppliedAsync();
        await KubernetesStandIns.FailAsync(hosts["cp1"], "kubectl", "replace", 1, "Error from server (Conflict): Operation cannot be fulfilled on secrets \"s1\"");

        var stopped = Infra("secrets", "rotate", "encryption-key", "--file", stack, "--yes");
        Assert.Equal(1, stopped.ExitCode);
        Assert.Contains("rewriting the Secrets failed (try 3 of 3)", stopped.Out + stopped.Err, StringComparison.Ordinal);
        Assert.Contains("it resumes where it stopped", stopped.Out, StringComparison.Ordinal);
        // After the second stage: every control plane encrypts with the new key and still reads with the old one.
        Assert.All(ThreeControlPlaneHosts.Names, n => Assert.Equal("infra-2,infra-1", KeysOn(n)));
        Assert.Equal(3, KubernetesStandIns.Calls(hosts["cp1"]).Skip(before["cp1"]).Count(c => c.Tool == "kubectl" && c.Has("replace")));
        var first = Since(before);
        Assert.Equal([.. Rollout(), .. Rollout()], first.Select(c => c.Line));

        await KubernetesStandIns.ClearControlsAsync(hosts["cp1"]);
        await KubernetesStandIns.KeepAsync(hosts["cp1"], "crictl", "ps", [EncryptionConfig]);
        var mid = ThreeControlPlaneHosts.Names.ToDictionary(n => n, n => KubernetesStandIns.Calls(hosts[n]).Count);
        var resumed = Infra("secrets", "rotate", "encryption-key", "--file", stack, "--yes");
        Assert.True(resumed.ExitCode == 0, resumed.Out + resumed.Err);
        Assert.Contains("a rotation is in progress (infra-2 first, infra-1 second): it is resumed", resumed.Out, StringComparison.Ordinal);

        // Resumed: nothing restarts again for the stage every host has (each is only checked), the rewrite runs, then the old key is dropped.
        var second = Since(mid);
        AssertResumed(ThreeControlPlaneHosts.Names, Rollout(), second);
        Assert.Equal([.. ThreeControlPlaneHosts.Names.Select(n => $"{n}: infra-2")], RestartedOn(second));
        Assert.Single(KubernetesStandIns.Calls(hosts["cp1"]).Skip(mid["cp1"]), c => c.Tool == "kubectl" && c.Has("replace"));
        Assert.All(ThreeControlPlaneHosts.Names, n => Assert.Equal("infra-2", KeysOn(n)));
    }

    [RealHostFact]
    [Trait("Item", "14.2")]
    public async Task RotateEncryptionKey_StandInCp2ApiServerDoesNotAnswer_OthersRestartRefused_RunAgainOnceItAnswersResumesToTheEnd()
    {
        var (stack, before) = await AppliedAsync();
        // cp1's and cp3's kubectl get no answer from cp2's API server; cp2's own (asked locally) answers.
        var cp2 = $"https://{hosts["cp2"].Address}:6443";
        foreach (var n in new[] { "cp1", "cp3" })
        {
            await KubernetesStandIns.FailAsync(hosts[n], "kubectl", "get", 1, $"The connection to the server {hosts["cp2"].Address}:6443 was refused");
            await KubernetesStandIns.FailWhenAsync(hosts[n], "kubectl", "get", $"[[ \" $ARGS \" == *\" --server {cp2} \"* ]]");
        }

        var stopped = Infra("secrets", "rotate", "encryption-key", "--file", stack, "--yes");
        Assert.Equal(1, stopped.ExitCode);
        Assert.Contains($"the API server at {cp2} does not answer: this control plane is not restarted", stopped.Out + stopped.Err, StringComparison.Ordinal);
        // cp1 asked cp2 and stopped there; cp2 (the others answer) restarted; cp3 asked cp1, then cp2, and stopped.
        var first = Since(before);
        Assert.Equal(["cp1: readyz of cp2", .. Restart("cp2"), "cp3: readyz of cp1", "cp3: readyz of cp2"], first.Select(c => c.Line));
        Assert.Equal(["cp2: infra-1,infra-2"], RestartedOn(first));
        // The refused hosts have the new file in place (placed before the restart), not yet read by their API servers.
        Assert.All(ThreeControlPlaneHosts.Names, n => Assert.Equal("infra-1,infra-2", KeysOn(n)));

        foreach (var n in new[] { "cp1", "cp3" })
        {
            await KubernetesStandIns.ClearControlsAsync(hosts[n]);
            await KubernetesStandIns.KeepAsync(hosts[n], "crictl", "ps", [EncryptionConfig]);
        }
        var mid = ThreeControlPlaneHosts.Names.ToDictionary(n => n, n => KubernetesStandIns.Calls(hosts[n]).Count);
        var resumed = Infra("secrets", "rotate", "encryption-key", "--file", stack, "--yes");
        Assert.True(resumed.ExitCode == 0, resumed.Out + resumed.Err);

        // The first stage resumed on cp1 and cp3 only (cp2 is only checked), then the other stages on every control plane.
        var second = Since(mid);
        AssertResumed(["cp2"], [.. Restart("cp1"), .. Restart("cp3"), .. Rollout(), .. Rollout()], second);
        Assert.Equal(
        [
            "cp1: infra-1,infra-2", "cp3: infra-1,infra-2",
            .. ThreeControlPlaneHosts.Names.Select(n => $"{n}: infra-2,infra-1"),
            .. ThreeControlPlaneHosts.Names.Select(n => $"{n}: infra-2"),
        ], RestartedOn(second));
        Assert.All(ThreeControlPlaneHosts.Names, n => Assert.Equal("infra-2", KeysOn(n)));
    }
}
