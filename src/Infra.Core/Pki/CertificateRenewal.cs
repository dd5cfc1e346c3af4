using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Core.Pki;

/// <summary>A kept leaf certificate and when it expires.</summary>
public sealed record KeptLeaf(string Name, DateTimeOffset NotAfter);

/// <summary>
/// Which of the tool's leaf certificates (<see cref="IssuedNames"/>) a renewal re-issues, and which are due. The CAs
/// are never renewed here: rotating a CA is a procedure of its own (README, Keeping a cluster healthy), refused rather
/// than improvised.
/// </summary>
public static class CertificateRenewal
{
    public const string CaRotationRefused =
        "CA rotation is not automated: a new cluster or etcd CA must first be trusted next to the old one on every host, " +
        "then every leaf re-issued from it, then the old one dropped; follow the manual procedure in README (Keeping a cluster healthy, Rotating a CA)";

    /// <summary>
    /// The leaves of <paramref name="hosts"/> (those named in <paramref name="only"/>, or all when it is empty): etcd
    /// server and peer certificates of etcd members, kubelet serving certificates of nodes. The client certificates
    /// that several hosts share (etcd health check, apiserver-etcd-client, the tool's own) are renewed only with every
    /// host, so that no host is left holding a copy the kept secrets no longer have.
    /// </summary>
    public static IReadOnlyList<string> Leaves(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, IReadOnlyCollection<string> only)
    {
        var names = new List<string>();
        if (only.Count == 0) names.AddRange([IssuedNames.EtcdHealthcheckClient, IssuedNames.ApiServerEtcdClient, IssuedNames.InfraEtcdClient]);
        foreach (var h in hosts.Where(h => only.Count == 0 || only.Contains(h.Name)))
        {
            if (ClusterPki.IsEtcdMember(spec, h)) names.AddRange([IssuedNames.EtcdServer(h.Name), IssuedNames.EtcdPeer(h.Name)]);
            if (ClusterPki.IsKubernetesNode(h)) names.Add(IssuedNames.KubeletServing(h.Name));
        }
        return names;
    }

    /// <summary>The kept leaves among <paramref name="names"/> that expire within <paramref name="withinDays"/> days of <paramref name="now"/>, soonest first.</summary>
    public static IReadOnlyList<KeptLeaf> Due(KeptSecrets secrets, IEnumerable<string> names, DateTimeOffset now, int withinDays)
    {
        var due = new List<KeptLeaf>();
        foreach (var name in names)
        {
            if (!secrets.Issued.TryGetValue(name, out var kept)) continue;
            using var cert = Certificates.Load(kept.CertificatePem);
            var notAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            if (notAfter <= now.AddDays(withinDays)) due.Add(new KeptLeaf(name, notAfter));
        }
        return [.. due.OrderBy(d => d.NotAfter).ThenBy(d => d.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// What <c>apply</c> renews on its own: the leaves of the hosts it converges (<see cref="Leaves"/>: all, or those of
    /// <paramref name="only"/>) that expire within <c>certificates.renewBeforeDays</c> of <paramref name="now"/>, soonest first.
    /// </summary>
    public static IReadOnlyList<KeptLeaf> DueOnApply(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, KeptSecrets secrets, DateTimeOffset now,
        IReadOnlyCollection<string> only) =>
        Due(secrets, Leaves(spec, hosts, only), now, spec.Certificates.RenewBeforeDays);

    /// <summary>
    /// The Pulumi path's kept secrets: <see cref="ClusterPki.Ensure"/> (what is missing created), then every leaf
    /// <see cref="DueOnApply"/> finds re-issued, as <c>infra apply</c> renews them.
    /// </summary>
    public static KeptSecrets EnsureRenewingDue(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, KeptSecrets? existing, DateTimeOffset now)
    {
        var ensured = ClusterPki.Ensure(spec, hosts, existing, now);
        var due = DueOnApply(spec, hosts, ensured, now, []);
        return due.Count == 0 ? ensured : Renew(spec, hosts, ensured, [.. due.Select(d => d.Name)], now).Secrets;
    }

    /// <summary>
    /// The hosts whose certificate files change when <paramref name="renewed"/> are re-issued: the owner of each
    /// host's own leaf, or every host when a client certificate several hosts share is among them (empty: every host).
    /// </summary>
    public static IReadOnlyList<string> HostsOf(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, IReadOnlyCollection<string> renewed)
    {
        string[] shared = [IssuedNames.EtcdHealthcheckClient, IssuedNames.ApiServerEtcdClient, IssuedNames.InfraEtcdClient];
        if (renewed.Any(shared.Contains)) return [];
        return [.. hosts.Where(h => Leaves(spec, hosts, [h.Name]).Any(renewed.Contains)).Select(h => h.Name)];
    }

    /// <summary>
    /// Re-issues <paramref name="names"/> from the kept CAs (new key, serial and a year from <paramref name="now"/>);
    /// everything else is kept as it is. The caller saves the result before any host receives it.
    /// </summary>
    public static PkiEnsureResult Renew(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, KeptSecrets secrets, IReadOnlyCollection<string> names, DateTimeOffset now) =>
        ClusterPki.EnsureWithChanges(spec, hosts, secrets, now, names.ToHashSet(StringComparer.Ordinal));
}
