using System.Text;
using System.Text.RegularExpressions;
using Infra.Core.Model;

namespace Infra.Core.Planning;

/// <summary>One file of <c>infra plan --out</c>, relative to the output folder.</summary>
public sealed record PlanArtifact(string RelativePath, byte[] Content, bool Secret);

/// <summary>
/// The documented layout of <c>plan --out DIR</c>: plan.json, nodes/&lt;host&gt;/NN-&lt;phase&gt;-&lt;step&gt;.sh,
/// nodes/&lt;host&gt;/kubeadm.yaml, nodes/&lt;host&gt;/&lt;host&gt;.cloud-init.yaml, nodes/&lt;host&gt;/files/… (every other
/// file at its path on the host), pki/ (public parts), manifests/NN-&lt;component&gt;.yaml, charts.json, and for clouds
/// infrastructure.json (networks, firewall rules, load balancer, VMs).
/// Scripts start with <see cref="Shebang"/> so they run and lint as files. Without secrets included, files that hold
/// secrets are written whole with only the secret values masked (<see cref="SecretMask"/>).
/// </summary>
public static class PlanArtifacts
{
    /// <summary>
    /// First line of every script file. Only the written files carry it: the engine pipes a step's script to bash,
    /// and the step's hash (what hosts have recorded) stays that of the script without it.
    /// </summary>
    public const string Shebang = "#!/usr/bin/env bash\n";

    public static IReadOnlyList<PlanArtifact> Build(ClusterPlan plan, bool includeSecrets)
    {
        // Throwaway secrets are never worth writing: they are masked like kept ones.
        includeSecrets &= !plan.SecretsArePlaceholders;
        var mask = new SecretMask(plan.SecretMaterial);
        var files = new List<PlanArtifact> { Text("plan.json", PlanJson.Render(plan)) };
        files.AddRange(PublicPki(plan));
        foreach (var (name, yaml) in Workloads.WorkloadRenderer.RenderManifests(plan.Workloads)) files.Add(Text($"manifests/{name}", yaml));
        files.Add(Text("charts.json", Workloads.WorkloadRenderer.RenderChartsJson(plan.Workloads)));
        if (plan.Infrastructure is { } infrastructure) files.Add(Text("infrastructure.json", Infrastructure.InfrastructurePlanJson.Serialize(infrastructure)));
        foreach (var node in plan.Nodes)
        {
            var dir = $"nodes/{node.Host.Name}";
            for (var i = 0; i < node.Steps.Count; i++)
            {
                var step = node.Steps[i];
                var stepName = step.Id.Contains('.', StringComparison.Ordinal) ? step.Id[(step.Id.IndexOf('.', StringComparison.Ordinal) + 1)..] : step.Id;
                files.Add(Text($"{dir}/{i + 1:D2}-{step.Phase.Name()}-{stepName}.sh", WithShebang(step.Script)));
            }
            if (node.KubeadmConfig is not null) files.Add(Text($"{dir}/kubeadm.yaml", node.KubeadmConfig));
            if (node.CloudInit is not null) files.Add(Secret($"{dir}/{node.Host.Name}.cloud-init.yaml", Encoding.UTF8.GetBytes(node.CloudInit), includeSecrets, mask));
            foreach (var f in node.Steps.SelectMany(s => s.Files).DistinctBy(f => f.Path))
            {
                var path = $"{dir}/files{(f.Path.StartsWith('/') ? f.Path : "/" + f.Path)}";
                files.Add(f.Secret ? Secret(path, f.Content, includeSecrets, mask) : new PlanArtifact(path, f.Content, false));
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

    private static string WithShebang(string script) => script.StartsWith("#!", StringComparison.Ordinal) ? script : Shebang + script;

    private static PlanArtifact Secret(string path, byte[] content, bool include, SecretMask mask) =>
        include ? new PlanArtifact(path, content, true) : new PlanArtifact(path, mask.Apply(content), false);
}

/// <summary>
/// Masks the secret values in a file and keeps everything else, so the file can be reviewed, diffed and checked by
/// its validator: the body of every PEM or OpenSSH private key (at any indentation, as in a YAML block) becomes
/// <see cref="PrivateKeyBody"/>, the encryption key becomes <see cref="EncryptionKey"/>, an alert receiver's secret (the
/// base64 of a Secret's data) becomes <see cref="AlertReceiver"/>. The masks are constant, so two
/// plans with the same kept secrets are byte-identical.
/// </summary>
public sealed partial class SecretMask(Pki.KeptSecrets secrets)
{
    /// <summary>The one line left between a masked private key's BEGIN and END lines.</summary>
    public const string PrivateKeyBody = "MASKED";

    /// <summary>Stands for the secrets-encryption key: still 32 bytes in base64 (as the API server demands), plainly not a key.</summary>
    public const string EncryptionKey = "MASKED+ENCRYPTION+KEY+MASKED+ENCRYPTION+KEY=";

    /// <summary>Stands for an alert receiver's secret: base64 (of "MASKED"), as a Secret's data must be.</summary>
    public const string AlertReceiver = "TUFTS0VE";

    public byte[] Apply(byte[] content)
    {
        var text = Encoding.UTF8.GetString(content);
        text = PrivateKeyBlock().Replace(text, m => $"{m.Groups["indent"].Value}-----BEGIN {m.Groups["kind"].Value}-----\n" +
            $"{m.Groups["indent"].Value}{PrivateKeyBody}\n{m.Groups["indent"].Value}-----END {m.Groups["kind"].Value}-----");
        foreach (var key in secrets.EncryptionKeys) text = text.Replace(key.Secret, EncryptionKey, StringComparison.Ordinal);
        foreach (var value in secrets.AlertReceivers.Values) text = text.Replace(Convert.ToBase64String(Encoding.UTF8.GetBytes(value)), AlertReceiver, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text);
    }

    [GeneratedRegex(@"^(?<indent>[ \t]*)-----BEGIN (?<kind>[A-Z0-9 ]*PRIVATE KEY)-----\r?\n(?:\k<indent>[^\r\n-][^\r\n]*\r?\n)*?\k<indent>-----END \k<kind>-----", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex PrivateKeyBlock();
}
