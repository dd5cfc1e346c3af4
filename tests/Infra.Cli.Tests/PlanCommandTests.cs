using System.Text.Json;
using Infra.TestKit;

namespace Infra.Cli.Tests;

public class PlanCommandTests
{
    [Fact]
    public void Plan_DevStack_PrintsHostsAndOrder()
    {
        var r = CliRunner.Run("plan", "--stack", "dev");
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains("cp-1", r.Out, StringComparison.Ordinal);
        Assert.Contains("init cp-1", r.Out, StringComparison.Ordinal);
        Assert.Contains("join workers", r.Out, StringComparison.Ordinal);
    }

    /// <summary>The Order and Reset order sections print the execution plan's waves, each as the plan describes it, and nothing else.</summary>
    [Fact]
    [Trait("Item", "12.1")]
    public void Plan_DevStack_OrderSectionsAreTheExecutionPlansWaves()
    {
        var path = Path.Combine(Repo.Root, "stacks", "Pulumi.dev.yaml");
        var plan = Core.Planning.ClusterPlanner.Plan(Core.Planning.StackFile.Read(path, File.ReadAllText(path)).Spec!);

        var r = CliRunner.Run("plan", "--stack", "dev");

        Assert.True(r.ExitCode == 0, r.Err);
        var lines = r.Out.Split('\n').Select(l => l.TrimEnd()).ToList();
        var order = lines.IndexOf("Order");
        var reset = lines.IndexOf("Reset order");
        Assert.True(order >= 0 && reset > order, r.Out);
        Assert.Equal(plan.Execution.Waves.Select((w, i) => $"  {i + 1}. {w.Describe()}"), lines[(order + 1)..reset]);
        Assert.Equal(plan.Execution.ResetWaves.Select((w, i) => $"  {i + 1}. {w.Describe()}"), lines.Skip(reset + 1).Take(plan.Execution.ResetWaves.Count));
        Assert.Contains(plan.Execution.Waves, w => w.Phase == Core.Model.Phase.Workloads);
    }

    /// <summary>Issue 13: plan names the configuration procedures each host carries, and what is refused.</summary>
    [Fact]
    [Trait("Item", "13.3")]
    public void Plan_DevStack_NamesTheConfigurationProcedures()
    {
        var path = Path.Combine(Repo.Root, "stacks", "Pulumi.dev.yaml");
        var plan = Core.Planning.ClusterPlanner.Plan(Core.Planning.StackFile.Read(path, File.ReadAllText(path)).Spec!);

        var r = CliRunner.Run("plan", "--stack", "dev");

        Assert.True(r.ExitCode == 0, r.Err);
        var lines = r.Out.Split('\n').Select(l => l.TrimEnd()).ToList();
        var at = lines.IndexOf("Configuration changes on a live cluster");
        Assert.True(at >= 0, r.Out);
        var described = Core.Planning.DayTwoProcedures.Describe(plan);
        Assert.Contains(described, l => l.StartsWith("reconfigure (control-plane.settings): ", StringComparison.Ordinal));
        Assert.Equal(described.Select(l => "  " + l), lines.Skip(at + 1).Take(described.Count));
    }

    [Fact]
    public void Plan_Out_WritesPlanJsonWithSchemaVersion()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run(Repo.Root, ["plan", "--stack", "dev", "--out", tmp.File("out")]);
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(File.ReadAllText(tmp.File("out/plan.json")));
        Assert.Equal(2, doc.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("dev", doc.RootElement.GetProperty("cluster").GetString());
    }

    [Fact]
    public void Plan_CloudStackTwiceWithKeptSecrets_EveryFileByteIdentical()
    {
        using var tmp = new TempDir();
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "staging"], variables: vars).ExitCode);
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["plan", "--stack", "staging", "--out", tmp.File("a")], variables: vars).ExitCode);
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["plan", "--stack", "staging", "--out", tmp.File("b")], variables: vars).ExitCode);
        var a = Directory.EnumerateFiles(tmp.File("a"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(tmp.File("a"), f)).Order().ToList();
        var b = Directory.EnumerateFiles(tmp.File("b"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(tmp.File("b"), f)).Order().ToList();
        Assert.Equal(a, b);
        Assert.Contains(a, f => f.EndsWith(".cloud-init.yaml", StringComparison.Ordinal));
        foreach (var f in a) Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.File("a"), f)), File.ReadAllBytes(Path.Combine(tmp.File("b"), f)));
    }

    [Fact]
    [Trait("Item", "14.1")]
    public void Plan_KeptLeavesWithinRenewBeforeDays_NamesTheRenewalsDue_NotBefore()
    {
        using var tmp = new TempDir();
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev"], variables: vars).ExitCode);

        var now = CliRunner.Run(Repo.Root, ["plan", "--stack", "dev"], variables: vars);
        var later = CliRunner.Run(Repo.Root, ["plan", "--stack", "dev"], variables: vars, clock: new FixedClock(DateTimeOffset.UtcNow.AddDays(300)));

        Assert.Equal(0, now.ExitCode);
        Assert.DoesNotContain("Certificate renewals due", now.Out, StringComparison.Ordinal);
        Assert.Equal(0, later.ExitCode);
        Assert.Contains("Certificate renewals due:", later.Out, StringComparison.Ordinal);
        Assert.Contains("expire within 90 days (certificates.renewBeforeDays)", later.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_OutAgain_RemovesStaleFiles()
    {
        using var tmp = new TempDir();
        var dir = tmp.File("out");
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["plan", "--stack", "dev", "--out", dir]).ExitCode);
        Directory.CreateDirectory(Path.Combine(dir, "nodes", "gone"));
        File.WriteAllText(Path.Combine(dir, "nodes", "gone", "01-prepare-old.sh"), "echo stale");
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["plan", "--stack", "dev", "--out", dir]).ExitCode);
        Assert.False(Directory.Exists(Path.Combine(dir, "nodes", "gone")));
        Assert.True(File.Exists(Path.Combine(dir, "plan.json")));
    }

    [Fact]
    public void Plan_OutIntoForeignNonEmptyFolder_RefusedAndUntouched()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("precious.txt"), "keep me");
        var r = CliRunner.Run(Repo.Root, ["plan", "--stack", "dev", "--out", tmp.Path]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("keep me", File.ReadAllText(tmp.File("precious.txt")));
        Assert.False(File.Exists(tmp.File("plan.json")));
    }

    [Fact]
    public void Plan_InvalidStack_Exits2AndWritesNothing()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("bad.yaml"), "config:\n  infra:cluster:\n    name: x\n");
        var r = CliRunner.Run(tmp.Path, ["plan", "--file", "bad.yaml", "--out", "out"]);
        Assert.Equal(2, r.ExitCode);
        Assert.False(Directory.Exists(tmp.File("out")));
    }
}
