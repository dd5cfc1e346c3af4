using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh;
using Infra.Ssh.Engine;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;

namespace Infra.Bench;

/// <summary>
/// A patch upgrade (1.34.2 → 1.34.3) of 1 control plane and 19 workers on harness hosts, kubeadm, kubelet and kubectl
/// being stand-ins that answer at once (so every second measured is the tool's own: SSH round trips, scripts,
/// journal), with kubernetes.upgrade.workerBatchSize 1 and 5. The procedure's time (its first step to the first step
/// of the waves after it) against the ideal for the batch size: the checks and the first control plane as measured,
/// then ceil(workers / batch) times one worker's time at batch size 1.
/// </summary>
internal static class UpgradeBench
{
    private const int Workers = 19;
    private static readonly KubernetesVersion Next = new(1, 34, 3);
    private static readonly SshClientOptions Ssh = new() { ConnectRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(100) };

    public static void Run() => RunAsync().GetAwaiter().GetResult();

    private sealed class Clock(ConcurrentQueue<(double At, EngineEvent Event)> events, Stopwatch watch) : IProgress<EngineEvent>
    {
        public void Report(EngineEvent value) => events.Enqueue((watch.Elapsed.TotalSeconds, value));
    }

    private static async Task RunAsync()
    {
        Console.WriteLine($"upgrade: starting 1+{Workers} systemd harness hosts ({Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
        await using var set = await ClusterHostSet.CreateAsync(TestHostNetwork.PrefixFor("bup"),
            [.. Enumerable.Range(0, Workers + 1).Select(i => new TestHostOptions { Name = i == 0 ? "cp1" : $"w{i}", Systemd = true })], 10);
        var hosts = set.Network.Hosts;
        var members = hosts.Select((h, i) => i == 0 ? ClusterMember.ControlPlane(h) : ClusterMember.Worker(h)).ToList();
        var workerOne = 0.0;
        foreach (var batch in new[] { 1, 5 })
        {
            var spec = HarnessCluster.Spec(set.Network, members);
            spec = spec with { Kubernetes = spec.Kubernetes with { Upgrade = spec.Kubernetes.Upgrade with { WorkerBatchSize = batch } } };
            foreach (var chunk in hosts.Chunk(10)) await ClusterHostSet.RestoreAsync(chunk);
            var first = await Engine(spec, null).ApplyAsync(set.Plan(spec), Options(), _ => true, CancellationToken.None);
            if (first.ExitCode != 0) throw new InvalidOperationException("the first apply failed");
            await Task.WhenAll(hosts.Select(h => KubernetesStandIns.InstallAsync(h, "v" + Next, ComponentVersions.For(Next)!.CniPlugins)));

            var up = set.Plan(spec with { Kubernetes = spec.Kubernetes with { Version = Next } });
            var events = new ConcurrentQueue<(double At, EngineEvent Event)>();
            var watch = Stopwatch.StartNew();
            var report = await Engine(spec, new Clock(events, watch)).ApplyAsync(up, Options(), _ => true, CancellationToken.None);
            var total = watch.Elapsed.TotalSeconds;
            if (report.ExitCode != 0)
            {
                throw new InvalidOperationException("the upgrade failed: " + string.Join("; ", report.Hosts.Where(h => h.Failure is not null).Select(h => $"{h.Host} {h.Failure!.StepId} {h.Failure.StderrTail}")));
            }
            var list = events.ToList();
            var start = list.First(e => e.Event.What.StartsWith("upgrade.", StringComparison.Ordinal)).At;
            var startIndex = list.FindIndex(e => e.Event.What.StartsWith("upgrade.", StringComparison.Ordinal));
            var end = list.Skip(startIndex).FirstOrDefault(e => e.Event.What is var w && w.Contains('.', StringComparison.Ordinal)
                && !w.StartsWith("upgrade.", StringComparison.Ordinal) && !w.Contains(' ', StringComparison.Ordinal)).At;
            if (end == 0) end = total;
            var workersStart = list.First(e => e.Event.Host != "cp1" && e.Event.What == UpgradePlanner.PackagesStep).At;
            var procedure = end - start;
            var before = workersStart - start;
            if (batch == 1) workerOne = (end - workersStart) / Workers;
            var ideal = before + Math.Ceiling((double)Workers / batch) * workerOne;
            Console.WriteLine($"  batch {batch}: procedure {S(procedure)} (checks + first control plane {S(before)}, workers {S(end - workersStart)}); "
                + $"ideal {S(ideal)}, actual/ideal {(procedure / ideal).ToString("0.00", CultureInfo.InvariantCulture)}x; whole apply {S(total)}"
                + (batch == 1 ? $"; tool time per worker {workerOne * 1000:0} ms" : ""));
        }
    }

    private static ClusterConverger Engine(ClusterSpec spec, IProgress<EngineEvent>? progress) =>
        new(SshHostSession.Factory(spec.Ssh, Ssh), new Redactor(), progress);

    private static ConvergeOptions Options() => new()
    {
        LockHolder = $"bench pid {Environment.ProcessId}",
        CommandTimeout = TimeSpan.FromMinutes(5),
        Concurrency = Workers + 1,
    };

    private static string S(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
}
