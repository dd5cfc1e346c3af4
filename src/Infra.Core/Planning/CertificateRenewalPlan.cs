using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>
/// <c>infra certs renew</c> as waves of the execution model: external etcd members one at a time (each restarted only
/// with every member healthy, done only once all are healthy again), then control planes one at a time (kubeadm's
/// certificates, static pods, kubelet), then the other nodes' kubelets one at a time. A host's program is its own
/// certificate-placing step (prepare.etcd-pki, prepare.pki, as <c>apply</c> has it, so its journal stays current) and
/// the restarts after it; a host runs in the first wave that names it.
/// </summary>
public static class CertificateRenewalPlan
{
    public static readonly string[] PlacingSteps = ["prepare.etcd-pki", "prepare.pki"];

    /// <param name="renewed">The cluster planned from the renewed kept secrets.</param>
    /// <param name="only">Hosts to renew; empty: all.</param>
    public static ClusterPlan For(ClusterPlan renewed, IReadOnlyCollection<string> only)
    {
        var spec = renewed.Spec;
        var selected = renewed.Nodes.Where(n => only.Count == 0 || only.Contains(n.Host.Name)).ToList();
        var programs = new List<NodeProgram>();
        foreach (var node in selected)
        {
            var steps = node.Steps.Where(s => PlacingSteps.Contains(s.Id)).SelectMany(placed => (IEnumerable<Step>)[placed, .. Restarts(spec, renewed.Hosts, node.Host, placed)]).ToList();
            if (steps.Count > 0) programs.Add(node with { Steps = steps });
        }
        var hosts = programs.Select(p => p.Host).ToList();
        var waves = new List<ExecutionWave>();
        var placedHosts = new HashSet<string>(StringComparer.Ordinal);
        void Wave(string title, Func<PlannedHost, bool> which)
        {
            var wave = hosts.Where(h => which(h) && placedHosts.Add(h.Name)).ToList();
            if (wave.Count > 0) waves.Add(new ExecutionWave { Phase = Phase.Prepare, Title = title, Hosts = wave, Pacing = WavePacing.OneAtATime });
        }
        Wave("renew etcd members' certificates, each member healthy before the next", h => programs.Single(p => p.Host == h).Steps.Any(s => s.Id == "renew.etcd-member"));
        Wave("renew control planes' certificates, static pods restarted", h => h.Has(Roles.ControlPlane));
        Wave("renew kubelet serving certificates", _ => true);
        return renewed with
        {
            Hosts = renewed.Hosts,
            Nodes = programs,
            Execution = new ExecutionPlan { Waves = waves, ResetWaves = [] },
        };
    }

    /// <summary>
    /// What restarts the users of <paramref name="node"/>'s certificates once its placing steps placed new ones, in order
    /// (the Pulumi provider runs them after a node's Update placed renewed certificates; the component orders the nodes).
    /// </summary>
    public static IReadOnlyList<Step> RestartsOf(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, NodeProgram node) =>
        [.. node.Steps.Where(s => PlacingSteps.Contains(s.Id)).SelectMany(placed => Restarts(spec, hosts, node.Host, placed))];

    private static IEnumerable<Step> Restarts(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, PlannedHost host, Step placed)
    {
        if (placed.Id == "prepare.etcd-pki") yield return RenewSteps.EtcdMember(spec, hosts, host, placed);
        if (placed.Id != "prepare.pki") yield break;
        if (host.Has(Roles.ControlPlane)) yield return RenewSteps.ControlPlane(placed, RenewSteps.OtherApiServers(hosts, host));
        yield return RenewSteps.Kubelet(placed);
    }
}
