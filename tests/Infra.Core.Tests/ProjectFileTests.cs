using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Infra.TestKit;
using Json.Schema;
using YamlDotNet.RepresentationModel;

namespace Infra.Core.Tests;

/// <summary>Pulumi.yaml against Pulumi's own project schema (shared/pulumi-project.schema.json beside the clone).</summary>
public class ProjectFileTests
{
    private static string SchemaPath()
    {
        var root = Repo.Root;
        // CI: shared/ sits beside the clone; a worktree may be one level deeper.
        var candidates = new[] { Path.Combine(root, "..", "shared"), Path.Combine(root, "..", "..", "shared") }
            .Select(d => Path.GetFullPath(Path.Combine(d, "pulumi-project.schema.json")));
        var found = candidates.FirstOrDefault(File.Exists);
        Assert.True(found is not null, $"Pulumi's project schema is missing: looked for {string.Join(" and ", candidates)}");
        return found!;
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, ToJson(kv.Value)))),
        YamlSequenceNode s => new JsonArray([.. s.Children.Select(ToJson)]),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } p when p.Value is "true" or "false" => JsonValue.Create(p.Value == "true"),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } p when p.Value is "null" or "~" or "" => null,
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } p when long.TryParse(p.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
        YamlScalarNode sc => JsonValue.Create(sc.Value),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    private static JsonNode Load(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path)) yaml.Load(reader);
        return ToJson(yaml.Documents[0].RootNode)!;
    }

    private static EvaluationResults Validate(JsonNode doc)
    {
        var schema = JsonSchema.FromText(File.ReadAllText(SchemaPath()), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        using var json = JsonDocument.Parse(doc.ToJsonString());
        return schema.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static string Errors(EvaluationResults r) =>
        string.Join("\n", (r.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));

    [Fact]
    public void PulumiYaml_AgainstProjectSchema_Valid()
    {
        var r = Validate(Load(Path.Combine(Repo.Root, "Pulumi.yaml")));

        Assert.True(r.IsValid, Errors(r));
    }

    [Fact]
    public void PulumiYaml_Contract_ProjectMainStacksAndKubeadmPlugin()
    {
        var doc = Load(Path.Combine(Repo.Root, "Pulumi.yaml"));

        Assert.Equal("infra", (string?)doc["name"]);
        Assert.Equal("dotnet", (string?)doc["runtime"]);
        Assert.Equal("src/Infra.Pulumi", (string?)doc["main"]);
        Assert.Equal("stacks", (string?)doc["stackConfigDir"]);
        Assert.Equal("object", (string?)doc["config"]!["cluster"]!["type"]);
        var plugin = Assert.Single(doc["plugins"]!["providers"]!.AsArray());
        Assert.Equal("kubeadm", (string?)plugin!["name"]);
        Assert.Equal("src/Infra.Provider", (string?)plugin["path"]);
        var root = Repo.Root;
        Assert.True(File.Exists(Path.Combine(root, "src", "Infra.Provider", "PulumiPlugin.yaml")), "the kubeadm plugin folder needs PulumiPlugin.yaml");
        Assert.True(Directory.Exists(Path.Combine(root, "src", "Infra.Pulumi")));
    }

    [Theory]
    [InlineData("aws", "CLOUD_AWS", "Infra.Pulumi.Aws")]
    [InlineData("gcp", "CLOUD_GCP", "Infra.Pulumi.Gcp")]
    [InlineData("AZURE,gcp", "CLOUD_AZURE;CLOUD_GCP", "Infra.Pulumi.Azure;Infra.Pulumi.Gcp")]
    [InlineData("none", "", "")]
    public void CloudsProperty_Chosen_OnlyThoseCloudsReferencedAndDefined(string clouds, string constants, string projects)
    {
        // MSBuild evaluation only: needs no Pulumi package, so it runs where they do not restore.
        var project = Path.Combine(Repo.Root, "src", "Infra.Pulumi", "Infra.Pulumi.csproj");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { "msbuild", project, $"-p:Clouds=\"{clouds}\"", "-getProperty:DefineConstants", "-getItem:ProjectReference", "-nologo" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, stdout + process.StandardError.ReadToEnd());

        using var doc = JsonDocument.Parse(stdout);
        var defined = doc.RootElement.GetProperty("Properties").GetProperty("DefineConstants").GetString()!
            .Split(';').Where(c => c.StartsWith("CLOUD_", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        var referenced = doc.RootElement.GetProperty("Items").GetProperty("ProjectReference").EnumerateArray()
            .Select(i => Path.GetFileNameWithoutExtension(i.GetProperty("Identity").GetString()!))
            .Where(n => n.StartsWith("Infra.Pulumi.", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal(constants, string.Join(';', defined));
        Assert.Equal(projects, string.Join(';', referenced));
    }

    [Fact]
    public void ProjectSchema_BadProjectFile_Rejected()
    {
        // Shows the check can fail: an unknown top-level key and a config type the schema does not know.
        var bad = JsonNode.Parse("""{"name":"infra","runtime":"dotnet","colour":"blue","config":{"cluster":{"type":"map"}}}""")!;

        var r = Validate(bad);

        Assert.False(r.IsValid);
    }
}
