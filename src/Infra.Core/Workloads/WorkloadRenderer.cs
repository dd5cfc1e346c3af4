using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using k8s;

namespace Infra.Core.Workloads;

/// <summary>Renders a plan as files: one manifest per component with objects, in apply order, and charts.json.</summary>
public static class WorkloadRenderer
{
    /// <summary>"NN-name.yaml" for a component, NN being its apply order.</summary>
    public static string ManifestFileName(WorkloadComponent c) => $"{c.Order.ToString("D2", CultureInfo.InvariantCulture)}-{c.Name}.yaml";

    /// <summary>The values file a chart is installed with ("NN-name.json").</summary>
    public static string ValuesFileName(WorkloadComponent c) => $"{c.Order.ToString("D2", CultureInfo.InvariantCulture)}-{c.Name}.json";

    public static IReadOnlyList<(string FileName, string Yaml)> RenderManifests(WorkloadPlan plan) =>
        [.. plan.Components.Where(c => c.Objects.Count > 0).Select(c => (ManifestFileName(c), RenderManifest(c)))];

    /// <summary>A component's objects as a multi-document YAML file; comments say why a setting is what it is.</summary>
    public static string RenderManifest(WorkloadComponent c)
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(c.Name).Append(": applied with kubectl apply --server-side");
        if (c.Chart is not null) sb.Append(" after the ").Append(c.Chart.Name).Append(" chart");
        sb.Append('\n');
        foreach (var o in c.Objects)
        {
            sb.Append("---\n");
            if (o.Comment is not null)
            {
                foreach (var line in o.Comment.Split('\n')) sb.Append("# ").Append(line).Append('\n');
            }
            var yaml = KubernetesYaml.Serialize(o.Object).Replace("\r\n", "\n", StringComparison.Ordinal);
            sb.Append(yaml);
            if (!yaml.EndsWith('\n')) sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Every chart in apply order: chart, repository, version, values (sorted).</summary>
    public static string RenderChartsJson(WorkloadPlan plan)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartArray();
            foreach (var c in plan.Components.Where(c => c.Chart is not null))
            {
                var chart = c.Chart!;
                w.WriteStartObject();
                w.WriteString("component", c.Name);
                w.WriteNumber("order", c.Order);
                w.WriteString("release", chart.Name);
                w.WriteString("namespace", chart.Namespace);
                w.WriteString("chart", chart.Chart);
                if (chart.Repository is null) w.WriteNull("repository");
                else w.WriteString("repository", chart.Repository);
                w.WriteString("version", chart.Version);
                w.WriteString("install", chart.Mode == ChartInstallMode.Release ? "helm-release" : "template-apply");
                w.WriteStartArray("dependsOn");
                foreach (var d in chart.DependsOn) w.WriteStringValue(d);
                w.WriteEndArray();
                w.WritePropertyName("values");
                ChartValues.Write(w, chart.Values);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
