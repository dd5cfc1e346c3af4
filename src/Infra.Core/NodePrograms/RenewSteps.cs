using System.Globalization;
using Infra.Core.Etcd;
using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.NodePrograms;

/// <summary>
/// The steps of <c>infra certs renew</c> after a host's certificate files are placed again: what uses them restarted,
/// each behind a health gate. All are phase prepare (no node state is recorded by them) and hash the placing step's
/// inputs, so each renewal runs them once and a renewal cut short resumes where it stopped.
/// </summary>
internal static class RenewSteps
{
    /// <summary>Seconds a restarted service has to answer again before the step fails.</summary>
    public const int HealthTimeoutSeconds = 120;

    /// <summary>
    /// The certificates kubeadm issues and <c>kubeadm certs renew</c> renews by name (the renewal manager's list without
    /// etcd's, cmd/kubeadm/app/phases/certs/renewal/manager.go); the tool's own leaves are not among them.
    /// </summary>
    public static readonly string[] KubeadmCertificates = ["apiserver", "apiserver-kubelet-client", "front-proxy-client"];

    /// <summary>The kubeconfigs whose client certificate kubeadm renews (kubelet.conf is the kubelet's own rotation); super-admin.conf only where it exists.</summary>
    public static readonly string[] KubeadmKubeconfigs = ["admin.conf", "super-admin.conf", "controller-manager.conf", "scheduler.conf"];

    /// <summary>The static pods restarted, in this order; etcd.yaml exists with stacked etcd only.</summary>
    public static readonly string[] StaticPods = ["etcd.yaml", "kube-apiserver.yaml", "kube-controller-manager.yaml", "kube-scheduler.yaml"];

    public const string ParkedManifests = HostPaths.JournalDir + "/renew-parked-manifests";
    public static readonly string LocalApiServer = $"https://127.0.0.1:{Endpoint.ApiServerPort}";

    private static ShellSource Sh(string name) => ShellScript.Load(name);

    private static string Timeout => HealthTimeoutSeconds.ToString(CultureInfo.InvariantCulture);

    /// <summary>Restarts the external etcd member once every member is healthy, and waits until they all are again.</summary>
    public static Step EtcdMember(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, PlannedHost host, Step placed)
    {
        // As EtcdPhase.EnvironmentFile listens: peers on the member's IP address, or on every address for a DNS name.
        var self = EtcdMembers.Of(spec, hosts).Single(m => m.Name == host.Name);
        var peerHost = System.Net.IPAddress.TryParse(self.Address, out _) ? PlannedMember.UrlHost(self.Address) : "127.0.0.1";
        var etcd = EtcdCommands.MemberHealthcheck;
        var ctl = etcd.HostCtlWords("3s");
        var localEndpoint = $"https://127.0.0.1:{PlannedMember.ClientPort}";
        var script = ShellScript.Render(new ShellArgs().List("ETCD_CTL", ctl)
            .Set("CLUSTER_ENDPOINTS", string.Join(',', EtcdMembers.Of(spec, hosts).Select(m => m.ClientUrl)))
            .Set("LOCAL_ENDPOINT", localEndpoint).Set("HEALTH_TIMEOUT", Timeout), Sh("renew/etcd-member.sh"));
        var check = ShellScript.Render(new ShellArgs().List("LOCAL_CTL", [.. ctl, $"--endpoints={localEndpoint}"]).Set("SERVER_CERT", PkiFiles.ExternalEtcdServerCert)
            .Set("PEER_CERT", PkiFiles.ExternalEtcdPeerCert).Set("CLIENT_CERT", etcd.Client.CertFile).Set("CLIENT_KEY", etcd.Client.KeyFile)
            .Set("CA_CERT", etcd.Client.CaFile).Set("CLIENT_AT", $"127.0.0.1:{PlannedMember.ClientPort}")
            .Set("PEER_AT", $"{peerHost}:{PlannedMember.PeerPort}"), Sh("renew/etcd-member-check.sh"));
        return Step.Create("renew.etcd-member", Phase.Prepare,
            "Restart the etcd member on its renewed certificates, only with every member healthy, and wait until every member is healthy again",
            script, check, Steps.In(("certificates", placed.InputHash)), OsRelease.All);
    }

