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
        files.AddRange(PublicPki(plan));
        foreach (var (name, yaml) in Workloads.WorkloadRenderer.RenderManifests(plan.Workloads)) files.Add(Text($"manifests/{name}", yaml));
        files.Add(Text("charts.json", Workloads.WorkloadRenderer.RenderChartsJson(plan.Workloads)));
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

    /// <summary>pki/: the public parts only (CA certificates, the service-account public key, the discovery hash).</summary>
    private static IEnumerable<PlanArtifact> PublicPki(ClusterPlan plan)
    {
        if (plan.Secrets is not { } s)
        {
            yield return Text("pki/README", "placeholder: no kept secrets were given; 'infra secrets init' creates them\n");
            yield break;
        }
        yield return Text("pki/ca.crt", s.ClusterCa.CertificatePem);
        yield return Text("pki/front-proxy-ca.crt", s.FrontProxyCa.CertificatePem);
        yield return Text("pki/etcd/ca.crt", s.EtcdCa.CertificatePem);
        yield return Text("pki/sa.pub", s.ServiceAccountPublicKeyPem);
        yield return Text("pki/discovery-hash", Pki.ClusterPki.DiscoveryHash(s.ClusterCa.CertificatePem) + "\n");
    }

    public static PlanArtifact Text(string path, string text) => new(path, Encoding.UTF8.GetBytes(text), false);

    private static PlanArtifact Secret(string path, byte[] content, bool include) =>
        include ? new PlanArtifact(path, content, true) : new PlanArtifact(path, Encoding.UTF8.GetBytes(Placeholder), false);
}
