using Infra.Core.Spec;

namespace Infra.Core.NodePrograms;

/// <summary>What a node program needs to know of an operating system: /etc/os-release values and apt names.</summary>
public sealed record OsRelease
{
    public required OsFamily Family { get; init; }
    /// <summary>ID in /etc/os-release, also the distribution path of Docker's apt repository.</summary>
    public required string Id { get; init; }
    public required string VersionId { get; init; }
    public required string Codename { get; init; }

    public static readonly IReadOnlyList<OsFamily> All = [OsFamily.Debian12, OsFamily.Ubuntu2204, OsFamily.Ubuntu2404];

    public static OsRelease? For(OsFamily os) => os switch
    {
        OsFamily.Debian12 => new() { Family = os, Id = "debian", VersionId = "12", Codename = "bookworm" },
        OsFamily.Ubuntu2204 => new() { Family = os, Id = "ubuntu", VersionId = "22.04", Codename = "jammy" },
        OsFamily.Ubuntu2404 => new() { Family = os, Id = "ubuntu", VersionId = "24.04", Codename = "noble" },
        _ => null,
    };

    public override string ToString() => $"{Id} {VersionId}";
}
