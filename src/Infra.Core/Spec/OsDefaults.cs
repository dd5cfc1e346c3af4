namespace Infra.Core.Spec;

/// <summary>The stack's default for <c>os</c>, which the reader fills in (the cloud images it leads to are Infrastructure.CloudImages).</summary>
public static class OsDefaults
{
    /// <summary>
    /// The operating system a cluster gets when the stack names none. GCP: Ubuntu 24.04, because Google's Debian 12
    /// images (debian-cloud) boot with the guest agent only and have no cloud-init, so the user data that pins the VM's
    /// host key would never be applied; Canonical's images (ubuntu-os-cloud) ship cloud-init, whose GCE datasource
    /// reads the instance's <c>user-data</c> metadata (canonical/cloud-init doc/rtd/reference/datasources/gce.rst).
    /// </summary>
    public static OsFamily DefaultOs(Target target) => target == Target.Gcp ? OsFamily.Ubuntu2404 : OsFamily.Debian12;
}
