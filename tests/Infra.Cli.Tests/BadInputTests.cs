using Infra.TestKit;

namespace Infra.Cli.Tests;

/// <summary>User errors not covered elsewhere: each exits 2 with a message that names what is wrong, and changes nothing.</summary>
public class BadInputTests
{
    [Fact]
    public void Validate_StackNameOutsideAProject_Exits2SayingWhereStacksAreLooked()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run(tmp.Path, ["validate", "--stack", "dev"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no stacks/ folder next to a Pulumi.yaml", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void SecretsImport_MissingFile_Exits2AndWritesNothing()
    {
        using var tmp = new TempDir();
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };
        var r = CliRunner.Run(Repo.Root, ["secrets", "import", "--stack", "dev", "--from", tmp.File("nope.json")], variables: vars);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no such file", r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.File("secrets")));
    }

    [Fact]
    public void Status_WithoutKeptSecrets_Exits2NamingSecretsInit()
    {
        var r = CliRunner.Run("status", "--stack", "dev");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("infra secrets init", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_MissingInventoryFile_Exits2()
    {
        var r = CliRunner.Run("apply", "--stack", "staging", "--inventory", "no-such-inventory.json", "--yes");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no such inventory file", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_MalformedInventory_Exits2WithPositionAndKey()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("inventory.json"), "{\"endpoint\": \"lb:6443\", \"hosts\": [{\"name\": \"cp-1\", \"roles\": [\"control-plane\"]}]}");
        var r = CliRunner.Run(Repo.Root, ["apply", "--stack", "staging", "--inventory", tmp.File("inventory.json"), "--yes"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("hosts[0]", r.Err, StringComparison.Ordinal);
        Assert.Contains("INF014", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.11")]
    public void Apply_InventoryWith40000NestedBrackets_Exits2WithInf001NotACrash()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("deep.json"), "{\"hosts\": " + new string('[', 40000));
        var r = CliRunner.Run("apply", "--stack", "staging", "--inventory", tmp.File("deep.json"), "--yes");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error INF001: malformed YAML: the structure is nested deeper than", r.Err, StringComparison.Ordinal);
    }
}
