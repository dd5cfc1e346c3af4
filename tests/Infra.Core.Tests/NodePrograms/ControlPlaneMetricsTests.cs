using System.Text;
using System.Text.Json;
using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Spec;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>
/// Issue 15: every control-plane metrics endpoint listens on the node's address, checked in what the tool renders.
/// Upstream (kubernetes/kubernetes, cmd/kubeadm, read through the code index; the v1.34–1.36 tags themselves were not
/// fetchable): staticpod/utils.go GetControllerManagerProbeAddress / GetSchedulerProbeAddress probe 127.0.0.1 unless
/// bind-address is in ClusterConfiguration's extraArgs; phases/controlplane/manifests.go sets LivenessProbe and
/// StartupProbe with that host on both; phases/etcd/local.go defaults listen-metrics-urls to http://127.0.0.1:2381 and
/// GetEtcdProbeEndpoint probes the first URL; kubeadm's --patches / patches.directory takes files
/// "target[suffix][+patchtype].extension" with targets kube-controller-manager, kube-scheduler, etcd.
/// </summary>
public class ControlPlaneMetricsTests
{
    private static IReadOnlyList<NodeProgram> Build(ClusterSpec spec)
    {
        var (hosts, secrets) = Clusters.Inputs(spec);
        return NodeProgramBuilder.Build(spec, hosts, secrets);
    }

    private static string Text(HostFile f) => Encoding.UTF8.GetString(f.Content);

    private static Dictionary<string, string> Patches(NodeProgram p) =>
        p.Steps.Single(s => s.Id == "prepare.kubeadm-config").Files
            .Where(f => f.Path.StartsWith(HostPaths.KubeadmPatchesDir + "/", StringComparison.Ordinal))
            .ToDictionary(f => f.Path[(HostPaths.KubeadmPatchesDir.Length + 1)..], Text);

    private static List<(string Op, string Path, string Value)> Ops(string json) =>
        [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e =>
            (e.GetProperty("op").GetString()!, e.GetProperty("path").GetString()!, e.GetProperty("value").GetString()!))];

    private static string? PatchesDirectory(NodeProgram p) =>
        KubeYaml.DecodeAllStrict(p.KubeadmConfig!, new Dictionary<(string, string), Type>
        {
            [(KubeadmApiVersions.Kubeadm, InitConfiguration.KindName)] = typeof(InitConfiguration),
            [(KubeadmApiVersions.Kubeadm, ClusterConfiguration.KindName)] = typeof(ClusterConfiguration),
            [(KubeadmApiVersions.Kubeadm, JoinConfiguration.KindName)] = typeof(JoinConfiguration),
            [(KubeadmApiVersions.Kubelet, KubeletConfiguration.KindName)] = typeof(KubeletConfiguration),
            [(KubeadmApiVersions.KubeProxy, KubeProxyConfiguration.KindName)] = typeof(KubeProxyConfiguration),
        }).Select(d => d switch
        {
            InitConfiguration i => i.Patches?.Directory,
            JoinConfiguration j => j.Patches?.Directory,
            _ => null,
        }).SingleOrDefault(d => d is not null);

    [Fact]
    [Trait("Item", "15.2")]
    public void Build_ControlPlanes_ControllerManagerAndSchedulerBindToTheNodeAddressWithTheirProbes()
    {
        var programs = Build(Clusters.BareMetalHaKubeVip());

        var controlPlanes = programs.Where(p => p.Host.Has(Roles.ControlPlane)).ToList();
        Assert.Equal(3, controlPlanes.Count);
        foreach (var p in controlPlanes)
        {
            var ip = p.Host.InternalAddress ?? p.Host.Address;
            Assert.Equal(HostPaths.KubeadmPatchesDir, PatchesDirectory(p));
            var patches = Patches(p);
            foreach (var target in new[] { "kube-controller-manager+json.json", "kube-scheduler+json.json" })
            {
                Assert.Equal(
                    [
                        ("add", "/spec/containers/0/command/-", "--bind-address=" + ip),
                        ("add", "/spec/containers/0/livenessProbe/httpGet/host", ip),
                        ("add", "/spec/containers/0/startupProbe/httpGet/host", ip),
                    ],
                    Ops(patches[target]));
            }
            // Nothing else on 0.0.0.0: the ClusterConfiguration (shared by every node) keeps kubeadm's defaults.
            Assert.DoesNotContain("bind-address", p.KubeadmConfig!, StringComparison.Ordinal);
        }
        Assert.All(programs.Where(p => !p.Host.Has(Roles.ControlPlane)), p =>
        {
            Assert.Empty(Patches(p));
            Assert.Null(PatchesDirectory(p));
        });
    }

    [Fact]
    [Trait("Item", "15.2")]
    public void Build_StackedEtcd_MetricsListenerOnLoopbackFirstThenTheNodeAddress()
    {
        foreach (var p in Build(Clusters.BareMetalHaKubeVip()).Where(p => p.Host.Has(Roles.ControlPlane)))
        {
            var ip = p.Host.InternalAddress ?? p.Host.Address;
            // Loopback first: kubeadm's etcd probes read the first URL of listen-metrics-urls.
            Assert.Equal([("add", "/spec/containers/0/command/-", $"--listen-metrics-urls=http://127.0.0.1:2381,http://{ip}:2381")],
                Ops(Patches(p)["etcd+json.json"]));
        }
    }

    [Fact]
    [Trait("Item", "15.2")]
    public void Build_ExternalEtcd_MembersServeMetricsOnTheirAddressAndControlPlanesPatchNoEtcd()
    {
        var programs = Build(Clusters.BareMetalExternalEtcd());

        foreach (var member in programs.Where(p => EtcdPhase.IsExternalMember(Clusters.BareMetalExternalEtcd(), p.Host)))
        {
            var env = Text(member.Steps.Single(s => s.Id == "etcd.member").Files.Single());
            var ip = member.Host.InternalAddress ?? member.Host.Address;
            Assert.Contains($"ETCD_LISTEN_METRICS_URLS=http://127.0.0.1:2381,http://{ip}:2381\n", env, StringComparison.Ordinal);
        }
        Assert.All(programs.Where(p => p.Host.Has(Roles.ControlPlane)), p => Assert.False(Patches(p).ContainsKey("etcd+json.json")));
    }

    [Fact]
    [Trait("Item", "15.2")]
    public void Patches_Ipv6Address_EtcdUrlBracketed()
    {
        var host = new PlannedHost { Name = "cp", Address = "2001:db8::5", Port = 22, User = "root", HostKey = null, Roles = [Roles.ControlPlane], Os = OsFamily.Debian12 };

        var etcd = ControlPlaneMetrics.Patches(host, stackedEtcd: true).Single(p => p.FileName == "etcd+json.json");

        Assert.Contains("http://[2001:db8::5]:2381", Ops(etcd.Content)[0].Value, StringComparison.Ordinal);
    }

    /// <summary>
    /// kubernetes/kubernetes pkg/proxy/apis/config/types.go: "metricsBindAddress is the IP address and port for the metrics
    /// server to serve on, defaulting to 127.0.0.1:10249 (set to 0.0.0.0 for all interfaces)"; kube-proxy's configuration
    /// is one ConfigMap for every node, so it cannot carry each node's address (the cloud firewalls limit the port to the nodes).
    /// </summary>
    [Fact]
    [Trait("Item", "15.2")]
    public void KubeProxy_MetricsBindAddress_AllInterfacesPort10249()
    {
        Assert.Equal("0.0.0.0:10249", KubeadmConfigRenderer.KubeProxy(Clusters.BareMetalSingle()).MetricsBindAddress);
    }
}
