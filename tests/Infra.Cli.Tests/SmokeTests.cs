namespace Infra.Cli.Tests;

public class SmokeTests
{
    [Fact]
    public void Assembly_Loads_HasName() => Assert.Equal("Infra.Cli.Tests", typeof(SmokeTests).Assembly.GetName().Name);
}
