using System.Runtime.InteropServices;

namespace Infra.TestHosts;

/// <summary>The few libc calls .NET has no API for: overlayfs opaque dirs, whiteouts, file owners.</summary>
internal static partial class NativeMethods
{
    [LibraryImport("libc", EntryPoint = "setxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetXattr(string path, string name, byte[] value, nuint size, int flags);

    [LibraryImport("libc", EntryPoint = "mknod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mknod(string path, uint mode, ulong dev);

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, uint owner, uint group);

    /// <summary>Marks a directory in an overlay upper dir as opaque: the lower dir's entries are hidden.</summary>
    public static void MakeOpaque(string directory) =>
        Check(SetXattr(directory, "trusted.overlay.opaque", "y"u8.ToArray(), 1, 0), "setxattr", directory);

    /// <summary>An overlay whiteout (character device 0/0): the lower file is hidden.</summary>
    public static void Whiteout(string path) => Check(Mknod(path, 0x2000 /* S_IFCHR */, 0), "mknod", path);

    public static void SetOwner(string path, int uid, int gid) => Check(Chown(path, (uint)uid, (uint)gid), "chown", path);

    private static void Check(int rc, string call, string path)
    {
        if (rc != 0) throw new IOException($"{call} {path} failed: errno {Marshal.GetLastPInvokeError()}");
    }
}
