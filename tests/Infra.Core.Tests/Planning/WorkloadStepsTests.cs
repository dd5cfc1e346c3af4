using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Core.Workloads;

namespace Infra.Core.Tests.Planning;

public class WorkloadStepsTests
{
    private static WorkloadPlan Plan() => BaselinePlanner.Plan(SampleSpecs.BareMetal());

    [Fact]
    public void Build_Repository_HelmFirstThenEveryComponentInApplyOrder()
    {
        var steps = WorkloadSteps.Build(Plan(), OsFamily.Debian12);
        Assert.Equal("workloads.helm", steps[0].Id);
        Assert.Equal(Plan().Components.Select(c => "workloads." + c.Name), steps.Skip(1).Select(s => s.Id));
        Assert.All(steps, s => Assert.Equal(Phase.Workloads, s.Phase));
        Assert.Contains("get.helm.sh/helm-v3.19.0-linux-amd64.tar.gz", steps[0].Script, StringComparison.Ordinal);
        Assert.Contains("sha256sum -c", steps[0].Script, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BundleWithoutHelm_ErrorNamesTheArchive()
    {
        var bundle = new BundleManifest { Files = [] };
        var e = Assert.Throws<NodeProgramException>(() => WorkloadSteps.Build(Plan(), OsFamily.Debian12, PackageSource.Bundle, bundle));
        Assert.Contains(WorkloadSteps.HelmArchive, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Bundle_UploadsArchiveAndChecksItsHash()
    {
        var sha = new string('a', 64);
        var bundle = new BundleManifest { Files = [new BundleFile { Name = WorkloadSteps.HelmArchive, Sha256 = sha, Size = 1 }] };
        var helm = WorkloadSteps.Build(Plan(), OsFamily.Debian12, PackageSource.Bundle, bundle)[0];
        Assert.Equal(sha, Assert.Single(helm.BundleUploads).Sha256);
        Assert.Contains($"echo \"{sha}  ", helm.Script, StringComparison.Ordinal);
        Assert.DoesNotContain("curl", helm.Script, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Preinstalled_ChecksVersionNeverDownloads()
    {
        var helm = WorkloadSteps.Build(Plan(), OsFamily.Debian12, PackageSource.Preinstalled)[0];
        Assert.DoesNotContain("curl", helm.Script, StringComparison.Ordinal);
        Assert.Contains("must be on PATH", helm.Script, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_EverySource_HelmScriptsPassShellcheck()
    {
        var bundle = new BundleManifest { Files = [new BundleFile { Name = WorkloadSteps.HelmArchive, Sha256 = new string('b', 64), Size = 1 }] };
        var dir = Directory.CreateTempSubdirectory("infra-helm-").FullName;
        try
        {
            var files = new List<string>();
            foreach (var source in Enum.GetValues<PackageSource>())
            {
                var helm = WorkloadSteps.Build(Plan(), OsFamily.Debian12, source, bundle)[0];
                foreach (var (name, text) in new[] { ("script", helm.Script), ("check", helm.Check!) })
                {
                    var f = Path.Combine(dir, $"{source}-{name}.sh");
                    File.WriteAllText(f, "#!/bin/bash\n" + text);
                    files.Add(f);
                }
            }
            var r = Infra.Core.Tests.NodePrograms.Tool.Run("shellcheck", "shellcheck", ["-S", "warning", .. files]);
            Assert.True(r.ExitCode == 0, r.Output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
