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

    /// <summary>Names, sizes and SHA-256 of every file; the node programs say which ones are missing.</summary>
    public static BundleManifest? Read(ClusterSpec spec, string stackFile, CliEnvironment env)
    {
        if (Resolve(spec, stackFile, env) is not { } dir) return null;
        if (!Directory.Exists(dir)) throw new BadInputException($"packages.bundle: the folder {dir} does not exist");
        var files = new List<BundleFile>();
        foreach (var path in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            using var stream = File.OpenRead(path);
            files.Add(new BundleFile
            {
                Name = Path.GetFileName(path),
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(stream)),
                Size = new FileInfo(path).Length,
            });
        }
        return new BundleManifest { Files = files };
    }
}
