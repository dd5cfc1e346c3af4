using System.Collections.Concurrent;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Engine;

/// <summary>
/// The reconfigure procedure on in-memory hosts: a control-plane setting changed on a live cluster of three control
/// planes runs control-plane.settings on each, one at a time in the execution plan's order, and a control plane
/// that fails stops those after it.
/// </summary>
public class ReconfigureFakeTests
{
    private static readonly ClusterSpec Spec = SampleSpecs.BareMetal(3, 1) with
    {
        Packages = SampleSpecs.BareMetal().Packages with { Source = PackageSource.Preinstalled },
    };

    private static readonly ClusterSpec Renamed = Spec with { ControlPlane = Spec.ControlPlane with { Endpoint = new Endpoint("api.example.test", 6443) } };

    /// <summary>Events in the order the engine reported them (Progress&lt;T&gt; would post them out of order).</summary>
    private sealed class Recorder : IProgress<EngineEvent>
    {
        public ConcurrentQueue<EngineEvent> Events { get; } = new();
        public void Report(EngineEvent value) => Events.Enqueue(value);
    }

    /// <summary>Kept secrets, the same for every plan (placeholders would change the PKI steps each time).</summary>
    private static readonly Infra.Core.Pki.KeptSecrets Secrets =
        Infra.Core.Pki.ClusterPki.Ensure(Spec, HostInventory.Plan(Spec), null, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static Task<ClusterReport> ApplyAsync(FakeHosts hosts, ClusterSpec spec, Recorder? recorder = null) =>
        new ClusterConverger(hosts.Factory, new Redactor(), recorder).ApplyAsync(ClusterPlanner.Plan(spec, Secrets), EngineRun.Options(), _ => true, CancellationToken.None);

    [Fact]
    [Trait("Item", "13.3")]
    public async Task ApplyAsync_EndpointNameChanged_ReconfigureOnEachControlPlaneOneAtATimeInOrderAndNoBootstrapAgain()
    {
        var hosts = new FakeHosts();
        Assert.Equal(0, (await ApplyAsync(hosts, Spec)).ExitCode);
        foreach (var h in new[] { "cp-1", "cp-2", "cp-3", "w-1" }) hosts[h].Ran.Clear();
        var recorder = new Recorder();

        var report = await ApplyAsync(hosts, Renamed, recorder);

        Assert.True(report.ExitCode == 0, EngineRun.Describe(report));
        var settings = recorder.Events.Where(e => e.What == ReconfigureSteps.ControlPlaneStepId).Select(e => e.Host).ToList();
        Assert.Equal(["cp-1", "cp-2", "cp-3"], settings);
        // One at a time: each control plane's step is done (its phase reported) before the next one starts.
        var events = recorder.Events.ToList();
        for (var i = 1; i < settings.Count; i++)
        {
            var started = events.FindIndex(e => e.Host == settings[i] && e.What == ReconfigureSteps.ControlPlaneStepId);
            Assert.True(events.FindIndex(e => e.Host == settings[i - 1] && e.What == "control-plane done") < started);
        }
        Assert.All(new[] { "cp-1", "cp-2", "cp-3", "w-1" }, h => Assert.DoesNotContain(hosts[h].Ran, id => id is NodeProgram.InitStepId or "control-plane.join" or "workers.join"));
        var again = await ApplyAsync(hosts, Renamed);
        Assert.True(again.NothingToDo, EngineRun.Describe(again));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task ApplyAsync_SecondControlPlaneFailsItsReconfigure_TheThirdWaitsAndIsNotChanged()
    {
        var hosts = new FakeHosts();
        Assert.Equal(0, (await ApplyAsync(hosts, Spec)).ExitCode);
        hosts["cp-3"].Ran.Clear();
        hosts["cp-2"].FailingScripts[ReconfigureSteps.ControlPlaneStepId] = 1;

        var report = await ApplyAsync(hosts, Renamed);

        Assert.Equal(1, report.ExitCode);
        Assert.Equal(HostState.Failed, report.Hosts.Single(h => h.Host == "cp-2").State);
        var third = report.Hosts.Single(h => h.Host == "cp-3");
        Assert.Equal(HostState.Blocked, third.State);
        Assert.Contains("waits for control plane cp-2, which failed", third.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ReconfigureSteps.ControlPlaneStepId, hosts["cp-3"].Ran);
    }
}
