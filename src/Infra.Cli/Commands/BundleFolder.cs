using System.Security.Cryptography;
using Infra.Core.NodePrograms;
using Infra.Core.Spec;

namespace Infra.Cli.Commands;

/// <summary>The local folder of <c>packages.source: bundle</c>, relative to the stack file.</summary>
internal static class BundleFolder
{
    /// <summary>The folder's path and the name, size and SHA-256 of each file; nulls for other package sources.</summary>
    public static (string? Directory, BundleManifest? Manifest) Read(ClusterSpec spec, string stackFile, CliEnvironment env)
    {
        if (spec.Packages.Source != PackageSource.Bundle) return (null, null);
        var stackDir = stackFile.StartsWith("(embedded)", StringComparison.Ordinal)
            ? env.WorkingDirectory
            : Path.GetDirectoryName(Path.GetFullPath(stackFile, env.WorkingDirectory))!;
        var dir = Path.GetFullPath(spec.Packages.Bundle ?? "", stackDir);
        if (!Directory.Exists(dir)) throw new BadInputException($"packages.bundle: no folder {dir} (the path is relative to the stack file)");
        var files = Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(f =>
        {
            using var stream = File.OpenRead(f);
            return new BundleFile { Name = Path.GetFileName(f), Sha256 = Convert.ToHexStringLower(SHA256.HashData(stream)), Size = stream.Length };
        }).ToList();
        return (dir, new BundleManifest { Files = files });
    }
}
