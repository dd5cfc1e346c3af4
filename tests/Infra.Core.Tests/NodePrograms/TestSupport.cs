using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>Paths of this test project's sources (goldens, fixtures, tool configurations).</summary>
internal static class TestPaths
{
    public static string ProjectDir { get; } = Repo.Path("tests", "Infra.Core.Tests");

    public static string Golden(string name) => Path.Combine(ProjectDir, "golden", name);

    /// <summary>Compares with golden/<paramref name="name"/> (rewritten with INFRA_UPDATE_GOLDEN=1).</summary>
    public static void VerifyGolden(string name, string actual) => TestKit.Golden.Verify(Golden(name), actual, name);
}

/// <summary>Runs the real checkers; a missing tool fails the test with the apt package to install.</summary>
internal static class Tool
{
    public sealed record Result(int ExitCode, string Output);

    public static Result Run(string tool, string aptPackage, IEnumerable<string> args, string? workingDir = null, string? stdin = null)
    {
        var r = ProcessRunner.Run(tool, args, stdin, workingDir ?? Directory.GetCurrentDirectory(), aptPackage: aptPackage,
            timeout: TimeSpan.FromMinutes(3));
        return new Result(r.ExitCode, r.Stdout + r.Stderr);
    }
}

/// <summary>
/// Kept secrets for the tests: the golden clusters use fixtures made once by <see cref="ClusterPki.Ensure"/> and
/// stored serialized under golden/node-programs/secrets (written only with INFRA_UPDATE_GOLDEN=1 when missing);
/// other host sets get secrets made on the fly (cached), which no golden depends on.
/// </summary>
internal static class TestSecrets
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, KeptSecrets> Made = new();

    public static KeptSecrets Fixture(string name, ClusterSpec spec, IReadOnlyList<PlannedHost> hosts)
    {
        var path = TestPaths.Golden($"node-programs/secrets/{name}.json");
        if (!File.Exists(path))
        {
            Assert.True(TestKit.Golden.Updating,
                $"secrets fixture {path} is missing; create it once with INFRA_UPDATE_GOLDEN=1");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, KeptSecretsSerializer.ToJson(ClusterPki.Ensure(spec, hosts, null, Now)));
        }
        return KeptSecretsSerializer.FromJson(File.ReadAllText(path));
    }

    public static KeptSecrets For(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts)
    {
        var key = $"{spec.Target}|{spec.Etcd.Topology}|" + string.Join(",", hosts.Select(h => $"{h.Name}={h.Address}/{string.Join('+', h.Roles)}"));
        return Made.GetOrAdd(key, _ => ClusterPki.Ensure(spec, hosts, null, Now));
    }
}

/// <summary>The representative clusters of the goldens and real-tool checks.</summary>
internal static class Clusters
{
    public static readonly Endpoint CloudEndpoint = new("api.sample.example.com", 6443);

    public static ClusterSpec BareMetalSingle() => SampleSpecs.BareMetal(controlPlanes: 1, workers: 1);

    public static ClusterSpec BareMetalHaKubeVip() => SampleSpecs.BareMetal(controlPlanes: 3, workers: 2, lb: LoadBalancerKind.KubeVip);

    public static ClusterSpec BareMetalExternalEtcd() => SampleSpecs.BareMetal(controlPlanes: 3, workers: 1, etcd: EtcdTopology.External);

    public static ClusterSpec Cloud(Target target)
    {
        var s = SampleSpecs.Cloud(target, controlPlanes: 3, workers: 2);
        return s with { ControlPlane = s.ControlPlane with { Endpoint = CloudEndpoint } };
    }

    public static IEnumerable<(string Name, ClusterSpec Spec)> All() =>
    [
        ("baremetal-single", BareMetalSingle()),
        ("baremetal-ha-kube-vip", BareMetalHaKubeVip()),
        ("baremetal-external-etcd", BareMetalExternalEtcd()),
        ("aws-ha", Cloud(Target.Aws)),
        ("azure-ha", Cloud(Target.Azure)),
        ("gcp-ha", Cloud(Target.Gcp)),
    ];

    public static (IReadOnlyList<PlannedHost> Hosts, KeptSecrets Secrets) Inputs(ClusterSpec spec)
    {
        var hosts = HostInventory.Plan(spec);
        return (hosts, TestSecrets.For(spec, hosts));
    }
}
