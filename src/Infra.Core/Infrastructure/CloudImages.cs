using Infra.Core.Spec;

namespace Infra.Core.Infrastructure;

/// <summary>
/// Default images per OS and cloud, from the publishers' official channels. No image id is written here:
/// AWS images are looked up by publisher account and name pattern, GCP by image family, Azure by URN with "latest".
/// </summary>
public static class CloudImages
{
    /// <summary>Debian's AWS account (the publisher of the official Debian AMIs).</summary>
    public const string DebianAwsOwner = "136693071363";
    /// <summary>Canonical's AWS account.</summary>
    public const string CanonicalAwsOwner = "099720109477";

    /// <summary>
    /// Whether the publisher's default image for this cloud and OS applies cloud-init user data at first boot, before
    /// sshd starts. Google's Debian images do not: their only boot hooks (the guest agent's <c>startup-script</c> and
    /// <c>ssh-keys</c> metadata) run after sshd has started with keys the agent generated (<c>set_host_keys</c>), so a
    /// first connection could meet a key the tool did not make.
    /// </summary>
    public static bool DefaultImageAppliesUserData(Target target, OsFamily os) => !(target == Target.Gcp && os == OsFamily.Debian12);

    public static ImagePlan Default(Target target, OsFamily os) => (target, os) switch
    {
        (Target.Aws, OsFamily.Debian12) => Lookup(DebianAwsOwner, "debian-12-amd64-*"),
        (Target.Aws, OsFamily.Ubuntu2204) => Lookup(CanonicalAwsOwner, "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"),
        (Target.Aws, OsFamily.Ubuntu2404) => Lookup(CanonicalAwsOwner, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"),
        (Target.Gcp, OsFamily.Debian12) => throw new InfrastructurePlanException("os",
            "Google's Debian 12 images have no cloud-init: use os 'ubuntu-24.04' or 'ubuntu-22.04' on gcp, or name an image with cloud-init in cloud.image"),
        (Target.Gcp, OsFamily.Ubuntu2204) => Gcp("ubuntu-os-cloud/ubuntu-2204-lts"),
        (Target.Gcp, OsFamily.Ubuntu2404) => Gcp("ubuntu-os-cloud/ubuntu-2404-lts-amd64"),
        (Target.Azure, OsFamily.Debian12) => Azure("Debian:debian-12:12-gen2:latest"),
        (Target.Azure, OsFamily.Ubuntu2204) => Azure("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest"),
        (Target.Azure, OsFamily.Ubuntu2404) => Azure("Canonical:ubuntu-24_04-lts:server:latest"),
        _ => throw new ArgumentOutOfRangeException(nameof(target), $"no default image for {target} and {os}"),
    };

    /// <summary>The user's override from <c>cloud.image</c>: an AMI id, a GCP image, or an Azure URN.</summary>
    public static ImagePlan Override(Target target, string image)
    {
        if (TextRules.CloudImage(target, image) is { } problem) throw new InfrastructurePlanException("cloud.image", $"'{image}': {problem}");
        return target switch
        {
            Target.Aws => new ImagePlan { Kind = ImageKind.AwsAmi, Reference = image, Floating = false },
            Target.Gcp => new ImagePlan { Kind = ImageKind.GcpImage, Reference = image, Floating = IsGcpFamily(image) },
            Target.Azure => new ImagePlan { Kind = ImageKind.AzureUrn, Reference = image, Floating = image.Split(':')[3] == "latest" },
            _ => throw new InfrastructurePlanException("cloud.image", $"'{image}' is not a valid image for {target}"),
        };
    }

    // "project/family", ".../global/images/family/NAME" and a bare family resolve to the family's newest image.
    private static bool IsGcpFamily(string image) =>
        image.Contains("/family/", StringComparison.Ordinal) || !image.Contains("/images/", StringComparison.Ordinal);

    private static ImagePlan Lookup(string owner, string pattern) =>
        new() { Kind = ImageKind.AwsAmiLookup, Reference = pattern, Owner = owner, Floating = true };

    private static ImagePlan Gcp(string family) => new() { Kind = ImageKind.GcpImage, Reference = family, Floating = true };

    private static ImagePlan Azure(string urn) => new() { Kind = ImageKind.AzureUrn, Reference = urn, Floating = true };
}
