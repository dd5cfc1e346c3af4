namespace Infra.TestHosts;

/// <summary>A machine the harness cannot run on: missing binary (with its Debian package) or not root.</summary>
public sealed class TestHostPreconditionException(string message) : Exception(message);

/// <summary>
/// Checks what the harness needs before it touches anything, so a test fails with the package to install
/// instead of an obscure error half way through.
/// </summary>
public static class Preconditions
{
    /// <summary>Binaries every network needs, with the Debian package that ships each.</summary>
    public static readonly IReadOnlyList<(string Path, string Package)> Base =
    [
        ("/usr/sbin/sshd", "openssh-server"),
        ("/usr/bin/ssh-keygen", "openssh-client"),
        ("/usr/sbin/ip", "iproute2"),
        ("/usr/bin/unshare", "util-linux"),
        ("/usr/bin/nsenter", "util-linux"),
        ("/usr/bin/mount", "mount"),
        ("/usr/sbin/chroot", "coreutils"),
        ("/usr/bin/sha256sum", "coreutils"),
        ("/usr/bin/sudo", "sudo"),
        ("/usr/bin/openssl", "openssl"),
        ("/usr/bin/pgrep", "procps"),
    ];

    public static readonly (string Path, string Package) Systemd = ("/lib/systemd/systemd", "systemd");

    public static void Require(IEnumerable<(string Path, string Package)> binaries)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new TestHostPreconditionException("the test-host harness needs Linux (network namespaces, overlayfs)");
        }
        if (!Environment.IsPrivilegedProcess)
        {
            throw new TestHostPreconditionException(
                "the test-host harness must run as root: it creates network namespaces, bridges and mounts");
        }
        var missing = binaries.Where(b => !File.Exists(b.Path)).ToList();
        if (missing.Count > 0)
        {
            throw new TestHostPreconditionException(
                "the test-host harness needs binaries that are missing: "
                + string.Join("; ", missing.Select(m => $"{m.Path} (apt-get install {m.Package})")));
        }
    }
}
