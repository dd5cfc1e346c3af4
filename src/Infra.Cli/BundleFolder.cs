using System.Security.Cryptography;
using Infra.Core.NodePrograms;
using Infra.Core.Spec;

namespace Infra.Cli;

/// <summary>The local folder of binaries for <c>packages.source: bundle</c> (air-gapped sites).</summary>
public static class BundleFolder
{
    /// <summary>The bundle's folder (relative to the stack file), or null when the source is not bundle.</summary>
    public static string? Resolve(ClusterSpec spec, string stackFile, CliEnvironment env)
    {
        if (spec.Packages.Source != PackageSource.Bundle) return null;
        var stackDir = Path.GetDirectoryName(Path.GetFullPath(stackFile, env.WorkingDirectory))!;
        var bundle = spec.Packages.Bundle!;
        // "~/bundle" as a shell reads it.
        if (bundle == "~" || bundle.StartsWith("~/", StringComparison.Ordinal))
        {
            bundle = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + bundle[1..];
        }
        return Path.GetFullPath(bundle, stackDir);
    }

    /// <summary>The largest file a bundle may hold (kubelet, the largest release download, is about 80 MB).</summary>
    public const long MaxFileBytes = 512L * 1024 * 1024;
    /// <summary>The most entries a bundle folder may hold.</summary>
    public const int MaxEntries = 256;

    /// <summary>
    /// Names, sizes and SHA-256 of every file; the node programs say which ones are missing. Only regular files count:
    /// a symbolic link (wherever it leads), a FIFO, a device or a socket is refused without being opened, and so is an
    /// empty file (the kernel reports a size only for regular files, so an empty entry may be any of them). Sub-folders
    /// are not part of the bundle and are not read. Every file is read at most up to <see cref="MaxFileBytes"/>.
    /// </summary>
    /// <exception cref="BadInputException">The folder is missing or holds an entry that is not a regular file.</exception>
    public static BundleManifest? Read(ClusterSpec spec, string stackFile, CliEnvironment env)
    {
        if (Resolve(spec, stackFile, env) is not { } dir) return null;
        var folder = new DirectoryInfo(dir);
        if (!folder.Exists) throw new BadInputException($"packages.bundle: the folder {dir} does not exist");
        var entries = folder.EnumerateFileSystemInfos().Take(MaxEntries + 1).ToList();
        if (entries.Count > MaxEntries) throw new BadInputException($"packages.bundle: the folder {dir} holds more than {MaxEntries} entries");
        var files = new List<BundleFile>();
        foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            string Refuse(string why) => $"packages.bundle: '{Limits.Show(entry.Name)}' in {dir} {why}; a bundle holds regular files only";
            if (entry.LinkTarget is not null) throw new BadInputException(Refuse("is a symbolic link"));
            if (entry is DirectoryInfo) continue;
            var length = ((FileInfo)entry).Length;
            if (length == 0) throw new BadInputException(Refuse("is empty or not a regular file (a FIFO, device or socket)"));
            if (length > MaxFileBytes) throw new BadInputException(Refuse($"is larger than {MaxFileBytes / 1024 / 1024} MiB"));
            files.Add(new BundleFile { Name = entry.Name, Sha256 = Hash(entry.FullName, length, Refuse), Size = length });
        }
        return new BundleManifest { Files = files };
    }

    /// <summary>SHA-256 of exactly <paramref name="length"/> bytes; a file that grew or shrank since it was listed is refused.</summary>
    private static string Hash(string path, long length, Func<string, string> refuse)
    {
        using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read });
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long total = 0;
        int n;
        while (total <= length && (n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, length + 1 - total))) > 0)
        {
            sha.AppendData(buffer, 0, n);
            total += n;
        }
        if (total != length) throw new BadInputException(refuse("changed while it was read"));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
