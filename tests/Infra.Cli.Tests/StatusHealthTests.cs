using System.Globalization;
using System.Text.Json;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Cli.Tests;

/// <summary>Two real systemd hosts (cp1, w1) for <c>infra status</c>'s health, restored before each test.</summary>
public sealed class StatusHosts : IAsyncLifetime
{
    public ClusterHostSet Set { get; private set; } = null!;
    public TestHost this[string name] => Set[name];

    public async Task InitializeAsync()
    {
        if (TestTiers.RealHostSkipReason is not null) return; // the tests are skipped: start nothing
        Set = await ClusterHostSet.CreateAsync(TestHostNetwork.PrefixFor("st"),
            [new TestHostOptions { Name = "cp1", Systemd = true }, new TestHostOptions { Name = "w1", Systemd = true }]);
    }

    public async Task DisposeAsync()
    {
        if (Set is not null) await Set.DisposeAsync();
    }
}

/// <summary>
/// <c>infra status</c> against harness hosts whose stand-in kubectl answers the Kubernetes queries (nodes, control-plane
/// pods, Alertmanager's alerts through the API server proxy): each state shown and reflected in the exit code.
/// </summary>
public sealed class StatusHealthTests(StatusHosts hosts, ITestOutputHelper output) : IClassFixture<StatusHosts>, IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private CliRunner.Result Infra(params string[] args)
    {
        var r = CliRunner.Run(_tmp.Path, args, variables: new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = _tmp.File("secrets") });
        output.WriteLine($"$ infra {string.Join(' ', args)} -> {r.ExitCode}\n{r.Out}{r.Err}");
        return r;
    }

    private static readonly string[] ControlPlanePods = ["etcd-cp1", "kube-apiserver-cp1", "kube-controller-manager-cp1", "kube-scheduler-cp1"];

    /// <summary>An applied cluster of cp1 and w1 whose stand-ins answer as a healthy cluster, with a fresh etcd backup on cp1.</summary>
    private async Task<string> HealthyClusterAsync()
    {
        var members = new[] { ClusterMember.ControlPlane(hosts["cp1"]), ClusterMember.Worker(hosts["w1"]) };
        await ClusterHostSet.RestoreAsync(members.Select(m => m.Host));
        var stack = _tmp.File("Pulumi.harness.yaml");
        await File.WriteAllTextAsync(stack, HarnessCluster.StackYaml(HarnessCluster.Spec(hosts.Set.Network, members)));
        Assert.Equal(0, Infra("apply", "--file", stack, "--yes").ExitCode);
        await KubernetesStandIns.AnswerAsync(hosts["cp1"], "nodes", KubeAnswers.NodesJson(("cp1", "True", []), ("w1", "True", [])));
        await KubernetesStandIns.AnswerAsync(hosts["cp1"], "pods", KubeAnswers.PodsJson([.. ControlPlanePods.Select(p => (p, "cp1", "Running", true))]));
        await KubernetesStandIns.AnswerAsync(hosts["cp1"], "raw", KubeAnswers.AlertsJson(("Watchdog", "none", "active")));
        var name = $"etcd-{DateTime.UtcNow.AddHours(-1).ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-r42-0123abcd.db";
        await hosts["cp1"].ExecInsideAsync($"mkdir -p /var/lib/infra/etcd-snapshots && head -c 100 /dev/zero > /var/lib/infra/etcd-snapshots/{name}");
        return stack;
    }

    private static JsonElement Health(CliRunner.Result r)
    {
        using var doc = JsonDocument.Parse(r.Out);
        return doc.RootElement.Clone();
    }

    private static string PartState(JsonElement json, string part) => json.GetProperty("health").GetProperty(part).GetProperty("part").GetProperty("state").GetString()!;

    [RealHostFact]
    [Trait("Item", "15.5")]
    public async Task Status_StandInHealthyCluster_Exit0EveryPartShown()
    {
        var stack = await HealthyClusterAsync();

        var text = Infra("status", "--file", stack);
        var json = Infra("status", "--file", stack, "--output", "json");

        // Stacked etcd is asked through crictl in kubeadm's etcd container, which the stand-ins do not run: that part is
        // unknown, which is shown but is no failure.
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("cluster: no part degraded, some unknown", text.Out, StringComparison.Ordinal);
        Assert.Contains("2/2 ready", text.Out, StringComparison.Ordinal);
        Assert.Equal(0, json.ExitCode);
        var h = Health(json);
        Assert.Equal(1, h.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("unknown", h.GetProperty("state").GetString());
        foreach (var part in new[] { "hosts", "nodes", "controlPlane", "certificates", "backups", "alerts" }) Assert.Equal("healthy", PartState(h, part));
        Assert.Equal("unknown", PartState(h, "etcd"));
        var cert = h.GetProperty("health").GetProperty("certificates").GetProperty("hosts").EnumerateArray().First(c => c.GetProperty("host").GetString() == "cp1");
        Assert.True(cert.GetProperty("daysLeft").GetInt32() > 300);
        var calls = KubernetesStandIns.Calls(hosts["cp1"]).Where(c => c.Tool == "kubectl" && c.Has("--raw")).ToList();
        Assert.Contains(calls, c => c.Arguments.Contains("kube-prometheus-stack-alertmanager:http-web/proxy/api/v2/alerts", StringComparison.Ordinal));
    }

    [RealHostFact]
    [Trait("Item", "15.5")]
    public async Task Status_StandInNotReadyNode_Exit1NamingIt()
    {
        var stack = await HealthyClusterAsync();
        await KubernetesStandIns.AnswerAsync(hosts["cp1"], "nodes", KubeAnswers.NodesJson(("cp1", "True", []), ("w1", "False", ["MemoryPressure"])));

        var r = Infra("status", "--file", stack, "--output", "json");

        Assert.Equal(1, r.ExitCode);
        var h = Health(r);
        Assert.Equal("degraded", h.GetProperty("state").GetString());
        Assert.Equal("degraded", PartState(h, "nodes"));
        Assert.Equal("w1 NotReady", h.GetProperty("health").GetProperty("nodes").GetProperty("part").GetProperty("reason").GetString());
    }

    [RealHostFact]
    [Trait("Item", "15.5")]
    public async Task Status_StandInFiringAlert_Exit1CountedBySeverity()
    {
        var stack = await HealthyClusterAsync();
        await KubernetesStandIns.AnswerAsync(hosts["cp1"], "raw",
            KubeAnswers.AlertsJson(("Watchdog", "none", "active"), ("KubeDeploymentReplicasMismatch", "warning", "active"), ("Silenced", "critical", "suppressed")));

        var text = Infra("status", "--file", stack);
        var json = Infra("status", "--file", stack, "--output", "json");

        Assert.Equal(1, text.ExitCode);
        Assert.Contains("1 warning firing", text.Out, StringComparison.Ordinal);
        var firing = Health(json).GetProperty("health").GetProperty("alerts").GetProperty("firing");
        Assert.Equal(1, firing.GetProperty("warning").GetInt32());
        Assert.False(firing.TryGetProperty("critical", out _));
    }

    [RealHostFact]
    [Trait("Item", "15.5")]
    public async Task Status_StandInApiServerNotAnswering_Exit1NodesDegradedWithKubectlsWords()
    {
        var stack = await HealthyClusterAsync();
        await KubernetesStandIns.FailAsync(hosts["cp1"], "kubectl", "get", 1, "The connection to the server 10.0.0.1:6443 was refused");

        var r = Infra("status", "--file", stack, "--output", "json");

        Assert.Equal(1, r.ExitCode);
        var reason = Health(r).GetProperty("health").GetProperty("nodes").GetProperty("part").GetProperty("reason").GetString();
        Assert.Contains("was refused", reason, StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 14, "a failing run is visible in infra status": the scheduled snapshot's unit run for real by systemd on cp1,
    /// failed once by the stand-in crictl; status reads systemd's record of that run in the listing's round trip.
    /// </summary>
    [RealHostFact]
    [Trait("Item", "14.3")]
    public async Task Status_StandInScheduledSnapshotRunFailed_Exit1BackupsDegradedWithSystemdsResultAndTheRunsOutput_ThenARunThatSucceedsHealsIt()
    {
        var stack = await HealthyClusterAsync();
        await KubernetesStandIns.FailAsync(hosts["cp1"], "crictl", "ps", 1, "connect: connect endpoint 'unix:///run/containerd/containerd.sock': connection refused");
        await hosts["cp1"].ExecInsideAsync("systemctl start infra-etcd-snapshot.service || true");

        var text = Infra("status", "--file", stack);
        var json = Infra("status", "--file", stack, "--output", "json");

        // The newest snapshot is an hour old (fresh): only the failed run makes the part degraded.
        Assert.Equal(1, text.ExitCode);
        Assert.Contains("cp1's last run failed (exit-code, exit status 1) at ", text.Out, StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        var backups = Health(json).GetProperty("health").GetProperty("backups");
        Assert.Equal("degraded", backups.GetProperty("part").GetProperty("state").GetString());
        Assert.EndsWith("connection refused", backups.GetProperty("part").GetProperty("reason").GetString(), StringComparison.Ordinal);
        var run = backups.GetProperty("members").EnumerateArray().Single().GetProperty("lastRun");
        Assert.Equal(("exit-code", 1), (run.GetProperty("result").GetString(), run.GetProperty("exitStatus").GetInt32()));

        await KubernetesStandIns.ClearControlsAsync(hosts["cp1"]);
        await hosts["cp1"].ExecInsideAsync("systemctl start infra-etcd-snapshot.service");

        var healed = Infra("status", "--file", stack, "--output", "json");
        Assert.Equal(0, healed.ExitCode);
        backups = Health(healed).GetProperty("health").GetProperty("backups");
        Assert.Equal("healthy", backups.GetProperty("part").GetProperty("state").GetString());
        var member = backups.GetProperty("members").EnumerateArray().Single();
        Assert.Equal(2, member.GetProperty("count").GetInt32());
        Assert.Equal("success", member.GetProperty("lastRun").GetProperty("result").GetString());
    }

    [RealHostFact]
    [Trait("Item", "15.5")]
    public async Task Status_StandInUnreachableWorker_Exit1UnknownWhereItCannotBeRead()
    {
        var stack = await HealthyClusterAsync();
        await hosts["w1"].CutNetworkAsync();
        try
        {
            var r = Infra("status", "--file", stack, "--output", "json");

            Assert.Equal(1, r.ExitCode);
            var h = Health(r);
            Assert.Equal("degraded", PartState(h, "hosts"));
            Assert.Contains("unreachable: w1", h.GetProperty("health").GetProperty("hosts").GetProperty("part").GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Equal("unknown", PartState(h, "certificates"));
            Assert.Equal("healthy", PartState(h, "nodes"));
        }
        finally
        {
            await hosts["w1"].ReconnectNetworkAsync();
        }
    }
}

/// <summary><c>infra status --watch</c> needs a terminal.</summary>
public sealed class StatusWatchTests
{
    [Fact]
    [Trait("Item", "15.6")]
    public void Status_WatchWithoutATerminal_RefusedExit2()
    {
        var r = CliRunner.Run("status", "--stack", "dev", "--watch");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--watch refreshes a table on a terminal", r.Err, StringComparison.Ordinal);
    }
}
