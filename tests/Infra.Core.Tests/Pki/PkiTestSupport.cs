using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Pki;

/// <summary>Runs the real openssl / ssh-keygen; a missing tool fails the test with the apt package to install.</summary>
internal static class Tool
{
    private static readonly Dictionary<string, string> AptPackages = new(StringComparer.Ordinal)
    {
        ["openssl"] = "openssl",
        ["ssh-keygen"] = "openssh-client",
        ["etcd"] = "etcd-server",
        ["etcdctl"] = "etcd-client",
    };

    public static string AptPackage(string tool) => AptPackages.GetValueOrDefault(tool, tool);

    public static ProcessResult Run(string tool, params string[] args) =>
        ProcessRunner.Run(tool, args, workingDirectory: Directory.GetCurrentDirectory(), aptPackage: AptPackage(tool));

    /// <summary>Runs and asserts exit code 0, returning stdout.</summary>
    public static string Ok(string tool, params string[] args)
    {
        var r = Run(tool, args);
        Assert.True(r.ExitCode == 0, $"{tool} {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr}{r.Stdout}");
        return r.Stdout;
    }
}

/// <summary>A unique folder under the temp dir, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "infra-pki-" + Guid.NewGuid().ToString("N"));

    /// <summary>Writes a file (mode 0600) and returns its full path.</summary>
    public string Write(string relative, string content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        // ssh-keygen refuses private keys others can read.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(full, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return full;
    }

    public void Dispose() => Directory.Delete(Path, true);
}

internal static class Pki
{
    /// <summary>A fixed "now" so that lifetimes can be asserted exactly.</summary>
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Bare metal, stacked etcd: cp-1..3 (10.0.0.11-13) and w-1, w-2 (10.0.0.101-102).</summary>
    public static (ClusterSpec Spec, IReadOnlyList<PlannedHost> Hosts) Stacked(int controlPlanes = 3, int workers = 2)
    {
        var spec = SampleSpecs.BareMetal(controlPlanes, workers);
        return (spec, HostInventory.Plan(spec));
    }

    /// <summary>AWS, external etcd on etcd-1..3, as planned (no addresses yet).</summary>
    public static (ClusterSpec Spec, IReadOnlyList<PlannedHost> Hosts) CloudExternal()
    {
        var spec = SampleSpecs.Cloud(Target.Aws) with { Etcd = new EtcdSpec { Topology = EtcdTopology.External, Count = 3 } };
        return (spec, HostInventory.Plan(spec));
    }

    private static readonly Lazy<KeptSecrets> StackedLazy = new(() =>
    {
        var (spec, hosts) = Stacked();
        return ClusterPki.Ensure(spec, hosts, null, Now);
    });

    /// <summary>Secrets of <see cref="Stacked"/>, made once per test run and shared by read-only tests.</summary>
    public static KeptSecrets StackedSecrets => StackedLazy.Value;

    public static string Serialized(KeptSecrets s) => KeptSecretsSerializer.ToJson(s);
}
