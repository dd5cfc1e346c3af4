using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Infra.TestKit;

/// <summary>
/// The tiers of the test suite, as the trait <c>Tier</c>: <see cref="RealHost"/> tests start real hosts (sshd in
/// network namespaces, systemd, etcd) and need root; <see cref="RealTool"/> tests run a real checker or server
/// (shellcheck, yamllint, openssl, cloud-init, etcd, containerd, …) installed on the machine. Every other test is pure.
/// A plain <c>dotnet test</c> skips a tier this machine cannot run and says why; <c>tests/run.sh</c> sets
/// <see cref="RunAllVariable"/>, under which nothing is skipped: a missing precondition fails the test instead.
/// </summary>
public static class TestTiers
{
    public const string Trait = "Tier";
    public const string RealHost = "RealHost";
    public const string RealTool = "RealTool";

    /// <summary>Set to 1 by tests/run.sh (and CI): every tier runs, and what it lacks is a failure, not a skip.</summary>
    public const string RunAllVariable = "INFRA_TEST_ALL";

    public const string RunAllHint = "run every test as root with: sudo bash tests/run.sh";

    public static bool RunAll => Environment.GetEnvironmentVariable(RunAllVariable) == "1";

    /// <summary>Why real-host tests cannot run here, or null when they run (always under <see cref="RunAll"/>).</summary>
    public static string? RealHostSkipReason { get; } = RealHostSkip(RunAll, OperatingSystem.IsLinux(), Environment.IsPrivilegedProcess);

    /// <summary>Why a test needing <paramref name="tools"/> cannot run here, or null when it runs.</summary>
    public static string? RealToolSkipReason(IEnumerable<string> tools) =>
        RealToolSkip(RunAll, [.. tools.Where(t => FindOnPath(t) is null)]);

    public static string? RealHostSkip(bool runAll, bool linux, bool root) =>
        runAll ? null
        : !linux ? $"{RealHost} test: needs Linux (network namespaces, overlayfs); {RunAllHint}"
        : !root ? $"{RealHost} test: needs root (it creates network namespaces and starts sshd); {RunAllHint}"
        : null;

    public static string? RealToolSkip(bool runAll, IReadOnlyList<string> missing) =>
        runAll || missing.Count == 0 ? null
        : $"{RealTool} test: {string.Join(", ", missing)} not installed here; {RunAllHint} (it installs the tools)";

    /// <summary>
    /// Test methods of <paramref name="assembly"/> whose class takes a fixture that <paramref name="startsHosts"/> (class or
    /// collection fixture) but whose attribute is not a RealHost one: without root they would fail instead of skipping.
    /// </summary>
    public static IReadOnlyList<string> UnmarkedHostTests(System.Reflection.Assembly assembly, Func<Type, bool> startsHosts) =>
        [.. assembly.GetTypes()
            .Where(t => t.GetConstructors().Any(c => c.GetParameters().Any(p => startsHosts(p.ParameterType))))
            .SelectMany(t => t.GetMethods())
            .Where(m => m.GetCustomAttributes(true).OfType<FactAttribute>().Any()
                && !m.GetCustomAttributes(true).Any(a => a is RealHostFactAttribute or RealHostTheoryAttribute))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")];

    /// <summary>An absolute path as it is, or the first match of a bare name on PATH.</summary>
    public static string? FindOnPath(string tool)
    {
        if (Path.IsPathRooted(tool)) return File.Exists(tool) ? tool : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>A fact that starts real hosts: trait Tier=RealHost, skipped (saying why) without root unless tests/run.sh runs it.</summary>
[TraitDiscoverer(TierTraitDiscoverer.TypeName, TierTraitDiscoverer.AssemblyName)]
[AttributeUsage(AttributeTargets.Method)]
public sealed class RealHostFactAttribute : FactAttribute, ITraitAttribute
{
    public RealHostFactAttribute() => Skip = TestTiers.RealHostSkipReason!;
}

/// <summary>A theory that starts real hosts; see <see cref="RealHostFactAttribute"/>.</summary>
[TraitDiscoverer(TierTraitDiscoverer.TypeName, TierTraitDiscoverer.AssemblyName)]
[AttributeUsage(AttributeTargets.Method)]
public sealed class RealHostTheoryAttribute : TheoryAttribute, ITraitAttribute
{
    public RealHostTheoryAttribute() => Skip = TestTiers.RealHostSkipReason!;
}

/// <summary>A fact that runs real tools (names or absolute paths): trait Tier=RealTool, skipped (saying which) where one is missing unless tests/run.sh runs it.</summary>
[TraitDiscoverer(TierTraitDiscoverer.TypeName, TierTraitDiscoverer.AssemblyName)]
[AttributeUsage(AttributeTargets.Method)]
public sealed class RealToolFactAttribute : FactAttribute, ITraitAttribute
{
    public RealToolFactAttribute(params string[] tools)
    {
        Tools = tools;
        Skip = TestTiers.RealToolSkipReason(tools)!;
    }

    public IReadOnlyList<string> Tools { get; }
}

/// <summary>A theory that runs real tools; see <see cref="RealToolFactAttribute"/>.</summary>
[TraitDiscoverer(TierTraitDiscoverer.TypeName, TierTraitDiscoverer.AssemblyName)]
[AttributeUsage(AttributeTargets.Method)]
public sealed class RealToolTheoryAttribute : TheoryAttribute, ITraitAttribute
{
    public RealToolTheoryAttribute(params string[] tools)
    {
        Tools = tools;
        Skip = TestTiers.RealToolSkipReason(tools)!;
    }

    public IReadOnlyList<string> Tools { get; }
}

/// <summary>Gives the tier attributes above their trait (Tier=RealHost / RealTool), so <c>--filter Tier=RealHost</c> selects them.</summary>
public sealed class TierTraitDiscoverer : ITraitDiscoverer
{
    public const string TypeName = "Infra.TestKit.TierTraitDiscoverer";
    public const string AssemblyName = "Infra.TestKit";

    public IEnumerable<KeyValuePair<string, string>> GetTraits(IAttributeInfo traitAttribute)
    {
        var name = traitAttribute is IReflectionAttributeInfo r ? r.Attribute.GetType().Name : "";
        yield return new(TestTiers.Trait, name.StartsWith(TestTiers.RealHost, StringComparison.Ordinal) ? TestTiers.RealHost : TestTiers.RealTool);
    }
}
