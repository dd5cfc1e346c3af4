namespace Infra.Ssh.Tests;

public class SmokeTests
{
    [Fact]
    public void Assembly_Loads_HasName() => Assert.Equal("Infra.Ssh.Tests", typeof(SmokeTests).Assembly.GetName().Name);
}
