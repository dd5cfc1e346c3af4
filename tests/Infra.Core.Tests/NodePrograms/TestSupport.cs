using System.Diagnostics;
using System.Text;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>Paths of this test project's sources (goldens, fixtures, tool configurations).</summary>
internal static class TestPaths
{
    public static string ProjectDir { get; } = Find();

    public static string Golden(string name) => Path.Combine(ProjectDir, "golden", name);

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Infra.Core.Tests.csproj"))) return d.FullName;
            var nested = Path.Combine(d.FullName, "tests", "Infra.Core.Tests");
            if (File.Exists(Path.Combine(nested, "Infra.Core.Tests.csproj"))) return nested;
        }
        throw new InvalidOperationException("cannot find the Infra.Core.Tests project directory");
    }
}

/// <summary>Runs the real checkers; a missing tool fails the test with the apt package to install.</summary>
internal static class Tool
{
    public sealed record Result(int ExitCode, string Output);

    public static Result Run(string tool, string aptPackage, IEnumerable<string> args, string? workingDir = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDir ?? Directory.GetCurrentDirectory(),
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new InvalidOperationException(tool);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail($"'{tool}' is not installed; install it with: apt-get install {aptPackage}");
            throw;
        }
        using (p)
        {
            if (stdin is not null)
            {
                p.StandardInput.Write(stdin);
                p.StandardInput.Close();
            }
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                p.Kill(entireProcessTree: true);
                Assert.Fail($"{tool} did not finish in 3 minutes");
            }
            return new Result(p.ExitCode, stdout.Result + stderr.Result);
        }
    }
}

/// <summary>Golden files under golden/, rewritten only with INFRA_UPDATE_GOLDEN=1.</summary>
internal static class Golden
{
    public static void Check(string name, string actual)
    {
        var path = TestPaths.Golden(name);
        if (Environment.GetEnvironmentVariable("INFRA_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"golden file {name} is missing; create it with INFRA_UPDATE_GOLDEN=1");
        var expected = File.ReadAllText(path);
        if (expected == actual) return;
        Assert.Fail($"{name} differs from the golden file (INFRA_UPDATE_GOLDEN=1 rewrites it):\n{Diff(expected, actual)}");
    }

    private static string Diff(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var i = 0;
        while (i < e.Length && i < a.Length && e[i] == a[i]) i++;
        var sb = new StringBuilder();
        sb.Append("first difference at line ").Append(i + 1).Append('\n');
        for (var k = Math.Max(0, i - 3); k < Math.Min(e.Length, i + 8); k++) sb.Append("- ").Append(e[k]).Append('\n');
        for (var k = Math.Max(0, i - 3); k < Math.Min(a.Length, i + 8); k++) sb.Append("+ ").Append(a[k]).Append('\n');
        return sb.ToString();
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
            Assert.True(Environment.GetEnvironmentVariable("INFRA_UPDATE_GOLDEN") == "1",
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
