using System.Text.RegularExpressions;
using Infra.TestKit;
using YamlDotNet.RepresentationModel;

namespace Infra.Cli.Tests;

/// <summary>
/// The GitHub workflows run only on GitHub, so what can be checked here is: each is YAML that yamllint accepts,
/// and every <c>run:</c> script passes shellcheck (as bash, the runners' default shell, with each <c>${{ … }}</c>
/// expression standing as one word).
/// </summary>
public partial class WorkflowScriptTests
{
    public static TheoryData<string> Workflows() =>
        [.. Directory.GetFiles(Repo.Path(".github", "workflows"), "*.yml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    private static IEnumerable<(string Step, string Script)> RunScripts(YamlNode node, string where)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var name = map.Children.TryGetValue(new YamlScalarNode("name"), out var n) ? ((YamlScalarNode)n).Value : null;
                foreach (var (key, value) in map.Children)
                {
                    var k = ((YamlScalarNode)key).Value!;
                    if (k == "run" && value is YamlScalarNode { Value: { } script }) yield return ($"{where} ({name ?? "unnamed step"})", script);
                    else foreach (var inner in RunScripts(value, $"{where}.{k}")) yield return inner;
                }
                break;
            case YamlSequenceNode seq:
                var i = 0;
                foreach (var item in seq.Children)
                {
                    foreach (var inner in RunScripts(item, $"{where}[{i}]")) yield return inner;
                    i++;
                }
                break;
        }
    }

    [GeneratedRegex(@"\$\{\{.*?\}\}")]
    private static partial Regex Expression();

    [RealToolTheory("shellcheck", "yamllint")]
    [MemberData(nameof(Workflows))]
    public async Task Workflow_EveryRunScript_PassesYamllintAndShellcheck(string file)
    {
        var path = Repo.Path(".github", "workflows", file);
        var lint = await ProcessRunner.RunAsync("yamllint", ["-d", "{extends: relaxed, rules: {line-length: disable}}", "-f", "parsable", path], check: false);
        Assert.True(lint.ExitCode == 0 && lint.Stdout.Trim().Length == 0, lint.Stdout + lint.Stderr);

        var yaml = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(path))) yaml.Load(reader);
        var scripts = RunScripts(yaml.Documents[0].RootNode, file).ToList();
        var dir = Directory.CreateTempSubdirectory("infra-workflow-").FullName;
        try
        {
            var problems = new List<string>();
            foreach (var (step, script) in scripts)
            {
                var body = Expression().Replace(script, "GITHUB_EXPRESSION");
                var sh = Path.Combine(dir, "step.sh");
                await File.WriteAllTextAsync(sh, "#!/bin/bash\n" + body);
                var r = await ProcessRunner.RunAsync("shellcheck", ["-S", "warning", "-s", "bash", "-f", "gcc", sh], check: false);
                if (r.ExitCode != 0) problems.Add($"{step}:\n{r.Stdout}");
            }
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
