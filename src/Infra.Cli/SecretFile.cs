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

    /// <summary>A new file (it must not exist), 0600 from the start, open for reading and writing.</summary>
    public static FileStream Create(string path) =>
        OperatingSystem.IsWindows()
            ? new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite)
            : new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, UnixCreateMode = Owner });

    public static void CreatePrivateDirectory(string dir)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
            return;
        }
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
