using Infra.Core.Infrastructure;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Cli.Tests;

public class HostSelectionTests
{
    [Fact]
    public void Apply_UnknownHostName_Exits2WithSuggestionAndCreatesNoSecrets()
    {
        using var tmp = new TempDir();
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };
        var r = CliRunner.Run(Repo.Root, ["apply", "--stack", "dev", "--hosts", "w-3", "--yes"], variables: vars);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no host 'w-3'", r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.File("secrets")));
    }

    [Fact]
    public void Apply_CloudInventoryWithoutEndpoint_Exits2NamingTheFile()
    {
        using var tmp = new TempDir();
        var spec = StackFile.Read("s", File.ReadAllText(Path.Combine(Repo.Root, "stacks", "Pulumi.staging.yaml"))).Spec!;
        var hosts = HostInventory.Plan(spec).Select((h, i) => new HostSpec
        {
            Name = h.Name,
            Address = $"192.0.2.{10 + i}",
            Port = 22,
            User = "infra",
            Roles = h.Roles,
            Pool = h.Pool,
            HostKey = HostKeyPin.TryParse(SampleSpecs.DummyFingerprint, out var pin, out _) ? pin! : throw new InvalidOperationException(),
        }).ToList();
        File.WriteAllText(tmp.File("inventory.json"), CloudInventory.ToJson(hosts));
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };
        var r = CliRunner.Run(Repo.Root, ["status", "--stack", "staging", "--inventory", tmp.File("inventory.json")], variables: vars);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no 'endpoint'", r.Err, StringComparison.Ordinal);
    }
}
