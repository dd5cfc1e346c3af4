using Infra.Core.Kubeadm;
using Infra.TestKit;

namespace Infra.Cli.Tests;

/// <summary>What `infra plan --out` writes for the shipped stacks passes the real checkers, as a user would run them.</summary>
public class PlanOutputToolTests
{
    private static async Task Require(string tool, string package)
    {
        var r = await ProcessRunner.ShellAsync($"command -v {tool}", check: false);
        Assert.True(r.ExitCode == 0, $"'{tool}' is not installed; install it with: apt-get install {package}");
    }

    private static string PlanWithSecrets(TempDir tmp, string stack)
    {
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", stack], variables: vars).ExitCode);
        var r = CliRunner.Run(Repo.Root, ["plan", "--stack", stack, "--out", tmp.File("out"), "--include-secrets"], variables: vars);
        Assert.True(r.ExitCode == 0, r.Err);
        return tmp.File("out");
    }

    [RealToolTheory("shellcheck", "yamllint")]
    [InlineData("dev")]
    [InlineData("staging")]
    [InlineData("prod")]
    public async Task PlanOut_ShippedStack_ScriptsPassShellcheckAndYamlPassesYamllint(string stack)
    {
        await Require("shellcheck", "shellcheck");
        await Require("yamllint", "yamllint");
        using var tmp = new TempDir();
        var dir = PlanWithSecrets(tmp, stack);
        var scripts = Directory.GetFiles(dir, "*.sh", SearchOption.AllDirectories);
        Assert.NotEmpty(scripts);
        var shellcheck = await ProcessRunner.RunAsync("shellcheck", ["-S", "warning", "-s", "bash", "-f", "gcc", .. scripts], check: false);
        Assert.True(shellcheck.ExitCode == 0, shellcheck.Stdout + shellcheck.Stderr);

        var yamls = Directory.GetFiles(dir, "*.yaml", SearchOption.AllDirectories).Where(f => !f.Contains("/files/", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(yamls);
        var config = Path.Combine(Repo.Root, "tests", "Infra.Core.Tests", "yamllint.yaml");
        var yamllint = await ProcessRunner.RunAsync("yamllint", ["-s", "-c", config, "-f", "parsable", .. yamls], check: false);
        Assert.True(yamllint.ExitCode == 0, yamllint.Stdout + yamllint.Stderr);
    }

    [RealToolFact("cloud-init")]
    public async Task PlanOut_CloudStack_CloudConfigsPassCloudInitSchema()
    {
        await Require("cloud-init", "cloud-init");
        using var tmp = new TempDir();
        var dir = PlanWithSecrets(tmp, "staging");
        var configs = Directory.GetFiles(dir, "*.cloud-init.yaml", SearchOption.AllDirectories);
        Assert.Equal(6, configs.Length);
        foreach (var f in configs)
        {
            var r = await ProcessRunner.RunAsync("cloud-init", ["schema", "--config-file", f], check: false);
            Assert.True(r.ExitCode == 0, $"{Path.GetFileName(f)}: {r.Stdout}{r.Stderr}");
        }
    }

    [Fact]
    public void PlanOut_IncludeSecrets_SecretFilesAre0600AndOthersNot()
    {
        using var tmp = new TempDir();
        var dir = PlanWithSecrets(tmp, "dev");
        var key = Directory.GetFiles(dir, "ca.key", SearchOption.AllDirectories).First();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Contains("PRIVATE KEY", File.ReadAllText(key), StringComparison.Ordinal);
        Assert.NotEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "plan.json")));
    }

    [Fact]
    public void PlanOut_WithoutIncludeSecrets_EveryPrivateKeyMasked()
    {
        using var tmp = new TempDir();
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "staging"], variables: vars).ExitCode);
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["plan", "--stack", "staging", "--out", tmp.File("out")], variables: vars).ExitCode);
        // Every private key left is a mask: its one line between BEGIN and END says so.
        foreach (var f in Directory.GetFiles(tmp.File("out"), "*", SearchOption.AllDirectories))
        {
            var lines = File.ReadAllLines(f).Select(l => l.Trim()).ToList();
            for (var i = 0; i < lines.Count; i++)
            {
                if (!lines[i].StartsWith("-----BEGIN", StringComparison.Ordinal) || !lines[i].EndsWith("PRIVATE KEY-----", StringComparison.Ordinal)) continue;
                Assert.Equal(Core.Planning.SecretMask.PrivateKeyBody, lines[i + 1]);
                Assert.StartsWith("-----END", lines[i + 2], StringComparison.Ordinal);
            }
        }
    }

    /// <summary>A plan with no kept secrets and no --include-secrets: every secret value masked.</summary>
    private static string PlanMasked(TempDir tmp, string stack)
    {
        var r = CliRunner.Run(Repo.Root, ["plan", "--stack", stack, "--out", tmp.File("out")]);
        Assert.True(r.ExitCode == 0, r.Err);
        return tmp.File("out");
    }

    [RealToolFact("cloud-init")]
    [Trait("Item", "10.new-user")]
    public async Task PlanOut_MaskedCloudStack_CloudConfigsPassCloudInitSchema()
    {
        await Require("cloud-init", "cloud-init");
        using var tmp = new TempDir();
        var configs = Directory.GetFiles(PlanMasked(tmp, "staging"), "*.cloud-init.yaml", SearchOption.AllDirectories);
        Assert.Equal(6, configs.Length);
        foreach (var f in configs)
        {
            Assert.Contains(Core.Planning.SecretMask.PrivateKeyBody, File.ReadAllText(f), StringComparison.Ordinal);
            var r = await ProcessRunner.RunAsync("cloud-init", ["schema", "--config-file", f], check: false);
            Assert.True(r.ExitCode == 0, $"{Path.GetFileName(f)}: {r.Stdout}{r.Stderr}");
        }
    }

    [RealToolTheory("shellcheck", "yamllint")]
    [Trait("Item", "10.new-user")]
    [InlineData("dev")]
    [InlineData("prod")]
    public async Task PlanOut_MaskedStack_ScriptsPassShellcheckAsFilesAndYamllint(string stack)
    {
        await Require("shellcheck", "shellcheck");
        await Require("yamllint", "yamllint");
        using var tmp = new TempDir();
        var dir = PlanMasked(tmp, stack);
        // No "-s bash": the shebang says which shell, as for a user running shellcheck on the folder.
        var scripts = Directory.GetFiles(dir, "*.sh", SearchOption.AllDirectories);
        Assert.NotEmpty(scripts);
        var shellcheck = await ProcessRunner.RunAsync("shellcheck", ["-S", "warning", "-f", "gcc", .. scripts], check: false);
        Assert.True(shellcheck.ExitCode == 0, shellcheck.Stdout + shellcheck.Stderr);

        var yamls = Directory.GetFiles(dir, "*.yaml", SearchOption.AllDirectories);
        var config = Path.Combine(Repo.Root, "tests", "Infra.Core.Tests", "yamllint.yaml");
        var yamllint = await ProcessRunner.RunAsync("yamllint", ["-s", "-c", config, "-f", "parsable", .. yamls], check: false);
        Assert.True(yamllint.ExitCode == 0, yamllint.Stdout + yamllint.Stderr);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void PlanOut_MaskedEncryptionConfig_DecodesStrictlyWithA32ByteKey()
    {
        using var tmp = new TempDir();
        var dir = PlanMasked(tmp, "dev");
        var file = Directory.GetFiles(dir, "encryption-config.yaml", SearchOption.AllDirectories).First();
        var config = KubeYaml.DecodeStrict<EncryptionConfiguration>(File.ReadAllText(file));
        var key = config.Resources!.SelectMany(r => r.Providers!).Select(p => p.Secretbox).First(k => k is not null)!.Keys!.Single();
        Assert.Equal(Core.Planning.SecretMask.EncryptionKey, key.Secret);
        Assert.Equal(32, Convert.FromBase64String(key.Secret!).Length);
    }
}
