using System.Collections.Frozen;
using Infra.Core.Spec;

namespace Infra.Core.Infrastructure;

/// <summary>
/// vCPUs and memory of common VM sizes (x86-64), from the clouds' published size tables, so that validation can
/// reject sizes below kubeadm's minimum (2 CPUs, 1700 MB) before anything is created. Sizes not listed are
/// unknown, not wrong: validation lets them through.
/// </summary>
public static class CloudSizes
{
    /// <summary>kubeadm's preflight minimum for a node.</summary>
    public const int MinimumCpus = 2;
    public const int MinimumMemoryMb = 1700;

    private static readonly FrozenDictionary<string, (int Cpus, int MemoryMb)> Aws = BuildAws();
    private static readonly FrozenDictionary<string, (int Cpus, int MemoryMb)> Gcp = BuildGcp();
    private static readonly FrozenDictionary<string, (int Cpus, int MemoryMb)> Azure = BuildAzure();

    public static bool TryGet(Target target, string size, out int cpus, out int memoryMb)
    {
        var table = target switch
        {
            Target.Aws => Aws,
            Target.Gcp => Gcp,
            Target.Azure => Azure,
            _ => null,
        };
        if (table is not null && table.TryGetValue(size, out var s))
        {
            (cpus, memoryMb) = s;
            return true;
        }
        cpus = 0;
        memoryMb = 0;
        return false;
    }

    /// <summary>The size a role gets when the stack names none.</summary>
    public static string Default(Target target) => target switch
    {
        Target.Aws => "m6i.large",
        Target.Gcp => "e2-standard-2",
        Target.Azure => "Standard_D2s_v5",
        _ => throw new ArgumentOutOfRangeException(nameof(target), $"{target} has no VM sizes"),
    };

    /// <summary>Every size the table knows for a cloud, sorted.</summary>
    public static IReadOnlyList<string> Known(Target target) => target switch
    {
        Target.Aws => [.. Aws.Keys.Order(StringComparer.Ordinal)],
        Target.Gcp => [.. Gcp.Keys.Order(StringComparer.Ordinal)],
        Target.Azure => [.. Azure.Keys.Order(StringComparer.Ordinal)],
        _ => [],
    };

    private const int GiB = 1024;

    // AWS: .large = 2 vCPUs, then doubling; memory per vCPU by family (m: 4 GiB, c: 2 GiB, r: 8 GiB).
    private static FrozenDictionary<string, (int, int)> BuildAws()
    {
        var d = new Dictionary<string, (int, int)>(StringComparer.Ordinal)
        {
            ["t2.micro"] = (1, 1 * GiB),
            ["t2.small"] = (1, 2 * GiB),
            ["t2.medium"] = (2, 4 * GiB),
            ["t2.large"] = (2, 8 * GiB),
            ["t2.xlarge"] = (4, 16 * GiB),
            ["t2.2xlarge"] = (8, 32 * GiB),
        };
        foreach (var t in new[] { "t3", "t3a" })
        {
            d[$"{t}.nano"] = (2, GiB / 2);
            d[$"{t}.micro"] = (2, 1 * GiB);
            d[$"{t}.small"] = (2, 2 * GiB);
            d[$"{t}.medium"] = (2, 4 * GiB);
            d[$"{t}.large"] = (2, 8 * GiB);
            d[$"{t}.xlarge"] = (4, 16 * GiB);
            d[$"{t}.2xlarge"] = (8, 32 * GiB);
        }
        var steps = new[] { ("large", 2), ("xlarge", 4), ("2xlarge", 8), ("4xlarge", 16), ("8xlarge", 32) };
        foreach (var (families, gibPerCpu) in new[]
        {
            (new[] { "m5", "m5a", "m6i", "m6a", "m7i", "m7a" }, 4),
            (new[] { "c5", "c5a", "c6i", "c6a", "c7i", "c7a" }, 2),
            (new[] { "r5", "r6i", "r7i" }, 8),
        })
        {
            foreach (var f in families)
            {
                foreach (var (suffix, cpus) in steps) d[$"{f}.{suffix}"] = (cpus, cpus * gibPerCpu * GiB);
            }
        }
        return d.ToFrozenDictionary(StringComparer.Ordinal);
    }

    // GCP: standard 4 GB per vCPU, highmem 8, highcpu 1 (N4: 2); n1-standard 3.75 GB per vCPU; shared-core e2 sizes listed.
    private static FrozenDictionary<string, (int, int)> BuildGcp()
    {
        var d = new Dictionary<string, (int, int)>(StringComparer.Ordinal)
        {
            ["e2-micro"] = (2, 1 * GiB),
            ["e2-small"] = (2, 2 * GiB),
            ["e2-medium"] = (2, 4 * GiB),
            ["f1-micro"] = (1, 614),
            ["g1-small"] = (1, 1740),
            ["n1-standard-1"] = (1, 3840),
        };
        var cpuSteps = new[] { 2, 4, 8, 16, 32 };
        foreach (var f in new[] { "e2", "n2", "n2d", "n4" })
        {
            foreach (var n in cpuSteps)
            {
                d[$"{f}-standard-{n}"] = (n, n * 4 * GiB);
                d[$"{f}-highmem-{n}"] = (n, n * 8 * GiB);
                // N4's high-CPU sizes have 2 GB per vCPU, the older families 1 GB.
                d[$"{f}-highcpu-{n}"] = (n, n * (f == "n4" ? 2 : 1) * GiB);
            }
        }
        foreach (var n in cpuSteps) d[$"n1-standard-{n}"] = (n, n * 3840);
        return d.ToFrozenDictionary(StringComparer.Ordinal);
    }

    // Azure: D-series 4 GiB per vCPU, E-series 8, F-series 2; B-series listed one by one. Names compare
    // case-insensitively, as Azure does.
    private static FrozenDictionary<string, (int, int)> BuildAzure()
    {
        var d = new Dictionary<string, (int, int)>(StringComparer.OrdinalIgnoreCase)
        {
            ["Standard_B1s"] = (1, 1 * GiB),
            ["Standard_B1ms"] = (1, 2 * GiB),
            ["Standard_B2s"] = (2, 4 * GiB),
            ["Standard_B2ms"] = (2, 8 * GiB),
            ["Standard_B4ms"] = (4, 16 * GiB),
            ["Standard_B8ms"] = (8, 32 * GiB),
            ["Standard_B2ls_v2"] = (2, 4 * GiB),
            ["Standard_B2s_v2"] = (2, 8 * GiB),
            ["Standard_B4s_v2"] = (4, 16 * GiB),
            ["Standard_B8s_v2"] = (8, 32 * GiB),
            ["Standard_A1_v2"] = (1, 2 * GiB),
            ["Standard_A2_v2"] = (2, 4 * GiB),
            ["Standard_A4_v2"] = (4, 8 * GiB),
        };
        var cpuSteps = new[] { 2, 4, 8, 16, 32 };
        foreach (var n in cpuSteps)
        {
            foreach (var v in new[] { "v3", "v4", "v5" })
            {
                d[$"Standard_D{n}s_{v}"] = (n, n * 4 * GiB);
                d[$"Standard_D{n}_{v}"] = (n, n * 4 * GiB);
                d[$"Standard_E{n}s_{v}"] = (n, n * 8 * GiB);
            }
            d[$"Standard_D{n}as_v5"] = (n, n * 4 * GiB);
            d[$"Standard_D{n}ds_v5"] = (n, n * 4 * GiB);
            d[$"Standard_F{n}s_v2"] = (n, n * 2 * GiB);
        }
        return d.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}
