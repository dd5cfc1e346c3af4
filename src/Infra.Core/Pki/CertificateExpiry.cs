using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Infra.Core.Model;

namespace Infra.Core.Pki;

/// <summary>One certificate as read from a file on a host (a PEM file may hold several; a kubeconfig one client certificate).</summary>
public sealed record HostCertificate
{
    public required string Host { get; init; }
    public required string Path { get; init; }
    public required string Subject { get; init; }
    public required string Issuer { get; init; }
    /// <summary>Hex, as openssl prints it.</summary>
    public required string Serial { get; init; }
    public required DateTimeOffset NotBefore { get; init; }
    public required DateTimeOffset NotAfter { get; init; }
    /// <summary>From the certificate's basic constraints, not from its path.</summary>
    public required bool IsCa { get; init; }
}

/// <summary>A file that should hold a certificate but could not be read as one.</summary>
public sealed record UnreadableCertificate(string Host, string Path, string Problem);

/// <summary>
/// Where certificates live on a host and how they are read: the directories the node programs write
/// (<see cref="PkiFiles"/>, <see cref="HostPaths"/>) and kubeadm's own files in the same places. Every host gets the
/// same script; what a host lacks is skipped, so the files in place are the truth whatever the host's roles.
/// </summary>
public static class CertificateLocations
{
    /// <summary>Globs of files that hold PEM certificates.</summary>
    public static IReadOnlyList<string> PemGlobs { get; } =
    [
        PkiFiles.KubernetesPkiDir + "/*.crt",
        PkiFiles.KubernetesPkiDir + "/etcd/*.crt",
        PkiFiles.EtcdPkiDir + "/*.crt",
        PkiFiles.KubeletPkiDir + "/*.crt",
        // The kubelet's rotating client certificate (kubelet.conf points at it); the dated files are its past copies.
        PkiFiles.KubeletPkiDir + "/kubelet-client-current.pem",
    ];

    /// <summary>kubeconfigs whose client-certificate-data is a certificate (admin.conf, super-admin.conf, controller-manager.conf, scheduler.conf, kubelet.conf).</summary>
    public const string KubeconfigGlob = HostPaths.KubernetesDir + "/*.conf";

    /// <summary>
    /// A bash script printing one line per file found: the path and the file's content, each base64 (so that no
    /// file name or content can break the framing). One SSH round trip per host; it changes nothing.
    /// </summary>
    public static string ReadScript { get; } = BuildReadScript();

    private static string BuildReadScript()
    {
        var sb = new StringBuilder("set -u\nshopt -s nullglob\nfor f in");
        // The globs are the constants above (no spaces or quotes): left unquoted so that bash expands them.
        foreach (var g in PemGlobs.Append(KubeconfigGlob)) sb.Append(' ').Append(g);
        sb.Append("""
            ; do
              [ -f "$f" ] || continue
              printf '%s %s\n' "$(printf '%s' "$f" | base64 -w0)" "$(base64 -w0 < "$f")"
            done

            """);
        return sb.ToString();
    }

