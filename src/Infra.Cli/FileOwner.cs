using System.Runtime.InteropServices;

namespace Infra.Cli;

/// <summary>Who owns a file (Linux): .NET exposes a file's mode but not its owner.</summary>
internal static partial class FileOwner
{
    /// <summary>The owner's user id, or null where it cannot be told (not Linux, or the call failed).</summary>
    public static uint? Of(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        // struct statx has the same layout on every Linux architecture; stx_uid is the 32-bit field at offset 20.
        var buffer = new byte[256];
        try
        {
            return StatX(AtFdCwd, path, AtSymlinkNoFollow, StatxUid, buffer) == 0 ? BitConverter.ToUInt32(buffer, 20) : null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    public static uint Current() => OperatingSystem.IsLinux() ? GetEuid() : 0;

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxUid = 0x8;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatX(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();
}
