using Infra.Core.Planning;

namespace Infra.Cli.Commands;

/// <summary>
/// Writes plan artifacts and removes files of an earlier plan in the same folder. Links are never followed: a plan
/// folder that holds one (planted after an earlier plan) is refused before anything is written or removed.
/// </summary>
internal static class PlanWriter
{
    /// <summary>Marks a folder as written by <c>infra plan</c>, so that stale files are removed only there.</summary>
    public const string Marker = ".infra-plan";

    public static int Write(string dir, IReadOnlyList<PlanArtifact> artifacts)
    {
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            if (!File.Exists(Path.Combine(dir, Marker)))
                throw new BadInputException($"{dir} is not empty and was not written by 'infra plan': choose an empty or new folder");
            if (FirstLink(dir) is { } link)
            {
                throw new BadInputException($"{dir} holds a link, {Path.GetRelativePath(dir, link).Replace('\\', '/')}, that 'infra plan' did not write: " +
                    "a plan never follows links; remove it or choose an empty or new folder");
            }
        }
        Directory.CreateDirectory(dir);
        WriteFile(Path.Combine(dir, Marker), "written by infra plan; files here are replaced on the next plan\n"u8, secret: false);
        var keep = new HashSet<string>(StringComparer.Ordinal) { Path.Combine(dir, Marker) };
        foreach (var a in artifacts)
        {
            var path = Path.Combine(dir, a.RelativePath);
            keep.Add(path);
            var folder = Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(folder);
            // A folder of the plan that holds key files is private, like the files (it is inside the plan folder, which the tool made).
            if (a.Secret && !OperatingSystem.IsWindows() && folder != dir) File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            WriteFile(path, a.Content, a.Secret);
        }
        foreach (var stale in Entries(dir).Where(e => e is FileInfo && !keep.Contains(e.FullName)).ToList())
        {
            stale.Delete();
        }
        foreach (var empty in Entries(dir).OfType<DirectoryInfo>().OrderByDescending(d => d.FullName.Length))
        {
            if (!empty.EnumerateFileSystemInfos().Any()) empty.Delete();
        }
        return artifacts.Count;
    }

    /// <summary>Every entry under <paramref name="dir"/>, descending only into real folders (never through a link).</summary>
    private static IEnumerable<FileSystemInfo> Entries(string dir)
    {
        foreach (var e in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            yield return e;
            if (e is DirectoryInfo d && d.LinkTarget is null)
            {
                foreach (var inner in Entries(d.FullName)) yield return inner;
            }
        }
    }

    private static string? FirstLink(string dir) =>
        Entries(dir).FirstOrDefault(e => e.LinkTarget is not null)?.FullName;

    /// <summary>
    /// Writes a file without following a link at its name: an unchanged file is left alone (so its time stays),
    /// any other entry is removed (a link itself, not its target) and the file made anew with O_EXCL.
    /// </summary>
    private static void WriteFile(string path, ReadOnlySpan<byte> content, bool secret)
    {
        var existing = new FileInfo(path);
        if (existing.Exists && existing.LinkTarget is null && !secret && existing.Length == content.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(content)) return;
        if (existing.Exists || existing.LinkTarget is not null) existing.Delete();
        using var fs = secret ? SecretFile.Create(path) : new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        fs.Write(content);
    }
}
