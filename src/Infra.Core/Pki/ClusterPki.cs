using System.Net;
using System.Security.Cryptography;
using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Core.Pki;

/// <summary>Names of the leaf certificates in <see cref="KeptSecrets.Issued"/>.</summary>
public static class IssuedNames
{
    /// <summary>Client certificate of kubeadm's etcd health checks (CN kube-etcd-healthcheck-client, etcd CA).</summary>
    public const string EtcdHealthcheckClient = "etcd-healthcheck-client";
    /// <summary>The API server's etcd client certificate (CN kube-apiserver-etcd-client, etcd CA).</summary>
    public const string ApiServerEtcdClient = "apiserver-etcd-client";
    /// <summary>The tool's own etcd client certificate (CN infra, etcd CA), for membership changes and snapshots.</summary>
    public const string InfraEtcdClient = "infra-etcd-client";

    /// <summary>etcd serving certificate of a member (CN = host name, server and client auth).</summary>
    public static string EtcdServer(string host) => "etcd-server/" + host;
    /// <summary>etcd peer certificate of a member (CN = host name, server and client auth).</summary>
    public static string EtcdPeer(string host) => "etcd-peer/" + host;
    /// <summary>Kubelet serving certificate of a node (CN system:node:&lt;host&gt;, O system:nodes, cluster CA).</summary>
    public static string KubeletServing(string host) => "kubelet-serving/" + host;
}

public enum PkiChangeKind { Created, Reissued }

/// <summary>One thing <see cref="ClusterPki.EnsureWithChanges"/> made; <see cref="Reason"/> never holds key material.</summary>
public sealed record PkiChange(string Name, PkiChangeKind Kind, string Reason);

/// <summary>The kept secrets after <see cref="ClusterPki.EnsureWithChanges"/> and what it had to create or re-issue.</summary>
public sealed record PkiEnsureResult
{
    public required KeptSecrets Secrets { get; init; }
    /// <summary>In the order made; empty when everything already existed and still fits the hosts.</summary>
    public required IReadOnlyList<PkiChange> Changes { get; init; }
}

/// <summary>
/// The cluster's PKI, made by the tool rather than by kubeadm: three CAs, the service-account key pair, the
/// secrets-encryption key, etcd and kubelet serving certificates, and SSH host keys for cloud VMs. Keys are
/// ECDSA P-256 (<see cref="EncryptionAlgorithm"/>); certificates follow kubeadm's profiles (CN, EKUs, SANs,
/// lifetimes). The only randomness of Infra.Core lives here; everything made is kept and never re-made.
/// </summary>
public static class ClusterPki
{
    /// <summary>The value of ClusterConfiguration.encryptionAlgorithm (kubeadm v1beta4) matching these keys.</summary>
    public const string EncryptionAlgorithm = "ECDSA-P256";

    /// <summary>CNs of the CAs, as kubeadm names them.</summary>
    public const string ClusterCaName = "kubernetes";
    public const string FrontProxyCaName = "front-proxy-ca";
    public const string EtcdCaName = "etcd-ca";

