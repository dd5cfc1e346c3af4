using System.Collections.Concurrent;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Engine;

/// <summary>A <see cref="ClusterHostSet"/> per test class; tests restore the hosts they use first.</summary>
public abstract class ClusterHostsFixture(string suffix, params TestHostOptions[] hosts) : IAsyncLifetime
{
    public ClusterHostSet Set { get; private set; } = null!;
    public TestHostNetwork Network => Set.Network;
    public TestHost this[string name] => Set[name];

    public async Task InitializeAsync()
    {
        if (TestTiers.RealHostSkipReason is not null) return; // the tests are skipped: start nothing
        Set = await ClusterHostSet.CreateAsync(TestHostNetwork.PrefixFor(suffix), hosts);
    }

    public async Task DisposeAsync()
    {
        if (Set is not null) await Set.DisposeAsync();
    }
}

/// <summary>Runs the engine against harness hosts and keeps what it reported.</summary>
public sealed class EngineRun
{
    public Redactor Redactor { get; } = new();
    public ConcurrentQueue<EngineEvent> Events { get; } = new();
    public ConcurrentQueue<IReadOnlyList<HostReport>> Confirmations { get; } = new();

    public ClusterConverger Converger(ClusterSpec spec, SshClientOptions? options = null) =>
        new(SshHostSession.Factory(spec.Ssh, options ?? TestTargets.Options), Redactor, new Recorder(Events));

    public static ConvergeOptions Options(string holder = "engine-test", bool breakLock = false, IReadOnlyList<Phase>? phases = null,
        IReadOnlyList<string>? hosts = null, bool dryRun = false, TimeSpan? commandTimeout = null) => new()
        {
            LockHolder = holder,
            CommandTimeout = commandTimeout ?? TimeSpan.FromSeconds(120),
            BreakLock = breakLock,
            Phases = phases ?? [],
            Hosts = hosts ?? [],
            DryRun = dryRun,
        };

    public async Task<ClusterReport> ApplyAsync(ClusterPlan plan, ConvergeOptions? options = null, bool confirm = true,
        SshClientOptions? ssh = null, CancellationToken ct = default) =>
        await Converger(plan.Spec, ssh).ApplyAsync(plan, options ?? Options(), pending =>
        {
            Confirmations.Enqueue(pending);
            return confirm;
        }, ct);

    /// <summary>Events delivered synchronously, in order (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class Recorder(ConcurrentQueue<EngineEvent> events) : IProgress<EngineEvent>
    {
        public void Report(EngineEvent value) => events.Enqueue(value);
    }

    /// <summary>A readable summary of a report for assertion messages.</summary>
    public static string Describe(ClusterReport report) => string.Join("\n", report.Hosts.Select(h =>
        $"{h.Host}: {h.State} ran [{string.Join(", ", h.Ran)}] skipped {h.Skipped} {h.Message} "
        + (h.Failure is { } f ? $"failed {f.StepId} exit {f.ExitCode}: {f.StderrTail}" : "")
        + string.Join("; ", h.Refusals.Select(r => r.Message)))) + (report.Refusal is null ? "" : "\nrefusal: " + report.Refusal);
}
