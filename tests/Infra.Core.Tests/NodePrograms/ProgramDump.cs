using System.Security.Cryptography;
using System.Text;
using Infra.Core.Model;
using Infra.Core.NodePrograms;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>
/// A readable text form of node programs for golden files: per host the kubeadm file, the user data and the steps;
/// scripts and non-secret file contents once each by hash; secret contents only by hash.
/// </summary>
internal static class ProgramDump
{
    public static string Render(IReadOnlyList<NodeProgram> programs)
    {
        var sb = new StringBuilder();
        var texts = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string Ref(string text)
        {
            var h = Hash(Encoding.UTF8.GetBytes(text))[..12];
            texts[h] = text;
            return h;
        }
        foreach (var p in programs)
        {
            var h = p.Host;
            sb.Append("## host ").Append(h.Name).Append(" [").Append(string.Join(",", h.Roles)).Append("] ")
              .Append(h.Os).Append(' ').Append(h.Address ?? "(address from the cloud)").Append('\n');
            if (p.KubeadmConfig is not null) sb.Append("### kubeadm.yaml\n").Append(p.KubeadmConfig);
            if (p.CloudInit is not null) sb.Append("### cloud-init\n").Append(p.CloudInit);
            sb.Append("### steps\n");
            foreach (var s in p.Steps)
            {
                sb.Append("- ").Append(s.Id).Append(" (").Append(s.Phase.Name()).Append(") ").Append(s.Description).Append('\n');
                sb.Append("  os: ").Append(string.Join(",", s.Os)).Append('\n');
                sb.Append("  input-hash: ").Append(s.InputHash).Append('\n');
                foreach (var (k, v) in s.Inputs) sb.Append("  input ").Append(k).Append(": ").Append(v).Append('\n');
                if (s.RuntimeInputs.Count > 0) sb.Append("  runtime: ").Append(string.Join(",", s.RuntimeInputs)).Append('\n');
                foreach (var f in s.Files)
                {
                    sb.Append("  file ").Append(f.Path).Append(' ').Append(f.Mode);
                    sb.Append(f.Secret ? " secret sha256:" + Hash(f.Content) : " content:" + Ref(Encoding.UTF8.GetString(f.Content)));
                    sb.Append('\n');
                }
                foreach (var b in s.BundleUploads) sb.Append("  bundle ").Append(b.Name).Append(" -> ").Append(b.Path).Append('\n');
                sb.Append("  script: ").Append(Ref(s.Script)).Append('\n');
                if (s.Check is not null) sb.Append("  check: ").Append(Ref(s.Check)).Append('\n');
            }
        }
        sb.Append("## texts\n");
        foreach (var (h, t) in texts) sb.Append("### ").Append(h).Append('\n').Append(t).Append(t.EndsWith('\n') ? "" : "\n");
        return sb.ToString();
    }

    private static string Hash(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));
}

internal static class TestBundle
{
    /// <summary>Every file the bundle source needs, with made-up checksums.</summary>
    public static BundleManifest Complete(ComponentVersions v, params string[] without) => new()
    {
        Files = [.. BundleManifest.Required(v)
            .Where(r => !without.Contains(r.Name))
            .Select((r, i) => new BundleFile { Name = r.Name, Sha256 = new string((char)('a' + i), 64), Size = 1000 + i })],
    };

    /// <summary><see cref="Complete"/>, and for external etcd the etcd release with its real checksum (the builder checks it).</summary>
    public static BundleManifest For(Core.Spec.ClusterSpec spec, params string[] without)
    {
        var complete = Complete(ComponentVersions.For(spec.Kubernetes.Version)!, without);
        var etcd = Core.Etcd.EtcdRelease.For(spec.Kubernetes.Version)!;
        return spec.Etcd.Topology != Core.Spec.EtcdTopology.External || without.Contains(etcd.Archive)
            ? complete
            : complete with { Files = [.. complete.Files, new BundleFile { Name = etcd.Archive, Sha256 = etcd.Sha256, Size = 1 << 20 }] };
    }
}
