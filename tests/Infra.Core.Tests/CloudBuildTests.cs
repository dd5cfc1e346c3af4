using System.Text.RegularExpressions;
using Infra.TestKit;
using YamlDotNet.RepresentationModel;

namespace Infra.Core.Tests;

/// <summary>
/// Issue 11 item 9: every value of the MSBuild property Clouds must build the Pulumi projects and their tests.
/// They cannot be compiled here (no Pulumi package), so this checks what breaks them: a <c>using</c> of a Core
/// namespace that only code under another cloud's <c>#if</c> needs (IDE0005 is an error), or a name used without
/// its <c>using</c>; and that CI builds each cloud alone.
/// </summary>
public partial class CloudBuildTests
{
    public static TheoryData<string> CloudSets() => ["", "CLOUD_AWS", "CLOUD_AZURE", "CLOUD_GCP", "CLOUD_AWS CLOUD_AZURE CLOUD_GCP"];

    /// <summary>The lines a compiler sees with <paramref name="defined"/> (nested #if / #elif / #else with ||, &amp;&amp;, !).</summary>
    internal static string Preprocess(string text, ISet<string> defined)
    {
        var kept = new List<string>();
        var stack = new Stack<(bool Parent, bool Taken, bool Active)>();
        var active = true;
        foreach (var line in text.Split('\n'))
        {
            var t = line.Trim();
            if (t.StartsWith("#if ", StringComparison.Ordinal))
            {
                var c = Eval(t[4..], defined);
                stack.Push((active, c, active && c));
                active = active && c;
            }
            else if (t.StartsWith("#elif ", StringComparison.Ordinal))
            {
                var (parent, taken, _) = stack.Pop();
                var c = !taken && Eval(t[6..], defined);
                stack.Push((parent, taken || c, parent && c));
                active = parent && c;
            }
            else if (t == "#else")
            {
                var (parent, taken, _) = stack.Pop();
                stack.Push((parent, true, parent && !taken));
                active = parent && !taken;
            }
            else if (t == "#endif")
            {
                active = stack.Pop().Parent;
            }
            else if (active)
            {
                kept.Add(line);
            }
        }
        return string.Join('\n', kept);
    }

    private static bool Eval(string condition, ISet<string> defined) =>
        condition.Split("||").Any(any => any.Split("&&").All(term =>
        {
            var x = term.Trim().Trim('(', ')').Trim();
            return x.StartsWith('!') ? !defined.Contains(x[1..].Trim()) : x == "true" || defined.Contains(x);
        }));

    [GeneratedRegex(@"^using (Infra\.Core[\w.]*);", RegexOptions.Multiline)]
    private static partial Regex CoreUsing();

    /// <summary>Core's public type names per namespace (what a using of that namespace brings in).</summary>
    private static readonly Dictionary<string, HashSet<string>> CoreTypes = typeof(Infra.Core.Spec.ClusterSpec).Assembly.GetExportedTypes()
        .Where(t => t.Namespace is not null)
        .GroupBy(t => t.Namespace!)
        .ToDictionary(g => g.Key, g => g.Select(t => t.Name.Split('`')[0]).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

    private static IEnumerable<string> PulumiSources()
    {
        var root = Repo.Root;
        return new[] { "src/Infra.Pulumi", "tests/Infra.Pulumi.Tests" }
            .SelectMany(d => Directory.GetFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
    }

    [Theory]
    [Trait("Item", "11.9")]
    [MemberData(nameof(CloudSets))]
    public void Preprocess_PulumiSourcesPerCloudSet_EveryCoreUsingIsUsed(string clouds)
    {
        var defined = clouds.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var file in PulumiSources())
        {
            var text = Preprocess(File.ReadAllText(file), defined);
            var body = string.Join('\n', text.Split('\n').Where(l => !l.TrimStart().StartsWith("using ", StringComparison.Ordinal)));
            foreach (Match m in CoreUsing().Matches(text))
            {
                var ns = m.Groups[1].Value;
                if (!CoreTypes.TryGetValue(ns, out var types)) continue;
                if (!types.Any(t => Regex.IsMatch(body, $@"\b{Regex.Escape(t)}\b")))
                {
                    problems.Add($"{Path.GetFileName(file)}: 'using {ns};' is unused with [{clouds}] (IDE0005)");
                }
            }
            // The one non-Core namespace the cloud tests share: OutputUtilities needs Pulumi.Utilities.
            if (Regex.IsMatch(body, @"\bOutputUtilities\.") && !text.Contains("using Pulumi.Utilities;", StringComparison.Ordinal))
            {
                problems.Add($"{Path.GetFileName(file)}: OutputUtilities is used without 'using Pulumi.Utilities;' with [{clouds}]");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    [Trait("Item", "11.9")]
    public void Preprocess_NestedConditions_KeepsWhatTheCompilerSees()
    {
        const string text = "a\n#if CLOUD_AWS || CLOUD_GCP\nb\n#if !CLOUD_GCP\nc\n#else\nd\n#endif\n#elif CLOUD_AZURE\ne\n#endif\nf";
        Assert.Equal("a\nb\nc\nf", Preprocess(text, new HashSet<string> { "CLOUD_AWS" }));
        Assert.Equal("a\nb\nd\nf", Preprocess(text, new HashSet<string> { "CLOUD_GCP" }));
        Assert.Equal("a\ne\nf", Preprocess(text, new HashSet<string> { "CLOUD_AZURE" }));
        Assert.Equal("a\nf", Preprocess(text, new HashSet<string>()));
    }

    [Fact]
    [Trait("Item", "11.9")]
    public void CiWorkflow_BuildsThePulumiTestsForEachCloudAloneAndAllTogether()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Repo.Root, ".github", "workflows", "ci.yml"))) yaml.Load(reader);
        var jobs = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["jobs"];
        var clouds = (YamlMappingNode)jobs["clouds"];
        var matrix = (YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)clouds["strategy"])["matrix"])["clouds"];
        Assert.Equal(["none", "aws", "azure", "gcp"], matrix.Children.Select(c => ((YamlScalarNode)c).Value));
        var runs = ((YamlSequenceNode)clouds["steps"]).Children.OfType<YamlMappingNode>()
            .Where(s => s.Children.ContainsKey("run")).Select(s => ((YamlScalarNode)s["run"]).Value!).ToList();
        Assert.Contains(runs, r => r.Contains("dotnet build tests/Infra.Pulumi.Tests", StringComparison.Ordinal)
            && r.Contains("-p:Clouds=${{ matrix.clouds }}", StringComparison.Ordinal));
        // All together: the main job builds the whole solution with the default Clouds (aws;azure;gcp).
        var main = ((YamlSequenceNode)((YamlMappingNode)jobs["build-test"])["steps"]).Children.OfType<YamlMappingNode>()
            .Where(s => s.Children.ContainsKey("run")).Select(s => ((YamlScalarNode)s["run"]).Value!);
        Assert.Contains(main, r => r.StartsWith("dotnet build Infra.sln", StringComparison.Ordinal) && !r.Contains("Clouds", StringComparison.Ordinal));
    }
}
