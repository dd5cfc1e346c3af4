using System.Text;

namespace Infra.Core.Planning;

/// <summary>One file of <c>infra plan --out</c>, relative to the output folder.</summary>
public sealed record PlanArtifact(string RelativePath, byte[] Content, bool Secret);

/// <summary>
/// The documented layout of <c>plan --out DIR</c>: plan.json, nodes/&lt;host&gt;/NN-&lt;phase&gt;-&lt;step&gt;.sh,
/// nodes/&lt;host&gt;/kubeadm.yaml, nodes/&lt;host&gt;/&lt;host&gt;.cloud-init.yaml, nodes/&lt;host&gt;/files/… (every other
/// file at its path on the host), pki/ (public parts), manifests/NN-&lt;component&gt;.yaml, charts.json.
/// </summary>
public static class PlanArtifacts
{
    public const string Placeholder = "# placeholder: secret material is written only with --include-secrets\n";

    public static IReadOnlyList<PlanArtifact> Build(ClusterPlan plan, bool includeSecrets)
    {
        var files = new List<PlanArtifact> { Text("plan.json", PlanJson.Render(plan)) };
        foreach (var node in plan.Nodes)
        {
            var dir = $"nodes/{node.Host.Name}";
            for (var i = 0; i < node.Steps.Count; i++)
            {
                var step = node.Steps[i];
                var stepName = step.Id.Contains('.', StringComparison.Ordinal) ? step.Id[(step.Id.IndexOf('.', StringComparison.Ordinal) + 1)..] : step.Id;
                files.Add(Text($"{dir}/{i + 1:D2}-{step.Phase.Name()}-{stepName}.sh", step.Script));
            }
            if (node.KubeadmConfig is not null) files.Add(Text($"{dir}/kubeadm.yaml", node.KubeadmConfig));
            if (node.CloudInit is not null) files.Add(Secret($"{dir}/{node.Host.Name}.cloud-init.yaml", Encoding.UTF8.GetBytes(node.CloudInit), includeSecrets));
            foreach (var f in node.Steps.SelectMany(s => s.Files).DistinctBy(f => f.Path))
            {
                var path = $"{dir}/files{(f.Path.StartsWith('/') ? f.Path : "/" + f.Path)}";
                files.Add(f.Secret ? Secret(path, f.Content, includeSecrets) : new PlanArtifact(path, f.Content, false));
            }
        }
        return [.. files.DistinctBy(f => f.RelativePath).OrderBy(f => f.RelativePath, StringComparer.Ordinal)];
    }

    public static PlanArtifact Text(string path, string text) => new(path, Encoding.UTF8.GetBytes(text), false);

    private static PlanArtifact Secret(string path, byte[] content, bool include) =>
        include ? new PlanArtifact(path, content, true) : new PlanArtifact(path, Encoding.UTF8.GetBytes(Placeholder), false);
}