    /// <summary>
    /// kubeadm's own certificates renewed, then this control plane's static pods restarted; only when the API servers at
    /// <paramref name="otherApis"/> (the other control planes') answer, its own answering after.
    /// </summary>
    public static Step ControlPlane(Step placed, IReadOnlyList<string> otherApis)
    {
        var args = RestartArgs(StaticPods).List("KUBEADM_CERTS", KubeadmCertificates).List("KUBECONFIGS", KubeadmKubeconfigs)
            .Set("KUBERNETES_DIR", HostPaths.KubernetesDir).List("OTHER_APIS", otherApis);
        var script = ShellScript.Render(args, Sh("static-pods/others-answer.sh"), Sh("renew/control-plane.sh"), Sh("static-pods/restart.sh"));
        return Step.Create("renew.control-plane", Phase.Prepare,
            $"Renew kubeadm's certificates ({string.Join(", ", KubeadmCertificates)} and the kubeconfigs), restart this control plane's static pods one by one, wait for its API server",
            script, RestartedCheck(), Steps.In(("certificates", placed.InputHash)), OsRelease.All);
    }

    /// <summary>
    /// This control plane's static pods <paramref name="manifests"/> restarted one by one (static-pods/restart.sh), only
    /// when the API servers at <paramref name="otherApis"/> (the other control planes') answer, its own answering after;
    /// runs once per <paramref name="placed"/> inputs (the configuration they read).
    /// </summary>
    public static Step RestartStaticPods(string id, string description, IReadOnlyList<string> manifests, IReadOnlyList<string> otherApis, Step placed) =>
        Step.Create(id, Phase.Prepare, description,
            ShellScript.Render(RestartArgs(manifests).List("OTHER_APIS", otherApis), Sh("static-pods/others-answer.sh"), Sh("static-pods/restart.sh")),
            RestartedCheck(), Steps.In(("configuration", placed.InputHash)), OsRelease.All);

    /// <summary>The API servers of the control planes among <paramref name="hosts"/> other than <paramref name="self"/>, as others-answer.sh asks them.</summary>
    public static IReadOnlyList<string> OtherApiServers(IEnumerable<PlannedHost> hosts, PlannedHost self) =>
        [.. hosts.Where(h => h.Has(Roles.ControlPlane) && h.Name != self.Name).Select(ApiServerOf).OfType<string>()];

    /// <summary>The URL of the API server on <paramref name="host"/>'s own address; null when the address is not known yet.</summary>
    public static string? ApiServerOf(PlannedHost host) =>
        KubeadmConfigRenderer.NodeAddress(host) is { } address ? $"https://{PlannedMember.UrlHost(address)}:{Endpoint.ApiServerPort}" : null;

    private static ShellArgs RestartArgs(IReadOnlyList<string> manifests) => new ShellArgs().List("MANIFESTS", manifests)
        .Set("MANIFEST_DIR", HostPaths.ManifestsDir).Set("PARKED_DIR", ParkedManifests).Set("HEALTH_TIMEOUT", Timeout)
        .Set("ADMIN_CONF", HostPaths.AdminConf).Set("LOCAL_API", LocalApiServer);

    private static string RestartedCheck() => ShellScript.Render(new ShellArgs().Set("MANIFEST_DIR", HostPaths.ManifestsDir).Set("PARKED_DIR", ParkedManifests)
        .Set("ADMIN_CONF", HostPaths.AdminConf).Set("LOCAL_API", LocalApiServer), Sh("static-pods/restarted.sh"));

    /// <summary>The kubelet restarted onto its renewed serving certificate.</summary>
    public static Step Kubelet(Step placed)
    {
        var script = ShellScript.Render(new ShellArgs().Set("HEALTH_TIMEOUT", Timeout), Sh("renew/kubelet.sh"));
        return Step.Create("renew.kubelet", Phase.Prepare, "Restart the kubelet on its renewed serving certificate and wait until it is active",
            script, "systemctl is-active --quiet kubelet.service\n", Steps.In(("certificates", placed.InputHash)), OsRelease.All);
    }
}
