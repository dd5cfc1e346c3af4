using System.Collections.Concurrent;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.TestHosts.Clusters;

/// <summary>
/// Harness hosts ready for a real <c>prepare</c>: systemd hosts get the stand-ins and containerd's state on tmpfs
/// (<see cref="HarnessCluster.ProvisionAsync"/>), the machine holds the kernel values <c>prepare.sysctl</c> sets
/// (<see cref="MachineSysctls"/>), and every host's disk is kept as it was after provisioning so that
/// <see cref="RestoreAsync"/> gives a test untouched machines again.
/// </summary>
public sealed class ClusterHostSet : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, KeptSecrets> _secrets = new(StringComparer.Ordinal);
    private MachineSysctls? _sysctls;

    private ClusterHostSet(TestHostNetwork network) => Network = network;

    public TestHostNetwork Network { get; }
    public TestHost this[string name] => Network[name];

    public static Task<ClusterHostSet> CreateAsync(string prefix, IReadOnlyList<TestHostOptions> hosts, CancellationToken ct = default) =>
        CreateAsync(prefix, hosts, int.MaxValue, ct);

    /// <param name="batch">hosts booted at once: a large set on a busy machine boots in batches so that no boot waits past its timeout.</param>
    public static async Task<ClusterHostSet> CreateAsync(string prefix, IReadOnlyList<TestHostOptions> hosts, int batch, CancellationToken ct = default)
    {
        var network = await TestHostNetwork.CreateAsync(prefix, ct);
        var set = new ClusterHostSet(network);
        try
        {
            foreach (var chunk in hosts.Chunk(batch)) await network.StartHostsAsync(chunk, ct);
            set._sysctls = await MachineSysctls.HoldAsync(PrepareSysctls());
            await Task.WhenAll(network.Hosts.Where(h => h.Options.Systemd).Select(async h =>
            {
                await HarnessCluster.ProvisionAsync(h, ct);
                await h.ExecOutsideAsync($"mkdir -p {Snapshot(h)} && cp -a --preserve=all . {Snapshot(h)}/", ct: ct);
            }));
            return set;
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Network.DisposeAsync();
        if (_sysctls is not null) await _sysctls.DisposeAsync();
    }

    /// <summary>The values <c>prepare.sysctl</c> sets, as its node-program step lists them in its inputs.</summary>
    public static IReadOnlyDictionary<string, string> PrepareSysctls()
    {
        var sample = SampleSpecs.BareMetal(1, 0);
        var spec = sample with
        {
            Kubernetes = sample.Kubernetes with { Version = HarnessCluster.Version },
            Packages = sample.Packages with { Source = PackageSource.Preinstalled },
        };
        var step = ClusterPlanner.Plan(spec).Nodes[0].Steps.Single(s => s.Id == "prepare.sysctl");
        return step.Inputs["sysctls"].Split(',').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
    }

    /// <summary>The host's disk as it was after provisioning (an upper dir, for <see cref="DiskView"/>).</summary>
    public static string Snapshot(TestHost h) => Path.Join(h.Directory, "snapshot");

    /// <summary>Powers the hosts off, puts back the disk each had after provisioning, and boots them.</summary>
    public static Task RestoreAsync(IEnumerable<TestHost> hosts, CancellationToken ct = default) => Task.WhenAll(hosts.Select(async h =>
    {
        if (h.IsRunning) await h.PowerOffAsync(ct);
        await ProcessRunner.ShellAsync($"find {h.UpperDirectory} -mindepth 1 -delete && cp -a --preserve=all {Snapshot(h)}/. {h.UpperDirectory}/", ct: ct);
        await h.BootAsync(ct);
    }));

    public Task RestoreAllAsync(CancellationToken ct = default) => RestoreAsync(Network.Hosts.Where(h => h.Options.Systemd), ct);

    /// <summary>The plan of <paramref name="spec"/> with kept secrets made once per cluster name (key generation is slow).</summary>
    public ClusterPlan Plan(ClusterSpec spec)
    {
        var hosts = HostInventory.Plan(spec);
        var secrets = _secrets.AddOrUpdate(spec.Name,
            _ => ClusterPki.Ensure(spec, hosts, null, DateTimeOffset.UtcNow),
            (_, kept) => ClusterPki.Ensure(spec, hosts, kept, DateTimeOffset.UtcNow));
        return ClusterPlanner.Plan(spec, secrets);
    }

    /// <summary>The kept secrets of a cluster planned with <see cref="Plan"/>.</summary>
    public KeptSecrets Secrets(string cluster) => _secrets[cluster];
}
