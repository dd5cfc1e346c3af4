using System.Text.Json;
using Infra.TestKit;

namespace Infra.Cli.Tests;

public class ValidateCommandTests
{
    [Theory]
    [InlineData("dev")]
    [InlineData("staging")]
    [InlineData("prod")]
    public void Validate_ShippedStack_IsValid(string stack)
    {
        var r = CliRunner.Run("validate", "--stack", stack);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains($"cluster '{stack}'", r.Out, StringComparison.Ordinal);
        Assert.Equal("", r.Err);
    }

    [Fact]
    public void Validate_NoStackGiven_UsesEmbeddedDevStack()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run(tmp.Path, ["validate"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("(embedded)", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmbeddedStack_EqualsShippedDevStack()
    {
        using var tmp = new TempDir();
        var (_, embedded) = StackLoader.Locate(new StackSettings(), new CliEnvironment
        {
            Out = Spectre.Console.AnsiConsole.Console,
            Err = Spectre.Console.AnsiConsole.Console,
            Interactive = false,
            WorkingDirectory = tmp.Path,
            Variables = new Dictionary<string, string>(),
        }, allowEmbeddedDefault: true);
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Root, "stacks", "Pulumi.dev.yaml")), embedded);
    }

    [Fact]
    public void Validate_BadFile_PrintsEveryProblemOnStderrAndExits2()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("bad.yaml"), """
            config:
              infra:cluster:
                name: Bad_Name
                target: moon
                kubernetes: { version: "1.2" }
            """);
        var r = CliRunner.Run(tmp.Path, ["validate", "--file", "bad.yaml"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bad.yaml:3:11: error INF005", r.Err, StringComparison.Ordinal);
        Assert.Contains("bad.yaml:4:13: error INF020", r.Err, StringComparison.Ordinal);
        Assert.Contains("bad.yaml:5:28: error INF006", r.Err, StringComparison.Ordinal);
        Assert.Contains("3 error(s)", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_JsonOutput_ListsDiagnostics()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("bad.yaml"), "config:\n  infra:cluster:\n    name: x\n");
        var r = CliRunner.Run(tmp.Path, ["validate", "--file", "bad.yaml", "--output", "json"]);
        Assert.Equal(2, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.False(doc.RootElement.GetProperty("valid").GetBoolean());
        Assert.Contains(doc.RootElement.GetProperty("diagnostics").EnumerateArray(), d => d.GetProperty("code").GetString() == "INF004");
    }

    [Fact]
    public void Validate_StackAndFileBoth_Exits2()
    {
        var r = CliRunner.Run("validate", "--stack", "dev", "--file", "stacks/Pulumi.dev.yaml");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not both", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownStack_Exits2ListingStacks()
    {
        var r = CliRunner.Run("validate", "--stack", "qa");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("dev, prod, staging", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingFile_Exits2()
    {
        var r = CliRunner.Run("validate", "--file", "no-such.yaml");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no such stack file", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadOutputFormat_Exits2()
    {
        var r = CliRunner.Run("validate", "--stack", "dev", "--output", "xml");
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public void Run_UnknownCommand_Exits2()
    {
        var r = CliRunner.Run("frobnicate");
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    [Trait("Item", "10.11")]
    public void Validate_40000NestedBrackets_Exits2WithInf001NotACrash()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("deep.yaml"), new string('[', 40000));
        var r = CliRunner.Run(tmp.Path, ["validate", "--file", "deep.yaml"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("deep.yaml:1:", r.Err, StringComparison.Ordinal);
        Assert.Contains("error INF001: malformed YAML: the structure is nested deeper than", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.11")]
    public void Validate_UnterminatedFlowMapping_Exits2WithInf001InWords()
    {
        using var tmp = new TempDir();
        // Before: "error: Operation is not valid due to the current state of the object." with no position.
        File.WriteAllText(tmp.File("bad.yaml"), "config:\n  infra:cluster: { name: dev,\n    target: baremetal\n\nx: 1\n");
        var r = CliRunner.Run(tmp.Path, ["validate", "--file", "bad.yaml"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bad.yaml:2:18: error INF001: malformed YAML: this '[' or '{' is never closed", r.Err, StringComparison.Ordinal);
        Assert.Contains("error INF001", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Operation is not valid", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.6")]
    public void Validate_LabelValueWithKubeletFlag_Exits2AtTheLabel()
    {
        using var tmp = new TempDir();
        var stack = File.ReadAllText(Path.Combine(Repo.Root, "stacks", "Pulumi.dev.yaml"));
        var yaml = stack.Replace("tier: general", "tier: \"a --authorization-mode=AlwaysAllow\"", StringComparison.Ordinal);
        Assert.NotEqual(stack, yaml);
        File.WriteAllText(tmp.File("labels.yaml"), yaml);
        var r = CliRunner.Run(tmp.Path, ["validate", "--file", "labels.yaml"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Matches(@"labels\.yaml:\d+:\d+: error INF038: label value 'a --authorization-mode=AlwaysAllow'", r.Err);
    }

    [Fact]
    [Trait("Item", "10.10")]
    public void Validate_FileOverTheSizeBound_Exits2Unread()
    {
        using var tmp = new TempDir();
        using (var f = File.Create(tmp.File("big.yaml"))) f.SetLength(Infra.Core.Spec.Limits.MaxFileBytes + 1L);
        var r = CliRunner.Run(tmp.Path, ["validate", "--file", "big.yaml"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("big.yaml: the stack file is larger than", r.Err, StringComparison.Ordinal);
        Assert.Contains("at most 4 MiB", r.Err, StringComparison.Ordinal);
    }
}
