using System.Text;
using Xunit;

namespace Infra.TestKit;

/// <summary>Golden files: compared with what a test produced, and rewritten only when INFRA_UPDATE_GOLDEN=1.</summary>
public static class Golden
{
    public const string UpdateVariable = "INFRA_UPDATE_GOLDEN";

    public static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    /// <summary>Compares <paramref name="actual"/> with the file at <paramref name="path"/> (or writes it when updating).</summary>
    public static void Verify(string path, string actual, string? name = null)
    {
        name ??= System.IO.Path.GetFileName(path);
        if (Updating)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"golden file {name} is missing; run the tests with {UpdateVariable}=1 to write it");
        var expected = File.ReadAllText(path);
        if (expected == actual) return;
        Assert.Fail($"{name} differs from its golden file ({UpdateVariable}=1 rewrites it if the change is intended):\n{Diff(expected, actual)}");
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
