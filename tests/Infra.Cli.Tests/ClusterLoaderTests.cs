using System.Security.Cryptography.X509Certificates;
using Infra.Cli.Commands;
using Infra.Core.Pki;
using Infra.TestKit;

namespace Infra.Cli.Tests;

/// <summary>The host commands' loader returns what it found (a cluster, or an exit code with what to say) and prints nothing itself.</summary>
public class ClusterLoaderTests
{
    private static readonly DateTimeOffset Then = new(2031, 2, 3, 4, 5, 6, TimeSpan.Zero);

    private static (ClusterLoader Loader, CliEnvironment Env, StringWriter Output) Loader(string secretsDir, TimeProvider? clock = null)
    {
        var output = new StringWriter();
        var env = new CliEnvironment
        {
            Out = CliEnvironment.CreateConsole(output, redirected: true, new Dictionary<string, string>()),
            Err = CliEnvironment.CreateConsole(output, redirected: true, new Dictionary<string, string>()),
            Interactive = false,
            WorkingDirectory = Repo.Root,
            Variables = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = secretsDir },
        };
        return (new ClusterLoader(env, clock ?? TimeProvider.System), env, output);
    }

    [Fact]
    [Trait("Item", "12.5")]
    public void Load_StackWithErrors_Exit2WithTheDiagnosticsInTheResultAndNothingPrinted()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("Pulumi.bad.yaml"), "config:\n  infra:cluster:\n    name: Not_A_Name\n");
        var (loader, env, output) = Loader(tmp.File("secrets"));

        var result = loader.Load(new HostSettings { File = tmp.File("Pulumi.bad.yaml") }, createSecrets: false);

        Assert.Null(result.Context);
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.NotEmpty(result.Stack!.Errors);
        Assert.Equal("", output.ToString());
        result.Print(env, json: false);
        Assert.Contains(result.Stack.Errors.First().ToString(), output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "12.5")]
    public void Load_HostNotInStack_Exit2WithTheErrorInTheResultAndNoSecretsFolder()
    {
        using var tmp = new TempDir();
        var (loader, env, output) = Loader(tmp.File("secrets"));

        var result = loader.Load(new HostSettings { Stack = "dev", Hosts = "no-such-host" }, createSecrets: true);

        Assert.Null(result.Context);
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.StartsWith("--hosts: no host 'no-such-host' in the stack", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.File("secrets")));
        Assert.Equal("", output.ToString());
        result.Print(env, json: false);
        Assert.Contains("error: --hosts: no host 'no-such-host'", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "12.5")]
    public void Load_CreateSecrets_ContextWithSecretsMadeAtTheInjectedTimeAndANoteSayingSo()
    {
        using var tmp = new TempDir();
        var (loader, _, output) = Loader(tmp.File("secrets"), new FixedClock(Then));

        var result = loader.Load(new HostSettings { Stack = "dev" }, createSecrets: true);

        Assert.NotNull(result.Context);
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Matches(@"^kept secrets: \d+ item\(s\) created in ", result.SecretsNote);
        using var ca = X509Certificate2.CreateFromPem(result.Context.Plan.Secrets!.ClusterCa.CertificatePem);
        Assert.Equal(Then + ClusterPki.CaLifetime, new DateTimeOffset(ca.NotAfter.ToUniversalTime()));
        Assert.Equal("", output.ToString());
    }
}

/// <summary>A clock that always says the same time.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
