using System.Text.Json;
using Infra.Core.Workloads;
using Infra.TestKit;
using static Infra.Core.Tests.Workloads.WorkloadTestKit;

namespace Infra.Core.Tests.Workloads;

public class WorkloadRendererTests
{
    public static TheoryData<string> TargetNames() => [.. Targets];

    [Theory]
    [MemberData(nameof(TargetNames))]
    public void RenderManifests_EveryTarget_MatchesGolden(string target)
    {
        var plan = BaselinePlanner.Plan(SpecFor(target));
        foreach (var (file, yaml) in WorkloadRenderer.RenderManifests(plan))
        {
            Golden($"workloads/{target}/manifests/{file}", yaml);
        }
        Golden($"workloads/{target}/charts.json", WorkloadRenderer.RenderChartsJson(plan));
        Golden($"workloads/{target}/warnings.txt", string.Concat(plan.Warnings.Select(w => w + "\n")));
    }

    [Fact]
    public void RenderManifests_FileNames_NumberedInApplyOrder()
    {
        var plan = BaselinePlanner.Plan(SpecFor("baremetal"));
        var files = WorkloadRenderer.RenderManifests(plan).Select(f => f.FileName).ToList();
        Assert.Equal(["00-namespaces.yaml", "02-cni.yaml", "04-cert-manager.yaml", "07-storage.yaml", "09-policies.yaml"], files);
        Assert.Equal(files.Order(StringComparer.Ordinal), files);
    }

    [Fact]
    public void RenderManifests_AllVariants_DecodeStrictlyToTheSameTypes()
    {
        foreach (var (name, spec) in Variants())
        {
            var plan = BaselinePlanner.Plan(spec);
            foreach (var c in plan.Components.Where(c => c.Objects.Count > 0))
            {
                var decoded = DecodeStrict(WorkloadRenderer.RenderManifest(c));
                Assert.True(c.Objects.Count == decoded.Count, $"{name}/{c.Name}: {decoded.Count} documents decoded, {c.Objects.Count} rendered");
                for (var i = 0; i < decoded.Count; i++)
                {
                    Assert.Equal(c.Objects[i].Object.GetType(), decoded[i].GetType());
                }
            }
        }
    }

    [Fact]
    public void DecodeStrict_UnknownField_Rejected()
    {
        const string yaml = "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  lables: {}\n";
        Assert.ThrowsAny<Exception>(() => DecodeStrict(yaml));
    }

    [Fact]
    public void DecodeStrict_UnknownCustomResourceField_Rejected()
    {
        const string yaml = "---\napiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: x\nspec:\n  selfSigned: {}\n  selfsigned: {}\n";
        Assert.ThrowsAny<Exception>(() => DecodeStrict(yaml));
    }

    [Fact]
    public void DecodeStrict_WrongType_Rejected()
    {
        const string yaml = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: many\n";
        Assert.ThrowsAny<Exception>(() => DecodeStrict(yaml));
    }

    [RealToolFact("yamllint")]
    public void RenderManifests_AllVariants_PassYamllint()
    {
        var dir = Directory.CreateTempSubdirectory("infra-yamllint-");
        try
        {
            foreach (var (name, spec) in Variants())
            {
                foreach (var (file, yaml) in WorkloadRenderer.RenderManifests(BaselinePlanner.Plan(spec)))
                {
                    File.WriteAllText(Path.Combine(dir.FullName, $"{name}-{file}"), yaml);
                }
            }
            var (exit, output) = Run("yamllint", ["-s", "-f", "parsable", "-c", YamllintConfig, dir.FullName]);
            Assert.True(exit == 0, "yamllint:\n" + output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [RealToolFact("yamllint")]
    public void Yamllint_BadIndentation_Fails()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "---\na:\n   b: 1\n  c: 2\n");
            var (exit, _) = Run("yamllint", ["-s", "-c", YamllintConfig, file]);
            Assert.NotEqual(0, exit);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void RenderChartsJson_Defaults_ListsPinnedChartsWithSortedValues()
    {
        var json = WorkloadRenderer.RenderChartsJson(BaselinePlanner.Plan(SpecFor("aws")));
        using var doc = JsonDocument.Parse(json);
        var charts = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(["crd.projectcalico.org.v1", "tigera-operator", "oci://docker.io/envoyproxy/gateway-crds-helm", "cert-manager", "metrics-server", "traefik", "aws-ebs-csi-driver", "kube-prometheus-stack"],
            charts.Select(c => c.GetProperty("chart").GetString()));
        foreach (var c in charts)
        {
            Assert.False(string.IsNullOrEmpty(c.GetProperty("version").GetString()));
            AssertSorted(c.GetProperty("values"));
        }
        Assert.Equal("template-apply", charts[0].GetProperty("install").GetString());
        Assert.Equal("template-apply", charts[2].GetProperty("install").GetString());
        Assert.Equal(JsonValueKind.Null, charts[2].GetProperty("repository").ValueKind);
    }

    private static void AssertSorted(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            var keys = e.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
            foreach (var p in e.EnumerateObject()) AssertSorted(p.Value);
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var x in e.EnumerateArray()) AssertSorted(x);
        }
    }
}
