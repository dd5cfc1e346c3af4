using System.Runtime.InteropServices;

namespace Infra.Cli;

/// <summary>What .NET does not tell of a file (Linux): its owner, and whether it is a regular file.</summary>
internal static partial class UnixStat
{
    /// <summary>The owner's user id, or null where it cannot be told (not Linux, or the call failed).</summary>
    public static uint? OwnerOf(string path) =>
        Stat(path, AtSymlinkNoFollow, StatxUid) is { } buffer ? BitConverter.ToUInt32(buffer, 20) : null;

    /// <summary>
    /// False for a FIFO, device or socket (opening or reading one can block or never end); true for a regular file,
    /// following links, and where it cannot be told.
    /// </summary>
    public static bool IsRegularFile(string path) =>
        Stat(path, 0, StatxType) is not { } buffer || (BitConverter.ToUInt16(buffer, 28) & FileTypeMask) == RegularFile;

    public static uint CurrentUser() => OperatingSystem.IsLinux() ? GetEuid() : 0;

    // struct statx has the same layout on every Linux architecture: stx_uid is the 32-bit field at offset 20,
    // stx_mode the 16-bit field at offset 28 (S_IFMT 0170000, S_IFREG 0100000).
    private static byte[]? Stat(string path, int flags, uint mask)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var buffer = new byte[256];
        try
        {
            return StatX(AtFdCwd, path, flags, mask, buffer) == 0 ? buffer : null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxUid = 0x8;
    private const int FileTypeMask = 0xF000;
    private const int RegularFile = 0x8000;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatX(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();
}
