namespace Infra.TestKit;

/// <summary>The repository checkout the tests run from (the folder holding Infra.sln).</summary>
public static class Repo
{
    public static string Root { get; } = Find();

    /// <summary>A path under the repository root.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(d.FullName, "Infra.sln"))) return d.FullName;
        }
        throw new InvalidOperationException("repository root (Infra.sln) not found above " + AppContext.BaseDirectory);
    }
}
