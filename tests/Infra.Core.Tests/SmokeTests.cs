namespace Infra.Core.Tests;

public class SmokeTests
{
    [Fact]
    public void Assembly_Loads_HasName() => Assert.Equal("Infra.Core.Tests", typeof(SmokeTests).Assembly.GetName().Name);
}
