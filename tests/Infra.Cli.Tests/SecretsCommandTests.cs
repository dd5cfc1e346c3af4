using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.TestKit;

namespace Infra.Cli.Tests;

public class SecretsCommandTests
{
    private static Dictionary<string, string> Vars(TempDir tmp) => new() { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };

    [Fact]
    public void SecretsInit_NewFolder_CreatesPrivateFilesAndFolder()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev"], variables: Vars(tmp));
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains("created", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", r.Out, StringComparison.Ordinal);
        var dir = tmp.File("secrets");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        Assert.All(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories),
            f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
        Assert.True(File.Exists(Path.Combine(dir, "ca.crt")));
    }

    [Fact]
    public void SecretsInit_Twice_SecondDoesNothing()
    {
        using var tmp = new TempDir();
        CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev"], variables: Vars(tmp));
        var before = File.ReadAllBytes(Path.Combine(tmp.File("secrets"), "ca.key"));
        var r = CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev"], variables: Vars(tmp));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("nothing to do", r.Out, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(tmp.File("secrets"), "ca.key")));
    }

    [Fact]
    public void Plan_WithKeptSecrets_WritesPublicPkiAndIsByteIdentical()
    {
        using var tmp = new TempDir();
        CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev"], variables: Vars(tmp));
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["plan", "--stack", "dev", "--out", tmp.File("a")], variables: Vars(tmp)).ExitCode);
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["plan", "--stack", "dev", "--out", tmp.File("b")], variables: Vars(tmp)).ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(tmp.File("secrets"), "ca.crt")), File.ReadAllText(tmp.File("a/pki/ca.crt")));
        Assert.StartsWith("sha256:", File.ReadAllText(tmp.File("a/pki/discovery-hash")), StringComparison.Ordinal);
        var a = Directory.EnumerateFiles(tmp.File("a"), "*", SearchOption.AllDirectories).Order().ToList();
        var b = Directory.EnumerateFiles(tmp.File("b"), "*", SearchOption.AllDirectories).Order().ToList();
        Assert.Equal(a.Count, b.Count);
        for (var i = 0; i < a.Count; i++) Assert.Equal(File.ReadAllBytes(a[i]), File.ReadAllBytes(b[i]));
        Assert.DoesNotContain("placeholder", File.ReadAllText(tmp.File("a/plan.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_DamagedSecretsFolder_Exits2NamingFile()
    {
        using var tmp = new TempDir();
        CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev"], variables: Vars(tmp));
        File.WriteAllText(Path.Combine(tmp.File("secrets"), "ca.key"), "garbage");
        var r = CliRunner.Run(Repo.Root, ["plan", "--stack", "dev"], variables: Vars(tmp));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("ca.key", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("garbage", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void SecretsImport_FromPulumiJson_FillsFolder()
    {
        using var tmp = new TempDir();
        CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev"], variables: Vars(tmp));
        var json = KeptSecretsSerializer.ToJson(KeptSecretsSerializer.FromFiles(
            Directory.EnumerateFiles(tmp.File("secrets"), "*", SearchOption.AllDirectories)
                .ToDictionary(f => Path.GetRelativePath(tmp.File("secrets"), f), File.ReadAllBytes)));
        File.WriteAllText(tmp.File("secrets.json"), json);
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("imported") };
        var r = CliRunner.Run(Repo.Root, ["secrets", "import", "--stack", "dev", "--from", tmp.File("secrets.json")], variables: vars);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.File("secrets"), "ca.key")), File.ReadAllBytes(Path.Combine(tmp.File("imported"), "ca.key")));
    }

    [Fact]
    public void SecretsImport_NotSecretsJson_Exits2AndWritesNothing()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("bad.json"), "{\"format\": \"something else\"}");
        var r = CliRunner.Run(Repo.Root, ["secrets", "import", "--stack", "dev", "--from", tmp.File("bad.json")], variables: Vars(tmp));
        Assert.Equal(2, r.ExitCode);
        Assert.False(Directory.Exists(tmp.File("secrets")));
    }

    [Fact]
    public void SecretsImport_WithoutFrom_Exits2()
    {
        var r = CliRunner.Run("secrets", "import", "--stack", "dev");
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    [Trait("Item", "14.3")]
    public void SecretsFolderSave_RotationEndedAndReceiverDropped_FolderHoldsNoOldKeyOrReceiver()
    {
        using var tmp = new TempDir();
        CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev"], variables: Vars(tmp));
        var dir = tmp.File("secrets");
        var kept = SecretsFolder.Load(dir)!;
        var during = EncryptionKeyRotation.AddNewKey(kept, new byte[32]) with
        {
            AlertReceivers = new Dictionary<string, string> { ["webhook-url"] = "https://hooks.example.com/a" },
        };
        SecretsFolder.Save(dir, during);
        Assert.True(SecretsFolder.Load(dir)!.SecondEncryptionKey is not null);

        // The rotation's last save drops the old key; a receiver no longer set is dropped too.
        SecretsFolder.Save(dir, kept);

        var loaded = SecretsFolder.Load(dir)!;
        Assert.Null(loaded.SecondEncryptionKey);
        Assert.Empty(loaded.AlertReceivers);
        Assert.False(File.Exists(Path.Combine(dir, "encryption-key.second")));
        Assert.Equal(KeptSecretsSerializer.ToFiles(kept).Keys.Order(StringComparer.Ordinal),
            Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order(StringComparer.Ordinal));
    }
}
