namespace Infra.Core.Tests.Infrastructure;

/// <summary>Golden files under tests/Infra.Core.Tests/golden/infrastructure/, rewritten only with INFRA_UPDATE_GOLDEN=1.</summary>
internal static class InfrastructureGolden
{
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Infra.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no Infra.sln above {AppContext.BaseDirectory}");
    }

    public static void Verify(string name, string actual)
    {
        var path = Path.Combine(RepoRoot(), "tests", "Infra.Core.Tests", "golden", "infrastructure", name);
        if (Environment.GetEnvironmentVariable("INFRA_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"golden file {path} is missing; run the tests with INFRA_UPDATE_GOLDEN=1 to write it");
        var expected = File.ReadAllText(path);
        if (expected == actual) return;
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var first = 0;
        while (first < e.Length && first < a.Length && e[first] == a[first]) first++;
        Assert.Fail($"{name} differs from its golden file at line {first + 1}:\n" +
            $"- {(first < e.Length ? e[first] : "<end>")}\n+ {(first < a.Length ? a[first] : "<end>")}\n" +
            "(set INFRA_UPDATE_GOLDEN=1 to accept the new output)");
    }
}
