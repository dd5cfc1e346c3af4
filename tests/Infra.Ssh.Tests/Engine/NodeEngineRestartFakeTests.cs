using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Engine;

/// <summary>
/// The provider's restarts after a renewal (<see cref="NodeEngine.ApplyAsync"/> with Core's
/// <see cref="CertificateRenewalPlan.RestartsOf"/>) on in-memory hosts: run after certificates were placed again, recorded
/// done without running where they were placed for the first time, and run on the next Update when a run stopped first.
/// </summary>
public class NodeEngineRestartFakeTests
{
    private static readonly ClusterSpec Spec = SampleSpecs.BareMetal(1, 1);
    private static readonly ClusterPlan Plan = ClusterPlanner.Plan(Spec);
    private static readonly NodeConnection Connection = new() { PrivateKey = "unused", ConnectTimeoutSeconds = 5, CommandTimeoutSeconds = 60 };
    private static readonly NodeProgram First = Plan.Nodes.Single(n => n.Host.Name == "cp-1");
    private static readonly IReadOnlyList<Step> Restarts = CertificateRenewalPlan.RestartsOf(Spec, Plan.Hosts, First);
    private const string Placing = "prepare.pki";

    private static Task<NodeRunResult> Apply(NodeEngine engine) => engine.ApplyAsync(First, null, Connection, CancellationToken.None, Restarts);

    /// <summary>Every step of the program done, but <paramref name="stale"/> journaled with other inputs.</summary>
    private static FakeHosts Converged(params string[] stale)
    {
        var hosts = Fresh();
        foreach (var step in First.Steps.Concat(Restarts))
        {
            if (stale.Contains(step.Id)) hosts["cp-1"].JournalLines.Add($"{step.Id}\tearlier-inputs\tok\t1700000000");
            else if (First.Steps.Contains(step)) hosts["cp-1"].Done(step);
        }
        return hosts;
    }

    /// <summary>The restart's own script (after the header every step has) is in what the engine sent.</summary>
    private static bool Sent(FakeHosts hosts, Step restart) =>
        hosts["cp-1"].Scripts[restart.Id].Contains(restart.Script[Step.Header.Length..], StringComparison.Ordinal);

    /// <summary>The first control plane hands out its admin kubeconfig after each apply.</summary>
    private static FakeHosts Fresh()
    {
        var hosts = new FakeHosts();
        hosts["cp-1"].Files[HostPaths.AdminConf] = "apiVersion: v1\n"u8.ToArray();
        return hosts;
    }

    [Fact]
    [Trait("Item", "14.1")]
    public void RestartsOf_ControlPlane_KubeadmCertificatesAndStaticPodsThenKubelet()
    {
        Assert.Equal(["renew.control-plane", "renew.kubelet"], Restarts.Select(s => s.Id));
        Assert.All(Restarts, s => Assert.Equal(First.Steps.Single(p => p.Id == Placing).InputHash, s.Inputs["certificates"]));
    }

    [Fact]
    [Trait("Item", "14.1")]
    public async Task ApplyAsync_CertificatesPlacedAgain_PlacedThenWhatUsesThemRestartedInOrder()
    {
        var hosts = Converged(Placing, "renew.control-plane", "renew.kubelet");
        using var engine = new NodeEngine(hosts.Factory);

        var result = await Apply(engine);

        Assert.Equal([Placing, "renew.control-plane", "renew.kubelet"], result.Ran);
        Assert.All(Restarts, r => Assert.True(Sent(hosts, r), r.Id));
    }

    [Fact]
    [Trait("Item", "14.1")]
    public async Task ApplyAsync_NewNode_RestartsRecordedDoneWithoutRunningThenAgainNothing()
    {
        var hosts = Fresh();
        using var engine = new NodeEngine(hosts.Factory);

        await Apply(engine);
        var again = await Apply(engine);

        Assert.All(Restarts, r => Assert.False(Sent(hosts, r), r.Id));
        Assert.Contains($"renew.kubelet\t{Restarts[1].InputHash}\tok\t1700000001", hosts["cp-1"].JournalLines);
        Assert.Empty(again.Ran);
    }

    [Fact]
    [Trait("Item", "14.1")]
    public async Task ApplyAsync_NodeAnEarlierReleaseMade_RestartsRecordedNotRun()
    {
        var hosts = Converged();
        using var engine = new NodeEngine(hosts.Factory);

        var result = await Apply(engine);

        Assert.Equal(["renew.control-plane", "renew.kubelet"], result.Ran);
        Assert.All(Restarts, r => Assert.False(Sent(hosts, r), r.Id));
    }

    [Fact]
    [Trait("Item", "14.1")]
    public async Task ApplyAsync_RunStoppedAfterThePlacingStep_NextUpdateRestartsWhatIsLeft()
    {
        var hosts = Converged(Placing, "renew.control-plane", "renew.kubelet");
        hosts["cp-1"].FailingScripts["renew.kubelet"] = 1;
        using var engine = new NodeEngine(hosts.Factory);

        var failed = await Assert.ThrowsAsync<StepFailedException>(() => Apply(engine));
        hosts["cp-1"].FailingScripts.Clear();
        var resumed = await Apply(engine);

        Assert.Equal("renew.kubelet", failed.Failure.StepId);
        Assert.Equal(["renew.kubelet"], resumed.Ran);
        Assert.True(Sent(hosts, Restarts[1]));
    }
}
