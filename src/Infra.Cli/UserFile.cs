using Infra.Core.Spec;

namespace Infra.Cli;

/// <summary>Files the user names: a file that cannot be read is bad input with a one-line reason, never a .NET error.</summary>
public static class UserFile
{
    /// <summary>A file the tool is about to write: not a folder, in a folder that exists.</summary>
    public static void CheckWritable(string fullPath, string shown)
    {
        if (Directory.Exists(fullPath)) throw new BadInputException($"{shown}: is a folder; give a file name");
        var parent = Path.GetDirectoryName(fullPath);
        if (parent is not null && !Directory.Exists(parent)) throw new BadInputException($"{shown}: the folder {parent} does not exist");
    }

    /// <summary>
    /// A stack, inventory or secrets file the user named, read to at most <see cref="Limits.MaxFileBytes"/>: a larger
    /// file (or a device that never ends) is refused before it costs memory.
    /// </summary>
    public static string ReadText(string fullPath, string shown, string what)
    {
        try
        {
            if (Directory.Exists(fullPath)) throw new BadInputException($"{shown}: is a folder, not a {what}");
            if (!UnixStat.IsRegularFile(fullPath)) throw new BadInputException($"{shown}: is not a regular file (a pipe, device or socket), not a {what}");
            using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read);
            var buffer = new byte[Limits.MaxFileBytes + 1];
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (read > Limits.MaxFileBytes)
            {
                throw new BadInputException($"{shown}: the {what} is larger than a stack, inventory or secrets file may be: at most {Limits.MaxFileBytes / (1024 * 1024)} MiB");
            }
            using var reader = new StreamReader(new MemoryStream(buffer, 0, read), detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException($"{shown}: cannot read the {what}: {e.Message}");
        }
    }
}