    /// <summary>Parses what <see cref="ReadScript"/> printed on <paramref name="host"/>.</summary>
    public static (IReadOnlyList<HostCertificate> Certificates, IReadOnlyList<UnreadableCertificate> Unreadable) Parse(string host, string output)
    {
        var certificates = new List<HostCertificate>();
        var unreadable = new List<UnreadableCertificate>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ');
            string path;
            byte[] content;
            try
            {
                path = Encoding.UTF8.GetString(Convert.FromBase64String(parts[0]));
                content = parts.Length > 1 ? Convert.FromBase64String(parts[1]) : [];
            }
            catch (FormatException)
            {
                unreadable.Add(new UnreadableCertificate(host, "?", "the host's answer is not in the expected form"));
                continue;
            }
            var text = Encoding.UTF8.GetString(content);
            var pems = path.EndsWith(".conf", StringComparison.Ordinal) ? KubeconfigClientCertificates(text) : [text];
            var found = 0;
            foreach (var pem in pems)
            {
                var collection = new X509Certificate2Collection();
                try
                {
                    collection.ImportFromPem(pem);
                }
                catch (System.Security.Cryptography.CryptographicException e)
                {
                    unreadable.Add(new UnreadableCertificate(host, path, e.Message));
                    continue;
                }
                foreach (var c in collection)
                {
                    certificates.Add(Describe(host, path, c));
                    c.Dispose();
                    found++;
                }
            }
            // A kubeconfig may name certificate files instead of embedding them (kubelet.conf does): nothing to report.
            if (found == 0 && !path.EndsWith(".conf", StringComparison.Ordinal))
            {
                unreadable.Add(new UnreadableCertificate(host, path, "no PEM certificate in the file"));
            }
        }
        return (certificates, unreadable);
    }

    private static HostCertificate Describe(string host, string path, X509Certificate2 c) => new()
    {
        Host = host,
        Path = path,
        Subject = c.Subject,
        Issuer = c.Issuer,
        Serial = c.SerialNumber.ToLowerInvariant(),
        NotBefore = new DateTimeOffset(c.NotBefore.ToUniversalTime(), TimeSpan.Zero),
        NotAfter = new DateTimeOffset(c.NotAfter.ToUniversalTime(), TimeSpan.Zero),
        IsCa = c.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority),
    };

    /// <summary>The PEM text of each <c>client-certificate-data:</c> in a kubeconfig (a base64 value on one line).</summary>
    private static IEnumerable<string> KubeconfigClientCertificates(string kubeconfig)
    {
        const string key = "client-certificate-data:";
        foreach (var raw in kubeconfig.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
            var value = line[key.Length..].Trim().Trim('"', '\'');
            string pem;
            try
            {
                pem = Encoding.UTF8.GetString(Convert.FromBase64String(value));
            }
            catch (FormatException)
            {
                pem = "";
            }
            yield return pem;
        }
    }
}

public enum ExpiryState
{
    /// <summary>Not within the window.</summary>
    Ok,
    /// <summary>A CA that expires within <see cref="CertificateExpiry.CaWarningDays"/> but not within the window.</summary>
    CaWarning,
    /// <summary>Expires within the window (renewal is due).</summary>
    Due,
    /// <summary>Already past its not-after.</summary>
    Expired,
}

/// <summary>One certificate with what its expiry means now.</summary>
public sealed record CertificateExpiryRow(HostCertificate Certificate, int DaysLeft, ExpiryState State);

/// <summary>Expiry arithmetic for <c>infra certs check</c>, against an injected clock.</summary>
public static class CertificateExpiry
{
    /// <summary>The default window of <c>--within</c>.</summary>
    public const int DefaultWithinDays = 30;
    /// <summary>The largest accepted window: ten years, a CA's lifetime.</summary>
    public const int MaxWithinDays = 3650;
    /// <summary>CAs last ten years; one expiring within a year is warned about.</summary>
    public const int CaWarningDays = 365;

    /// <summary>Whole days left (rounded down; negative once expired).</summary>
    public static int DaysLeft(DateTimeOffset notAfter, DateTimeOffset now) => (int)Math.Floor((notAfter - now).TotalDays);

    public static ExpiryState StateOf(HostCertificate c, DateTimeOffset now, int withinDays) =>
        c.NotAfter <= now ? ExpiryState.Expired
        : c.NotAfter <= now.AddDays(withinDays) ? ExpiryState.Due
        : c.IsCa && c.NotAfter <= now.AddDays(CaWarningDays) ? ExpiryState.CaWarning
        : ExpiryState.Ok;

    /// <summary>Every certificate with its state, soonest expiry first (then host and path, for a stable order).</summary>
    public static IReadOnlyList<CertificateExpiryRow> Evaluate(IEnumerable<HostCertificate> certificates, DateTimeOffset now, int withinDays) =>
        [.. certificates
            .Select(c => new CertificateExpiryRow(c, DaysLeft(c.NotAfter, now), StateOf(c, now, withinDays)))
            .OrderBy(r => r.Certificate.NotAfter)
            .ThenBy(r => r.Certificate.Host, StringComparer.Ordinal)
            .ThenBy(r => r.Certificate.Path, StringComparer.Ordinal)];

    /// <summary>0 when none expires within the window (CA warnings included), 1 when one does or a host could not be read.</summary>
    public static int ExitCode(IEnumerable<CertificateExpiryRow> rows, bool anyHostUnread) =>
        anyHostUnread || rows.Any(r => r.State is ExpiryState.Due or ExpiryState.Expired) ? 1 : 0;

    /// <summary>Checks a <c>--within</c> value; null when acceptable, else the message.</summary>
    public static string? CheckWithin(int days) =>
        days is < 0 or > MaxWithinDays ? $"--within is a number of days from 0 to {MaxWithinDays}, not {days.ToString(CultureInfo.InvariantCulture)}" : null;
}
