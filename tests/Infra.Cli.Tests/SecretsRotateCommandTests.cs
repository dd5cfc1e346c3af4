using Infra.TestKit;

namespace Infra.Cli.Tests;

/// <summary>Issue 14, <c>infra secrets rotate encryption-key</c> without hosts: what it says it will do, and what it refuses.</summary>
[Trait("Item", "14.2")]
public class SecretsRotateCommandTests
{
    [Fact]
    public void DryRun_OneKey_NamesTheFourStagesAndTheControlPlanes_ChangesNothing()
    {
        using var tmp = new TempDir();
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev"], variables: vars).ExitCode);
        var before = Directory.GetFiles(tmp.File("secrets"), "*", SearchOption.AllDirectories).Select(File.ReadAllText).ToList();

        var r = CliRunner.Run(Repo.Root, ["secrets", "rotate", "encryption-key", "--stack", "dev", "--dry-run"], variables: vars);

        Assert.True(r.ExitCode == 0, r.Out + r.Err);
        Assert.Contains("the key infra-1 is replaced by a new one", r.Out, StringComparison.Ordinal);
        Assert.Contains("1. add the new key as the provider's second key", r.Out, StringComparison.Ordinal);
        Assert.Contains("4. drop the old key", r.Out, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFiles(tmp.File("secrets"), "*", SearchOption.AllDirectories).Select(File.ReadAllText).ToList());
    }

    [Fact]
    public void Hosts_Refused_Exit2()
    {
        var r = CliRunner.Run(Repo.Root, ["secrets", "rotate", "encryption-key", "--stack", "dev", "--hosts", "cp-1", "--dry-run"]);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--hosts: a key rotation runs on every control plane", r.Out + r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void NoKeptSecrets_Refused_Exit2()
    {
        var r = CliRunner.Run(Repo.Root, ["secrets", "rotate", "encryption-key", "--stack", "dev", "--dry-run"]);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no kept secrets", r.Out + r.Err, StringComparison.Ordinal);
    }
}