    /// <summary>kubeadm's CertificateValidityPeriod (365 days) and CACertificateValidityPeriod (10 × 365 days).</summary>
    public static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(365);
    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);

    /// <summary>
    /// notBefore is set this far before <c>now</c>, as kubeadm's CertificateBackdate does: the certificates are
    /// made on the workstation and used on hosts whose clocks may be a little behind.
    /// </summary>
    public static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    /// <summary>Creates what is missing and keeps what exists; see <see cref="EnsureWithChanges"/>.</summary>
    public static KeptSecrets Ensure(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, KeptSecrets? existing, DateTimeOffset now) =>
        EnsureWithChanges(spec, hosts, existing, now).Secrets;

    /// <summary>
    /// Creates every secret the hosts need that <paramref name="existing"/> lacks and keeps everything it has
    /// (also material of hosts no longer planned). A stored host certificate is re-issued only when its SANs no
    /// longer match the host's current name and addresses, and then for that host only. <paramref name="now"/>
    /// fixes the validity periods of what is made.
    /// </summary>
    /// <param name="renew">Leaf names (<see cref="IssuedNames"/>) to re-issue although kept: renewal, with a new key, serial and validity.</param>
    public static PkiEnsureResult EnsureWithChanges(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, KeptSecrets? existing, DateTimeOffset now,
        IReadOnlySet<string>? renew = null)
    {
        foreach (var h in hosts)
        {
            // Host names become file names of the secrets folder and CNs: reject anything else early.
            if (!Names.IsDnsName(h.Name) || h.Name.Any(char.IsAsciiLetterUpper))
                throw new ArgumentException($"host '{h.Name}': a host name must be a lower-case DNS name to get certificates", nameof(hosts));
        }
        var duplicate = hosts.GroupBy(h => h.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"host '{duplicate.Key}' is listed twice", nameof(hosts));

        // Whole seconds: what a certificate can hold, so that callers can compare.
        now = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var notBefore = now - Backdate;
        var changes = new List<PkiChange>();
        void Created(string name, string reason) => changes.Add(new PkiChange(name, PkiChangeKind.Created, reason));
        bool Renewed(string name, CertificateAndKey kept)
        {
            if (renew?.Contains(name) != true) return false;
            using var old = Certificates.Load(kept.CertificatePem);
            changes.Add(new PkiChange(name, PkiChangeKind.Reissued, $"renewed: was valid until {old.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC"));
            return true;
        }

        CertificateAndKey Ca(CertificateAndKey? kept, string cn, string what)
        {
            if (kept is not null) return kept;
            Created(cn, what);
            return Certificates.NewCa(cn, notBefore, now + CaLifetime);
        }
        var clusterCa = Ca(existing?.ClusterCa, ClusterCaName, "cluster CA");
        var frontProxyCa = Ca(existing?.FrontProxyCa, FrontProxyCaName, "front-proxy CA");
        var etcdCa = Ca(existing?.EtcdCa, EtcdCaName, "etcd CA");

        var saPrivate = existing?.ServiceAccountPrivateKeyPem;
        var saPublic = existing?.ServiceAccountPublicKeyPem;
        if (saPrivate is null || saPublic is null)
        {
            using var sa = Certificates.NewKey();
            saPrivate = Certificates.KeyPem(sa);
            saPublic = sa.ExportSubjectPublicKeyInfoPem() + "\n";
            Created("service-account-key", "service-account signing key pair (sa.key, sa.pub)");
        }

        var encryptionKey = existing?.EncryptionKey;
        if (encryptionKey is null)
        {
            encryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            Created("encryption-key", "secrets-encryption key (32 bytes)");
        }

        var issued = new SortedDictionary<string, CertificateAndKey>(StringComparer.Ordinal);
        foreach (var (name, cert) in existing?.Issued ?? new Dictionary<string, CertificateAndKey>()) issued[name] = cert;

        using (var etcdSigner = new CaSigner(etcdCa, "etcd CA"))
        using (var clusterSigner = new CaSigner(clusterCa, "cluster CA"))
        {
            void Client(string name, string cn)
            {
                var renewing = issued.TryGetValue(name, out var kept) && Renewed(name, kept);
                if (kept is not null && !renewing) return;
                issued[name] = Certificates.Issue(etcdSigner, new CertificateProfile { CommonName = cn, ServerAuth = false, ClientAuth = true },
                    notBefore, now + LeafLifetime);
                if (!renewing) Created(name, $"etcd client certificate (CN {cn})");
            }
            Client(IssuedNames.EtcdHealthcheckClient, "kube-etcd-healthcheck-client");
            Client(IssuedNames.ApiServerEtcdClient, "kube-apiserver-etcd-client");
            Client(IssuedNames.InfraEtcdClient, "infra");

            void HostCert(string name, CaSigner ca, CertificateProfile profile)
            {
                var want = profile.AltNames!;
                if (issued.TryGetValue(name, out var kept))
                {
                    using var cert = Certificates.Load(kept.CertificatePem);
                    var has = Certificates.AltNamesOf(cert);
                    if (has.SetEquals(want))
                    {
                        if (Renewed(name, kept)) issued[name] = Certificates.Issue(ca, profile, notBefore, now + LeafLifetime);
                        return;
                    }
                    issued[name] = Certificates.Issue(ca, profile, notBefore, now + LeafLifetime);
                    changes.Add(new PkiChange(name, PkiChangeKind.Reissued, $"SANs were [{has}], the host now needs [{want}]"));
                    return;
                }
                issued[name] = Certificates.Issue(ca, profile, notBefore, now + LeafLifetime);
                Created(name, $"[{want}]");
            }

            foreach (var host in hosts)
            {
                var (dns, ips) = AddressNames(host);
                if (IsEtcdMember(spec, host))
                {
                    var sans = new SubjectAltNames([host.Name, "localhost", .. dns], [.. ips, IPAddress.Loopback, IPAddress.IPv6Loopback]);
                    var profile = new CertificateProfile { CommonName = host.Name, ServerAuth = true, ClientAuth = true, AltNames = sans };
                    HostCert(IssuedNames.EtcdServer(host.Name), etcdSigner, profile);
                    HostCert(IssuedNames.EtcdPeer(host.Name), etcdSigner, profile);
                }
                if (IsKubernetesNode(host))
                {
                    HostCert(IssuedNames.KubeletServing(host.Name), clusterSigner, new CertificateProfile
                    {
                        CommonName = "system:node:" + host.Name,
                        Organization = "system:nodes",
                        ServerAuth = true,
                        ClientAuth = false,
                        AltNames = new SubjectAltNames([host.Name, .. dns], ips),
                    });
                }
            }
        }

        var hostKeys = new SortedDictionary<string, SshHostKey>(StringComparer.Ordinal);
        foreach (var (name, key) in existing?.HostKeys ?? new Dictionary<string, SshHostKey>()) hostKeys[name] = key;
        foreach (var host in hosts)
        {
            // Hosts without a pinned key are cloud VMs: the tool makes their key so it is pinned before they boot.
            if (host.HostKey is not null || hostKeys.ContainsKey(host.Name)) continue;
            hostKeys[host.Name] = OpenSshKeys.NewEd25519(host.Name);
            Created("ssh-host-key/" + host.Name, "ed25519 SSH host key");
        }

        // A cloud stack without ssh.adminPublicKey gets an admin key from the tool; once made it is kept.
        var adminKey = existing?.AdminKey;
        if (adminKey is null && spec.Target != Target.Baremetal && spec.Ssh.AdminPublicKey is null)
        {
            adminKey = OpenSshKeys.NewEd25519($"infra-admin@{spec.Name}");
            Created("ssh-admin-key", "ed25519 admin SSH key (the stack names no ssh.adminPublicKey)");
        }

        return new PkiEnsureResult
        {
            Secrets = new KeptSecrets
            {
                ClusterCa = clusterCa,
                FrontProxyCa = frontProxyCa,
                EtcdCa = etcdCa,
                ServiceAccountPrivateKeyPem = saPrivate,
                ServiceAccountPublicKeyPem = saPublic,
                EncryptionKey = encryptionKey,
                EncryptionKeyName = existing?.EncryptionKeyName ?? NamedEncryptionKey.FirstName,
                SecondEncryptionKey = existing?.SecondEncryptionKey,
                Issued = issued,
                HostKeys = hostKeys,
                AdminKey = adminKey,
                AlertReceivers = existing?.AlertReceivers ?? new Dictionary<string, string>(),
            },
            Changes = changes,
        };
    }

    /// <summary>
    /// kubeadm's <c>--discovery-token-ca-cert-hash</c> (and JoinConfiguration caCertHashes) for a CA:
    /// <c>sha256:</c> and the lower-case hex SHA-256 of the certificate's DER SubjectPublicKeyInfo.
    /// </summary>
    public static string DiscoveryHash(string caCertPem)
    {
        using var cert = Certificates.Load(caCertPem);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(cert.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>Does the host run an etcd member: role etcd, or a control plane when etcd is stacked.</summary>
    public static bool IsEtcdMember(ClusterSpec spec, PlannedHost host) =>
        host.Has(Roles.Etcd) || (spec.Etcd.Topology == EtcdTopology.Stacked && host.Has(Roles.ControlPlane));

    /// <summary>Does the host run a kubelet (control planes and workers).</summary>
    public static bool IsKubernetesNode(PlannedHost host) => host.Has(Roles.ControlPlane) || host.Has(Roles.Worker);

    /// <summary>The host's SSH and internal addresses, split into IPs and DNS names (a bare-metal address may be a name).</summary>
    private static (IReadOnlyList<string> Dns, IReadOnlyList<IPAddress> Ips) AddressNames(PlannedHost host)
    {
        var dns = new List<string>();
        var ips = new List<IPAddress>();
        foreach (var a in new[] { host.Address, host.InternalAddress })
        {
            if (string.IsNullOrEmpty(a)) continue;
            if (IPAddress.TryParse(a, out var ip)) ips.Add(ip);
            else dns.Add(a.ToLowerInvariant());
        }
        return (dns, ips);
    }
}
