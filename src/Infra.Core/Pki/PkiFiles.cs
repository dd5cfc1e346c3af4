using System.Text;
using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Core.Pki;

/// <summary>
/// Where the kept PKI goes on each host. Private keys are <see cref="HostFile.Secret"/> with mode 0600,
/// certificates and public keys 0644.
/// <list type="bullet">
/// <item>Control planes, under <c>/etc/kubernetes/pki</c> (kubeadm's certificatesDir, which then makes the rest):
/// <c>ca.crt</c>, <c>ca.key</c>, <c>front-proxy-ca.crt</c>, <c>front-proxy-ca.key</c>, <c>sa.key</c>, <c>sa.pub</c>,
/// <c>etcd/ca.crt</c>, <c>apiserver-etcd-client.crt</c>, <c>apiserver-etcd-client.key</c>; with stacked etcd also
/// <c>etcd/ca.key</c>, <c>etcd/server.crt|key</c>, <c>etcd/peer.crt|key</c>, <c>etcd/healthcheck-client.crt|key</c>
/// (kubeadm's own names, so it uses them instead of making its own). With external etcd,
/// ClusterConfiguration etcd.external uses <see cref="EtcdCaCert"/>, <see cref="ApiServerEtcdClientCert"/> and
/// <see cref="ApiServerEtcdClientKey"/>; the etcd CA key stays off the control planes.</item>
/// <item>External etcd members (role etcd), under <c>/etc/etcd/pki</c>: <c>ca.crt</c>, <c>server.crt|key</c>,
/// <c>peer.crt|key</c>, and <c>healthcheck-client.crt|key</c> for local <c>etcdctl</c> health checks. The files
/// are root's; an etcd that runs as another user needs them chowned by its step.</item>
/// <item>Every Kubernetes node (control planes and workers): the kubelet serving pair
/// <c>/var/lib/kubelet/pki/kubelet.crt</c> and <c>kubelet.key</c> (KubeletConfiguration tlsCertFile/tlsPrivateKeyFile).
/// Workers get nothing else: <c>kubeadm join</c> writes <c>/etc/kubernetes/pki/ca.crt</c> itself, and its
/// preflight check FileAvailable--etc-kubernetes-pki-ca.crt fails on a worker where that file already exists;
/// the join is pinned to the CA by <see cref="ClusterPki.DiscoveryHash"/>.</item>
/// </list>
/// The tool's own etcd client certificate (<see cref="IssuedNames.InfraEtcdClient"/>) is not placed on any host.
/// </summary>
public static class PkiFiles
{
    public const string KubernetesPkiDir = HostPaths.KubernetesDir + "/pki";
    public const string EtcdPkiDir = "/etc/etcd/pki";
    public const string KubeletPkiDir = "/var/lib/kubelet/pki";

    public const string ClusterCaCert = KubernetesPkiDir + "/ca.crt";
    public const string EtcdCaCert = KubernetesPkiDir + "/etcd/ca.crt";
    public const string ApiServerEtcdClientCert = KubernetesPkiDir + "/apiserver-etcd-client.crt";
    public const string ApiServerEtcdClientKey = KubernetesPkiDir + "/apiserver-etcd-client.key";
    public const string KubeletServingCert = KubeletPkiDir + "/kubelet.crt";
    public const string KubeletServingKey = KubeletPkiDir + "/kubelet.key";

    /// <summary>External etcd members: paths for etcd's --trusted-ca-file, --cert-file, --peer-cert-file, ….</summary>
    public const string ExternalEtcdCaCert = EtcdPkiDir + "/ca.crt";
    public const string ExternalEtcdServerCert = EtcdPkiDir + "/server.crt";
    public const string ExternalEtcdServerKey = EtcdPkiDir + "/server.key";
    public const string ExternalEtcdPeerCert = EtcdPkiDir + "/peer.crt";
    public const string ExternalEtcdPeerKey = EtcdPkiDir + "/peer.key";
    public const string ExternalEtcdHealthcheckCert = EtcdPkiDir + "/healthcheck-client.crt";
    public const string ExternalEtcdHealthcheckKey = EtcdPkiDir + "/healthcheck-client.key";

    public const string PublicMode = "0644";
    public const string SecretMode = "0600";

    /// <summary>
    /// The PKI files <paramref name="host"/> must receive, in a fixed order. Throws when <paramref name="secrets"/>
    /// lacks a certificate the host needs (run <see cref="ClusterPki.Ensure"/> with this host first).
    /// </summary>
    public static IReadOnlyList<HostFile> ForHost(ClusterSpec spec, PlannedHost host, KeptSecrets secrets)
    {
        var files = new List<HostFile>();
        void Public(string path, string content) =>
            files.Add(new HostFile { Path = path, Content = Encoding.UTF8.GetBytes(content), Mode = PublicMode });
        void Secret(string path, string content) =>
            files.Add(new HostFile { Path = path, Content = Encoding.UTF8.GetBytes(content), Mode = SecretMode, Secret = true });
        void Pair(string stem, CertificateAndKey ck)
        {
            Public(stem + ".crt", ck.CertificatePem);
            Secret(stem + ".key", ck.PrivateKeyPem);
        }
        CertificateAndKey Issued(string name) => secrets.Issued.TryGetValue(name, out var ck)
            ? ck
            : throw new InvalidOperationException($"host '{host.Name}': the kept secrets hold no certificate '{name}'; ensure the PKI for this host first");

        const string k = KubernetesPkiDir;
        var stacked = spec.Etcd.Topology == EtcdTopology.Stacked;
        if (host.Has(Roles.ControlPlane))
        {
            Pair(k + "/ca", secrets.ClusterCa);
            Pair(k + "/front-proxy-ca", secrets.FrontProxyCa);
            Secret(k + "/sa.key", secrets.ServiceAccountPrivateKeyPem);
            Public(k + "/sa.pub", secrets.ServiceAccountPublicKeyPem);
            if (stacked)
            {
                Pair(k + "/etcd/ca", secrets.EtcdCa);
                Pair(k + "/etcd/server", Issued(IssuedNames.EtcdServer(host.Name)));
                Pair(k + "/etcd/peer", Issued(IssuedNames.EtcdPeer(host.Name)));
                Pair(k + "/etcd/healthcheck-client", Issued(IssuedNames.EtcdHealthcheckClient));
            }
            else
            {
                Public(EtcdCaCert, secrets.EtcdCa.CertificatePem);
            }
            Pair(k + "/apiserver-etcd-client", Issued(IssuedNames.ApiServerEtcdClient));
        }
        if (host.Has(Roles.Etcd) && !(stacked && host.Has(Roles.ControlPlane)))
        {
            Public(ExternalEtcdCaCert, secrets.EtcdCa.CertificatePem);
            Pair(EtcdPkiDir + "/server", Issued(IssuedNames.EtcdServer(host.Name)));
            Pair(EtcdPkiDir + "/peer", Issued(IssuedNames.EtcdPeer(host.Name)));
            Pair(EtcdPkiDir + "/healthcheck-client", Issued(IssuedNames.EtcdHealthcheckClient));
        }
        if (ClusterPki.IsKubernetesNode(host))
        {
            Pair(KubeletPkiDir + "/kubelet", Issued(IssuedNames.KubeletServing(host.Name)));
        }
        return files;
    }
}
