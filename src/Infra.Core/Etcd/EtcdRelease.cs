using System.Globalization;
using Infra.Core.Catalog;
using Infra.Core.Spec;

namespace Infra.Core.Etcd;

/// <summary>An etcd release, MAJOR.MINOR.PATCH.</summary>
public sealed record EtcdVersion(int Major, int Minor, int Patch) : IComparable<EtcdVersion>
{
    /// <summary>Learners (add as non-voting, promote once in sync) exist from 3.4 on; older members are refused.</summary>
    public static readonly EtcdVersion OldestSupported = new(3, 4, 0);

    /// <summary>From 3.5 on, snapshot status and restore belong to etcdutl (3.6 removed them from etcdctl).</summary>
    public bool HasEtcdutl => this >= new EtcdVersion(3, 5, 0);

    public override string ToString() => $"{Major}.{Minor}.{Patch}";

    /// <summary>
    /// Reads "3.6.9", "v3.6.9", "3.5.24-0" (an image tag) or the first line of <c>etcd --version</c>
    /// ("etcd Version: 3.4.23").
    /// </summary>
    public static bool TryParse(string text, out EtcdVersion? version)
    {
        version = null;
        var t = text.Trim();
        var line = t.Split('\n')[0].Trim();
        const string prefix = "etcd Version:";
        if (line.StartsWith(prefix, StringComparison.Ordinal)) line = line[prefix.Length..].Trim();
        if (line.StartsWith('v')) line = line[1..];
        var dash = line.IndexOfAny(['-', '+', '~']);
        if (dash >= 0) line = line[..dash];
        var parts = line.Split('.');
        if (parts.Length != 3) return false;
        var n = new int[3];
        for (var i = 0; i < 3; i++)
        {
            if (parts[i].Length is 0 or > 4 || !parts[i].All(char.IsAsciiDigit)) return false;
            n[i] = int.Parse(parts[i], CultureInfo.InvariantCulture);
        }
        version = new EtcdVersion(n[0], n[1], n[2]);
        return true;
    }

    public static EtcdVersion Parse(string text) =>
        TryParse(text, out var v) ? v! : throw new FormatException($"'{text}' is not an etcd version");

    public int CompareTo(EtcdVersion? other) =>
        other is null ? 1 : (Major, Minor, Patch).CompareTo((other.Major, other.Minor, other.Patch));

    public static bool operator <(EtcdVersion a, EtcdVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(EtcdVersion a, EtcdVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(EtcdVersion a, EtcdVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(EtcdVersion a, EtcdVersion b) => a.CompareTo(b) >= 0;
}

/// <summary>
/// The etcd a cluster's external members run: the release the tool installs (package sources repository and
/// bundle) and the oldest release kubeadm accepts as external etcd, per Kubernetes minor.
/// </summary>
public sealed record EtcdRelease
{
    /// <summary>kubeadm's SupportedEtcdVersion for the minor (cmd/kubeadm/app/constants).</summary>
    public required EtcdVersion Version { get; init; }
    /// <summary>SHA-256 of <see cref="Archive"/> as the release's SHA256SUMS lists it.</summary>
    public required string Sha256 { get; init; }
    /// <summary>kubeadm's MinExternalEtcdVersion: its preflight (and the tool's control-plane phase) refuse older members.</summary>
    public required EtcdVersion MinimumForKubeadm { get; init; }

    public string Archive => $"etcd-v{Version}-linux-amd64.tar.gz";
    public string Url => $"https://github.com/etcd-io/etcd/releases/download/v{Version}/{Archive}";
    /// <summary>The top folder of the archive, holding etcd, etcdctl and etcdutl.</summary>
    public string ArchiveFolder => $"etcd-v{Version}-linux-amd64";

    /// <summary>The release for a Kubernetes version (the pin and its source: VersionCatalog.EtcdFor), or null for a minor the tool does not support.</summary>
    public static EtcdRelease? For(KubernetesVersion kubernetes) =>
        VersionCatalog.EtcdFor(kubernetes.Major, kubernetes.Minor) is { } pin && VersionCatalog.IsSupported(kubernetes.Major, kubernetes.Minor)
            ? new EtcdRelease
            {
                Version = EtcdVersion.Parse(pin.Version),
                Sha256 = pin.Sha256,
                MinimumForKubeadm = EtcdVersion.Parse(pin.MinimumForKubeadm),
            }
            : null;
}
