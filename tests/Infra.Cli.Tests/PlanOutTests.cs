using Infra.TestKit;

namespace Infra.Cli.Tests;

/// <summary><c>infra plan --out</c>: links in the plan folder, throwaway secrets, masked files, scripts as files.</summary>
public class PlanOutTests
{
    private static string[] Plan(string stack, string dir, params string[] more) => ["plan", "--stack", stack, "--out", dir, .. more];

    private static Dictionary<string, string> SecretsIn(TempDir tmp) => new() { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };

    [Fact]
    [Trait("Item", "10.4")]
    public void PlanOut_DirectoryLinkPlantedInEarlierPlan_RefusedAndNothingOutsideChanges()
    {
        using var tmp = new TempDir();
        var dir = tmp.File("out");
        Assert.Equal(0, CliRunner.Run(Repo.Root, Plan("dev", dir)).ExitCode);
        // A folder outside the plan with a file the next plan would find stale.
        Directory.CreateDirectory(tmp.File("victim"));
        File.WriteAllText(tmp.File("victim/precious.txt"), "keep me");
        Directory.CreateSymbolicLink(Path.Combine(dir, "nodes", "planted"), tmp.File("victim"));
        // And one where a real plan folder was, so writing into it would write outside.
        Directory.CreateDirectory(tmp.File("victim2"));
        Directory.Delete(Path.Combine(dir, "pki"), recursive: true);
        Directory.CreateSymbolicLink(Path.Combine(dir, "pki"), tmp.File("victim2"));

        var r = CliRunner.Run(Repo.Root, Plan("dev", dir));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nodes/planted", r.Err, StringComparison.Ordinal);
        Assert.Contains("link", r.Err, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(tmp.File("victim/precious.txt")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.File("victim2")));
    }

    [Fact]
    [Trait("Item", "10.4")]
    public void PlanOut_FileLinkPlantedInEarlierPlan_RefusedAndTargetUnchanged()
    {
        using var tmp = new TempDir();
        var dir = tmp.File("out");
        Assert.Equal(0, CliRunner.Run(Repo.Root, Plan("dev", dir)).ExitCode);
        File.WriteAllText(tmp.File("target.txt"), "keep me");
        File.Delete(Path.Combine(dir, "plan.json"));
        File.CreateSymbolicLink(Path.Combine(dir, "plan.json"), tmp.File("target.txt"));

        var r = CliRunner.Run(Repo.Root, Plan("dev", dir));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("plan.json", r.Err, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(tmp.File("target.txt")));
        Assert.NotNull(new FileInfo(Path.Combine(dir, "plan.json")).LinkTarget);
    }

    [Fact]
    [Trait("Item", "10.4")]
    public void PlanOut_StaleFileLinkPlanted_RefusedAndTargetNotDeleted()
    {
        using var tmp = new TempDir();
        var dir = tmp.File("out");
        Assert.Equal(0, CliRunner.Run(Repo.Root, Plan("dev", dir)).ExitCode);
        File.WriteAllText(tmp.File("target.txt"), "keep me");
        File.CreateSymbolicLink(Path.Combine(dir, "stale-link"), tmp.File("target.txt"));

        var r = CliRunner.Run(Repo.Root, Plan("dev", dir));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("stale-link", r.Err, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(tmp.File("target.txt")));
    }

    [Fact]
    [Trait("Item", "10.18")]
    public void PlanOut_IncludeSecretsWithoutKeptSecrets_Exits2SayingHowAndWritesNothing()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run(Repo.Root, Plan("staging", tmp.File("out"), "--include-secrets"), variables: SecretsIn(tmp));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("infra secrets init", r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.File("out")));
    }

    [Theory]
    [Trait("Item", "10.new-user")]
    [InlineData(false)]
    [InlineData(true)]
    public void PlanOut_WithoutIncludeSecrets_RealFilesWithOnlySecretValuesMasked(bool keptSecrets)
    {
        using var tmp = new TempDir();
        if (keptSecrets) Assert.Equal(0, CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "staging"], variables: SecretsIn(tmp)).ExitCode);
        var dir = tmp.File("out");
        Assert.Equal(0, CliRunner.Run(Repo.Root, Plan("staging", dir), variables: SecretsIn(tmp)).ExitCode);

        var files = Directory.GetFiles(dir, "*", SearchOption.AllDirectories);
        Assert.All(files, f => Assert.DoesNotContain("written only with --include-secrets", File.ReadAllText(f), StringComparison.Ordinal));
        var cloudInit = File.ReadAllText(Assert.Single(files, f => f.EndsWith("/nodes/cp-1/cp-1.cloud-init.yaml", StringComparison.Ordinal)));
        Assert.StartsWith("#cloud-config\n", cloudInit, StringComparison.Ordinal);
        Assert.Contains("  ed25519_private: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    MASKED\n    -----END OPENSSH PRIVATE KEY-----\n", cloudInit, StringComparison.Ordinal);
        Assert.Contains("ed25519_public: ssh-ed25519 AAAA", cloudInit, StringComparison.Ordinal);
        var encryption = File.ReadAllText(Assert.Single(files, f => f.EndsWith("/nodes/cp-1/files/etc/kubernetes/infra/apiserver/encryption-config.yaml", StringComparison.Ordinal)));
        Assert.Contains("secret: MASKED+ENCRYPTION+KEY+MASKED+ENCRYPTION+KEY=", encryption, StringComparison.Ordinal);
        var key = File.ReadAllText(Assert.Single(files, f => f.EndsWith("/nodes/cp-1/files/etc/kubernetes/pki/ca.key", StringComparison.Ordinal)));
        Assert.Matches("^-----BEGIN [A-Z ]*PRIVATE KEY-----\nMASKED\n-----END [A-Z ]*PRIVATE KEY-----\n?$", key);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void PlanOut_KeptSecretsNotIncluded_NoLineOfAnyKeptSecretAnywhere()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "staging"], variables: SecretsIn(tmp)).ExitCode);
        Assert.Equal(0, CliRunner.Run(Repo.Root, Plan("staging", tmp.File("out")), variables: SecretsIn(tmp)).ExitCode);

        static bool IsPublic(string f) => f.EndsWith(".crt", StringComparison.Ordinal) || f.EndsWith(".pub", StringComparison.Ordinal);
        var all = Directory.GetFiles(tmp.File("secrets"), "*", SearchOption.AllDirectories);
        // An EC private key's PEM carries its public point too: lines also found in a public file are not secret.
        var publicText = string.Concat(all.Where(IsPublic).Select(File.ReadAllText));
        var secretLines = all.Where(f => !IsPublic(f)).SelectMany(File.ReadAllLines)
            .Where(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal) && !publicText.Contains(l, StringComparison.Ordinal)).ToHashSet();
        Assert.True(secretLines.Count > 20);
        foreach (var f in Directory.GetFiles(tmp.File("out"), "*", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(f);
            Assert.DoesNotContain(secretLines, l => text.Contains(l, StringComparison.Ordinal));
        }
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void PlanOut_Scripts_StartWithEnvBashShebang()
    {
        using var tmp = new TempDir();
        var dir = tmp.File("out");
        Assert.Equal(0, CliRunner.Run(Repo.Root, Plan("dev", dir)).ExitCode);
        var scripts = Directory.GetFiles(dir, "*.sh", SearchOption.AllDirectories);
        Assert.NotEmpty(scripts);
        Assert.All(scripts, f => Assert.StartsWith("#!/usr/bin/env bash\nset -euo pipefail\n", File.ReadAllText(f), StringComparison.Ordinal));
    }
}
