using Infra.Core.Spec;

namespace Infra.Cli;

internal static class Summary
{
    public static string Line(ClusterSpec s, string file)
    {
        var workers = s.Workers.Sum(w => w.Count);
        return $"{file}: cluster '{s.Name}' on {s.Target.Name()}, Kubernetes {s.Kubernetes.Version}, " +
            $"{s.ControlPlane.Count} control plane(s), {workers} worker(s) in {s.Workers.Count} pool(s), etcd {s.Etcd.Topology.Name()}";
    }

    /// <summary>"an aws stack", "a gcp stack".</summary>
    public static string Article(Target target) => target.Name()[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? "an" : "a";
}
