using System.Text.Json;
using System.Xml.Linq;
using Infra.TestKit;

namespace Infra.Cli.Tests;

/// <summary>The offline solution filter is what CI builds: it must never need a Pulumi package.</summary>
public class SolutionLayoutTests
{
    private static IReadOnlyList<string> FilterProjects()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "Infra.Offline.slnf")));
        return [.. doc.RootElement.GetProperty("solution").GetProperty("projects").EnumerateArray().Select(p => p.GetString()!)];
    }

    [Fact]
    public void OfflineFilter_NoProject_ReferencesPulumi()
    {
        var projects = FilterProjects();
        Assert.NotEmpty(projects);
        foreach (var project in projects)
        {
            var xml = XDocument.Load(Path.Combine(Repo.Root, project));
            var pulumi = xml.Descendants("PackageReference")
                .Select(e => (string?)e.Attribute("Include") ?? "")
                .Where(name => name.StartsWith("Pulumi", StringComparison.OrdinalIgnoreCase))
                .ToList();
            Assert.True(pulumi.Count == 0, $"{project} references {string.Join(", ", pulumi)}");
            foreach (var reference in xml.Descendants("ProjectReference").Select(e => (string)e.Attribute("Include")!))
            {
                Assert.DoesNotContain("Pulumi", Path.GetFileName(reference), StringComparison.Ordinal);
                Assert.DoesNotContain("Provider", Path.GetFileName(reference), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void OfflineFilter_HoldsEveryNonPulumiProjectOfTheSolution()
    {
        var sln = File.ReadAllLines(Path.Combine(Repo.Root, "Infra.sln"))
            .Where(l => l.StartsWith("Project(", StringComparison.Ordinal) && l.Contains(".csproj", StringComparison.Ordinal))
            .Select(l => l.Split('"')[5].Replace('\\', '/'))
            .ToList();
        var offline = sln.Where(p => !p.Contains("Pulumi", StringComparison.Ordinal) && !p.Contains("Provider", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(offline, FilterProjects().Order().ToList());
    }

    [Fact]
    [Trait("Item", "12.5")]
    public void PackagePins_EveryPinnedPackage_IsReferencedByAProject()
    {
        var pinned = XDocument.Load(Path.Combine(Repo.Root, "Directory.Packages.props")).Descendants("PackageVersion")
            .Select(e => (string)e.Attribute("Include")!).ToList();
        var referenced = Directory.EnumerateFiles(Repo.Root, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj"))
            .SelectMany(p => XDocument.Load(p).Descendants("PackageReference").Select(e => (string)e.Attribute("Include")!))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        var unused = pinned.Where(p => !referenced.Contains(p)).ToList();
        Assert.NotEmpty(pinned);
        Assert.True(unused.Count == 0, $"pinned in Directory.Packages.props and referenced by no project: {string.Join(", ", unused)}");
    }
}
