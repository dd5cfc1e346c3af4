using Infra.Core.Diagnostics;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Core.Tests.Spec;
using Infra.Core.Workloads;

namespace Infra.Core.Tests.Workloads;

/// <summary>Issue 10, air-gapped sites: packages.chartMirrors sends every chart to a mirror; its values are checked.</summary>
public class ChartMirrorsTests
{
    private static StackReadResult Read(string chartMirrors) => StackFile.Read("stack.yaml", StackReaderTests.BareMetal.Replace(
        "    workers:", $"    packages: {{ chartMirrors: {{ {chartMirrors} }} }}\n    workers:", StringComparison.Ordinal));

    private static IReadOnlyList<ChartRelease> Charts(WorkloadPlan plan) =>
        [.. plan.Components.Where(c => c.Chart is not null).Select(c => c.Chart!)];

    [Fact]
    [Trait("Item", "10.new-user-airgap")]
    public void Plan_ChartMirrorForEveryRepository_NoChartCommandNamesAnUpstreamRepository()
    {
        var spec = StackFile.Read("stack.yaml", StackReaderTests.BareMetal).Spec!;
        var upstream = Charts(BaselinePlanner.Plan(spec));
        var mirrors = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in upstream)
        {
            if (c.Repository is { } repo) mirrors[repo] = "https://charts.mirror.example.com/" + c.Chart;
            else mirrors[c.Chart[..c.Chart.LastIndexOf('/')]] = "oci://oci.mirror.example.com/charts";
        }
        var plan = BaselinePlanner.Plan(spec with { Packages = spec.Packages with { ChartMirrors = mirrors } });
        var scripts = string.Join("\n", WorkloadCommands.Render(plan, new WorkloadCommandOptions()).Select(c => c.Script));
        foreach (var c in upstream)
        {
            Assert.DoesNotContain(c.Repository ?? c.Chart, scripts, StringComparison.Ordinal);
        }
        Assert.All(Charts(plan), c => Assert.Contains(".mirror.example.com/", c.Repository ?? c.Chart, StringComparison.Ordinal));
        Assert.Equal(upstream.Select(c => c.Version), Charts(plan).Select(c => c.Version));
    }

    [Fact]
    [Trait("Item", "10.new-user-airgap")]
    public void Apply_OciPrefix_ReplacesOnlyAtAPathBoundary()
    {
        var chart = new ChartRelease
        {
            Name = "x",
            Namespace = "x",
            Chart = "oci://docker.io/envoyproxy/gateway-crds-helm",
            Version = "v1.0.0",
            Values = ChartValues.Of(),
            DependsOn = [],
        };
        var mirrors = new Dictionary<string, string>
        {
            ["oci://docker.io/envoy"] = "oci://wrong.example.com",
            ["oci://docker.io/envoyproxy"] = "oci://m.example.com/proxy/",
        };
        Assert.Equal("oci://m.example.com/proxy/gateway-crds-helm", ChartMirrors.Apply(chart, mirrors).Chart);
        Assert.Equal(WorkloadSteps.ChartArchive(chart), WorkloadSteps.ChartArchive(ChartMirrors.Apply(chart, mirrors)));
    }

    [Fact]
    [Trait("Item", "10.new-user-airgap")]
    public void Read_WellFormedChartMirrors_Accepted()
    {
        var r = Read("\"https://charts.jetstack.io\": \"https://charts.example.com:8443/jetstack\", \"oci://docker.io/envoyproxy\": \"oci://registry.example.com/envoyproxy\"");
        Assert.Empty(r.Diagnostics);
        Assert.Equal("https://charts.example.com:8443/jetstack", r.Spec!.Packages.ChartMirrors["https://charts.jetstack.io"]);
    }

    [Theory]
    [Trait("Item", "10.new-user-airgap")]
    [InlineData("\"https://charts.jetstack.io\": \"oci://registry.example.com/jetstack\"")]
    [InlineData("\"oci://docker.io/envoyproxy\": \"https://charts.example.com\"")]
    [InlineData("\"ftp://charts.jetstack.io\": \"https://charts.example.com\"")]
    [InlineData("\"https://charts.jetstack.io\": \"https://user:pw@charts.example.com\"")]
    [InlineData("\"https://charts.jetstack.io\": \"https://charts.example.com/a?b=c\"")]
    [InlineData("\"https://charts.jetstack.io\": \"https://charts.example.com/../x\"")]
    [InlineData("\"https://charts.jetstack.io\": \"https://charts.example.com/a b\"")]
    [InlineData("\"https://charts.jetstack.io\": \"https://charts.example.com/$(id)\"")]
    [InlineData("\"https://charts.jetstack.io\": \"https://charts.example.com/a'b\"")]
    [InlineData("\"https://charts.jetstack.io\": \"https://charts.example.com/a\\nb\"")]
    [InlineData("\"https://charts.jetstack.io\": \"https://-bad.example.com\"")]
    [InlineData("\"https://charts.jetstack.io\": \"\"")]
    public void Read_MalformedChartMirror_RefusedWithItsCodeAndLine(string entry)
    {
        var r = Read(entry);
        Assert.Null(r.Spec);
        var d = Assert.Single(r.Errors, e => e.Code == Codes.MalformedChartMirror);
        Assert.True(d.Line > 0, d.ToString());
        Assert.Contains("packages.chartMirrors", d.KeyPath, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', d.Message);
    }

    [Fact]
    [Trait("Item", "10.new-user-airgap")]
    public void Read_VeryLongChartMirror_RefusedNamingTheBound()
    {
        var r = Read($"\"https://charts.jetstack.io\": \"https://charts.example.com/{new string('a', 600)}\"");
        var d = Assert.Single(r.Errors, e => e.Code == Codes.MalformedChartMirror);
        Assert.Contains($"{ChartMirrors.MaxLength} characters", d.Message, StringComparison.Ordinal);
    }
}
