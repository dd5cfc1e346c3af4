namespace Infra.Cli;

/// <summary>Files holding key material: 0600 from the moment they exist (0700 folders), on every Unix.</summary>
internal static class SecretFile
{
    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllBytes(path, content.ToArray());
            return;
        }
        if (File.Exists(path)) File.SetUnixFileMode(path, Owner);
        using (var fs = new FileStream(path, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = Owner }))
        {
            fs.Write(content);
        }
        File.SetUnixFileMode(path, Owner);
    }

    /// <summary>
    /// Replaces PATH whole: the content goes to a new 0600 file beside it, flushed to disk, then renamed over PATH, so a
    /// crash leaves the old file or the new one.
    /// </summary>
    public static void Replace(string path, ReadOnlySpan<byte> content)
    {
        var next = path + ".new";
        if (File.Exists(next)) File.Delete(next);
        using (var fs = Create(next))
        {
            fs.Write(content);
            fs.Flush(flushToDisk: true);
        }
        File.Move(next, path, overwrite: true);
    }

    /// <summary>A new file (it must not exist), 0600 from the start, open for reading and writing.</summary>
    public static FileStream Create(string path) =>
        OperatingSystem.IsWindows()
            ? new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite)
            : new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, UnixCreateMode = Owner });

    /// <summary>Creates DIR 0700 (and missing parents); a folder that exists keeps its mode: the tool changes only what it made.</summary>
    public static void CreatePrivateDirectory(string dir)
    {
        if (Directory.Exists(dir)) return;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
            return;
        }
        const UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(dir, owner);
        // The process umask may have narrowed the mode; this folder is new, so setting it changes nothing of the user's.
        File.SetUnixFileMode(dir, owner);
    }
}
