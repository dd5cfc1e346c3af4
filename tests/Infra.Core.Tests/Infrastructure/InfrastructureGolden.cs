using Infra.Core.Tests.NodePrograms;

namespace Infra.Core.Tests.Infrastructure;

/// <summary>Golden files under tests/Infra.Core.Tests/golden/infrastructure/, rewritten only with INFRA_UPDATE_GOLDEN=1.</summary>
internal static class InfrastructureGolden
{
    public static void Verify(string name, string actual) => TestPaths.VerifyGolden($"infrastructure/{name}", actual);
}
