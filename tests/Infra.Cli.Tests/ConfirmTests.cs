using Infra.TestKit;

namespace Infra.Cli.Tests;

public class ConfirmTests
{
    private static CliEnvironment Env(bool interactive, string? answer) => new()
    {
        Out = CliEnvironment.CreateConsole(new StringWriter(), redirected: true, new Dictionary<string, string>()),
        Err = CliEnvironment.CreateConsole(new StringWriter(), redirected: true, new Dictionary<string, string>()),
        Interactive = interactive,
        WorkingDirectory = Path.GetTempPath(),
        Variables = new Dictionary<string, string>(),
        ReadLine = () => answer ?? throw new InvalidOperationException("asked although it must not"),
    };

    [Fact]
    public void Confirm_Yes_ProceedsWithoutAsking() => Assert.True(Env(interactive: false, answer: null).Confirm("Apply?", yes: true));

    [Fact]
    public void Confirm_NoTerminalNoYes_FailsAtOnceAsBadInput()
    {
        var e = Assert.Throws<BadInputException>(() => Env(interactive: false, answer: null).Confirm("Apply?", yes: false));
        Assert.Contains("--yes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("y", true)]
    [InlineData("yes", true)]
    [InlineData("n", false)]
    [InlineData("", false)]
    [InlineData("whatever", false)]
    public void Confirm_Answer_OnlyYesProceeds(string answer, bool expected) =>
        Assert.Equal(expected, Env(interactive: true, answer).Confirm("Apply?", yes: false));

    [Fact]
    public void Reset_NoTerminalNoYes_Exits2BeforeConnecting()
    {
        using var tmp = new TempDir();
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev"], variables: vars).ExitCode);
        // The dev stack's hosts do not exist: reaching the connection step would fail with exit 1, not 2.
        var r = CliRunner.Run(Repo.Root, ["reset", "--stack", "dev"], variables: vars);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--yes", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Reset_AnsweredNo_Exits1NothingDone()
    {
        using var tmp = new TempDir();
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev"], variables: vars).ExitCode);
        var r = CliRunner.Run(Repo.Root, ["reset", "--stack", "dev"], interactive: true, answer: "n", variables: vars);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("nothing was changed", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_UnknownPhase_Exits2()
    {
        var r = CliRunner.Run("apply", "--stack", "dev", "--phase", "prepare,bootstrap", "--yes");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'bootstrap' is not a phase", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "13.2")]
    public void Apply_UpgradePhase_Exits2SayingTheVersionDrivesIt()
    {
        var r = CliRunner.Run("apply", "--stack", "dev", "--phase", "upgrade", "--yes");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("an upgrade follows kubernetes.version", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_CloudStackWithoutInventory_Exits2()
    {
        var r = CliRunner.Run("apply", "--stack", "staging", "--yes");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--inventory", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void HostsScan_BadPort_Exits2()
    {
        var r = CliRunner.Run("hosts", "scan", "10.0.0.1:99999");
        Assert.Equal(2, r.ExitCode);
    }
}
