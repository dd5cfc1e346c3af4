using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Bench;

/// <summary>
/// Planning a 3 + 50 node cluster with --out (kept secrets given): the whole plan and its files, against writing the
/// same bytes alone (the I/O floor any plan writer pays).
/// </summary>
internal static class PlanBench
{
    public static void Run()
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 3, workers: 50, lb: LoadBalancerKind.KubeVip);
        var secrets = ClusterPki.Ensure(spec, HostInventory.Plan(spec), null, DateTimeOffset.UtcNow);
        var dir = Directory.CreateTempSubdirectory("infra-bench-plan-").FullName;
        try
        {
            var artifacts = PlanArtifacts.Build(ClusterPlanner.Plan(spec, secrets), includeSecrets: false);
            var n = 0;
            void Write(IReadOnlyList<PlanArtifact> files, string into)
            {
                foreach (var a in files)
                {
                    var path = Path.Combine(into, a.RelativePath);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.WriteAllBytes(path, a.Content);
                }
            }
            var (plan, floor) = Measure.MedianMs(
                () => Write(PlanArtifacts.Build(ClusterPlanner.Plan(spec, secrets), includeSecrets: false), Path.Combine(dir, $"p{n++}")),
                () => Write(artifacts, Path.Combine(dir, $"f{n++}")),
                runs: 11, warmup: 2);
            var bytes = artifacts.Sum(a => (long)a.Content.Length);
            Console.WriteLine($"plan: 3+50 nodes with --out ({artifacts.Count} files, {bytes / 1024} KiB): {Measure.F(plan)} ms (median of 11); " +
                $"writing the same files alone {Measure.F(floor)} ms; ratio {Measure.F(plan / floor)}x the I/O floor");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
