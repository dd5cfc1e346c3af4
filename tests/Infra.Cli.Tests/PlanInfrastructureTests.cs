using Infra.Core.Infrastructure;
using Infra.Core.Planning;
using Infra.TestKit;

namespace Infra.Cli.Tests;

/// <summary><c>infra plan</c> on cloud stacks shows and writes the infrastructure the Pulumi program creates.</summary>
public class PlanInfrastructureTests
{
    /// <summary>The records the Pulumi program maps (ClusterStack: CloudPlanner.Plan over the planned hosts).</summary>
    private static InfrastructurePlan PulumiRecords(string stack)
    {
        var spec = StackFile.Read("s", File.ReadAllText(Path.Combine(Repo.Root, "stacks", $"Pulumi.{stack}.yaml"))).Spec!;
        return CloudPlanner.Plan(spec, HostInventory.Plan(spec));
    }

    [Theory]
    [Trait("Item", "12.7")]
    [InlineData("staging")]
    [InlineData("prod")]
    public void Plan_CloudStack_PrintsNetworksSubnetsEveryRuleLoadBalancerAndVms(string stack)
    {
        var records = PulumiRecords(stack);
        var r = CliRunner.Run("plan", "--stack", stack);
        Assert.True(r.ExitCode == 0, r.Err);
        var lines = r.Out.Split('\n');

        Assert.Contains($"Infrastructure on {records.Target.ToString().ToLowerInvariant()} {records.Region}", r.Out, StringComparison.Ordinal);
        Assert.Contains($"  network {records.Network.Name} {records.Network.Cidr}", lines);
        Assert.All(records.Subnets, s => Assert.Contains($"  subnet {s.Name} {s.Zone} {s.Cidr}", lines));
        Assert.All(records.Firewall, f => Assert.Single(lines, l => l.Contains($": {f.Name} — ", StringComparison.Ordinal)
            && (f.Ports is null || l.Contains($" {f.Ports} from ", StringComparison.Ordinal))
            && f.SourceRanges.All(s => l.Contains(s, StringComparison.Ordinal))));
        Assert.Contains(lines, l => l.StartsWith($"  load balancer {records.LoadBalancer.Name}: tcp 6443 to {string.Join(", ", records.LoadBalancer.Targets)}", StringComparison.Ordinal));
        Assert.All(records.Vms, v => Assert.Single(lines, l => l.StartsWith($"  vm {v.Name} ({v.Host}", StringComparison.Ordinal)
            && l.Contains($"{v.Size} in {v.Zone}", StringComparison.Ordinal) && l.Contains(v.Image.Reference, StringComparison.Ordinal)));
    }

    [Fact]
    [Trait("Item", "12.7")]
    public void Plan_StagingAwsFirewall_ShowsSourcesAndPorts()
    {
        var r = CliRunner.Run("plan", "--stack", "staging");
        Assert.Contains("allow tcp 22 from 203.0.113.0/24 to all-vms: staging-ssh", r.Out, StringComparison.Ordinal);
        Assert.Contains("allow tcp 6443 from 203.0.113.0/24, 198.51.100.0/24 to load-balancer", r.Out, StringComparison.Ordinal);
        Assert.Contains("allow tcp 2379-2380 from control-planes (private addresses) to control-planes", r.Out, StringComparison.Ordinal);
    }

    [Theory]
    [Trait("Item", "12.7")]
    [InlineData("staging")]
    [InlineData("prod")]
    public void PlanOut_CloudStack_WritesInfrastructureJsonOfThePulumiRecords(string stack)
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run(Repo.Root, ["plan", "--stack", stack, "--out", tmp.File("out")]);
        Assert.True(r.ExitCode == 0, r.Err);

        Assert.Equal(InfrastructurePlanJson.Serialize(PulumiRecords(stack)), File.ReadAllText(tmp.File("out/infrastructure.json")));
    }

    [Fact]
    [Trait("Item", "12.7")]
    public void Plan_BareMetal_NoInfrastructure()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run(Repo.Root, ["plan", "--stack", "dev", "--out", tmp.File("out")]);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.DoesNotContain("Infrastructure on", r.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(tmp.File("out/infrastructure.json")));
    }
}
