using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Infra.Core.Kubeadm;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Core.NodePrograms;

/// <summary>
/// Which kept secrets a host receives and where kubeadm expects them. Adapter until the PKI work's
/// PkiFiles.ForHost and ClusterPki.DiscoveryHash are merged; then it delegates to them.
/// </summary>
internal static class HostPki
{
    /// <summary>
    /// Control planes: the shared CAs and service-account keys (kubeadm creates the rest and no certificate key is
    /// needed for joins). Every node: its kubelet serving certificate. Workers get no ca.crt under the PKI dir:
    /// kubeadm join writes it from discovery and refuses to start if it already exists.
    /// </summary>
    public static IReadOnlyList<HostFile> Files(ClusterSpec spec, PlannedHost host, KeptSecrets s, List<NodeProgramProblem> problems)
    {
        var files = new List<HostFile>();
        void Pair(string certPath, string keyPath, CertificateAndKey ck)
        {
            files.Add(Steps.File(certPath, ck.CertificatePem, "0600"));
            files.Add(Steps.File(keyPath, ck.PrivateKeyPem, "0600", secret: true));
        }
        if (host.Has(Roles.ControlPlane))
        {
            Pair(HostPaths.PkiDir + "/ca.crt", HostPaths.PkiDir + "/ca.key", s.ClusterCa);
            Pair(HostPaths.PkiDir + "/front-proxy-ca.crt", HostPaths.PkiDir + "/front-proxy-ca.key", s.FrontProxyCa);
            files.Add(Steps.File(HostPaths.PkiDir + "/sa.key", s.ServiceAccountPrivateKeyPem, "0600", secret: true));
            files.Add(Steps.File(HostPaths.PkiDir + "/sa.pub", s.ServiceAccountPublicKeyPem, "0600"));
            if (spec.Etcd.Topology == EtcdTopology.Stacked)
            {
                Pair(HostPaths.PkiDir + "/etcd/ca.crt", HostPaths.PkiDir + "/etcd/ca.key", s.EtcdCa);
            }
        }
        if (host.Has(Roles.ControlPlane) || host.Has(Roles.Worker))
        {
            var name = "kubelet-serving/" + host.Name;
            if (s.Issued.TryGetValue(name, out var serving))
            {
                Pair(HostPaths.KubeletServingCert, HostPaths.KubeletServingKey, serving);
            }
            else
            {
                problems.Add(new NodeProgramProblem(host.Name, $"the kept secrets hold no kubelet serving certificate ('{name}'); run 'infra secrets init' or apply to create it"));
            }
        }
        return files;
    }

    /// <summary>kubeadm's discovery pin: "sha256:" + hex SHA-256 of the CA's SubjectPublicKeyInfo (DER).</summary>
    public static string DiscoveryHash(string caCertPem)
    {
        using var cert = X509Certificate2.CreateFromPem(caCertPem);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(cert.PublicKey.ExportSubjectPublicKeyInfo()));
    }
}
