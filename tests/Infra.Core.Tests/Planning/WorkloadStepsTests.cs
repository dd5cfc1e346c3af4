using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Core.Workloads;
using Infra.TestKit;

namespace Infra.Core.Tests.Planning;

public class WorkloadStepsTests
{
    internal static WorkloadPlan Plan() => BaselinePlanner.Plan(SampleSpecs.BareMetal());

    /// <summary>Every file the workloads phase needs from a bundle, with made-up checksums.</summary>
    internal static BundleManifest Bundle(WorkloadPlan plan) => new()
    {
        Files = [.. WorkloadSteps.BundleFiles(plan).Select((f, i) => new BundleFile { Name = f.Name, Sha256 = Convert.ToHexStringLower(BitConverter.GetBytes(i)).PadLeft(64, 'c'), Size = 1 })],
    };

    [Fact]
    public void Build_Repository_HelmFirstThenEveryComponentInApplyOrder()
    {
        var steps = WorkloadSteps.Build(Plan(), OsFamily.Debian12);
        Assert.Equal("workloads.helm", steps[0].Id);
        Assert.Equal(Plan().Components.Select(c => "workloads." + c.Name), steps.Skip(1).Select(s => s.Id));
        Assert.All(steps, s => Assert.Equal(Phase.Workloads, s.Phase));
        Assert.Contains("readonly HELM_ARCHIVE=helm-v3.19.0-linux-amd64.tar.gz\n", steps[0].Script, StringComparison.Ordinal);
        Assert.Contains("url=https://get.helm.sh/$HELM_ARCHIVE\n", steps[0].Script, StringComparison.Ordinal);
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
        var bundle = Bundle(Plan());
        bundle = bundle with { Files = [.. bundle.Files.Where(f => f.Name != WorkloadSteps.HelmArchive), new BundleFile { Name = WorkloadSteps.HelmArchive, Sha256 = sha, Size = 1 }] };
        var helm = WorkloadSteps.Build(Plan(), OsFamily.Debian12, PackageSource.Bundle, bundle)[0];
        Assert.Equal(sha, Assert.Single(helm.BundleUploads).Sha256);
        // The checksum reaches the script as its readonly input (12.4).
        Assert.Contains($"readonly HELM_SHA256={sha}\n", helm.Script, StringComparison.Ordinal);
        Assert.Contains("echo \"$HELM_SHA256  $HELM_PATH\" | sha256sum -c", helm.Script, StringComparison.Ordinal);
        Assert.DoesNotContain("curl", helm.Script, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Preinstalled_ChecksVersionNeverDownloads()
    {
        var helm = WorkloadSteps.Build(Plan(), OsFamily.Debian12, PackageSource.Preinstalled)[0];
        Assert.DoesNotContain("curl", helm.Script, StringComparison.Ordinal);
        Assert.Contains("must be on PATH", helm.Script, StringComparison.Ordinal);
    }

    [RealToolFact("shellcheck")]
    public void Build_EverySource_HelmScriptsPassShellcheck()
    {
        var bundle = Bundle(Plan());
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

    [Fact]
    [Trait("Item", "10.new-user-airgap")]
    public void Build_BundleWithoutChartArchives_ErrorNamesEveryChartArchive()
    {
        var plan = Plan();
        var bundle = new BundleManifest { Files = [new BundleFile { Name = WorkloadSteps.HelmArchive, Sha256 = new string('a', 64), Size = 1 }] };
        var e = Assert.Throws<NodeProgramException>(() => WorkloadSteps.Build(plan, OsFamily.Debian12, PackageSource.Bundle, bundle));
        var charts = plan.Components.Where(c => c.Chart is not null).ToList();
        Assert.NotEmpty(charts);
        Assert.All(charts, c => Assert.Contains($"{WorkloadSteps.ChartArchive(c.Chart!)} (chart {c.Chart!.Chart} {c.Chart.Version}", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Item", "10.new-user-airgap")]
    public void Build_Bundle_EveryChartInstallsFromItsCheckedArchiveNeverFromTheInternet()
    {
        var plan = Plan();
        var bundle = Bundle(plan);
        var steps = WorkloadSteps.Build(plan, OsFamily.Debian12, PackageSource.Bundle, bundle);
        foreach (var c in plan.Components.Where(c => c.Chart is not null))
        {
            var step = steps.Single(s => s.Id == "workloads." + c.Name);
            var archive = WorkloadSteps.ChartArchive(c.Chart!);
            var upload = Assert.Single(step.BundleUploads);
            Assert.Equal(archive, upload.Name);
            Assert.Equal(bundle.Find(archive)!.Sha256, upload.Sha256);
            Assert.Equal($"{upload.Sha256} {upload.Path} {upload.Mode}", step.Inputs["bundle:" + archive]);
            Assert.Contains($"echo '{upload.Sha256}  {upload.Path}' | sha256sum --check --quiet -", step.Script, StringComparison.Ordinal);
            Assert.Contains($" {upload.Path} --version ", step.Script, StringComparison.Ordinal);
            Assert.DoesNotContain("--repo", step.Script, StringComparison.Ordinal);
            Assert.DoesNotContain("oci://", step.Script, StringComparison.Ordinal);
            Assert.DoesNotContain("https://", step.Script, StringComparison.Ordinal);
        }
    }

    [Theory]
    [Trait("Item", "10.new-user-airgap")]
    [InlineData("tigera-operator", null, "v3.30.3", "tigera-operator-v3.30.3.tgz")]
    [InlineData("oci://quay.io/jetstack/charts/cert-manager", null, "v1.19.1", "cert-manager-v1.19.1.tgz")]
    public void ChartArchive_IsTheFileHelmPullWrites(string chart, string? repository, string version, string expected) =>
        Assert.Equal(expected, WorkloadSteps.ChartArchive(new ChartRelease
        {
            Name = "x",
            Namespace = "x",
            Chart = chart,
            Repository = repository,
            Version = version,
            Values = ChartValues.Of(),
            DependsOn = [],
        }));

    [RealToolFact("shellcheck")]
    [Trait("Item", "10.new-user-airgap")]
    public void Build_Bundle_EveryChartStepPassesShellcheck()
    {
        var plan = Plan();
        var dir = Directory.CreateTempSubdirectory("infra-charts-").FullName;
        try
        {
            var files = new List<string>();
            foreach (var step in WorkloadSteps.Build(plan, OsFamily.Debian12, PackageSource.Bundle, Bundle(plan)).Where(s => s.BundleUploads.Count > 0).Skip(1))
            {
                var f = Path.Combine(dir, step.Id + ".sh");
                File.WriteAllText(f, step.Script);
                files.Add(f);
            }
            Assert.NotEmpty(files);
            var r = Infra.Core.Tests.NodePrograms.Tool.Run("shellcheck", "shellcheck", ["-S", "warning", "-s", "bash", .. files]);
            Assert.True(r.ExitCode == 0, r.Output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
