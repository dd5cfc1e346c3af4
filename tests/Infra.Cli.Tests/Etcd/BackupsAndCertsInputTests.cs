namespace Infra.Cli.Tests.Etcd;

/// <summary>infra certs check and infra etcd backups: input refused before any host is contacted (exit 2).</summary>
public class BackupsAndCertsInputTests
{
    private static string Stack(TempDir tmp)
    {
        var path = tmp.File("Pulumi.e.yaml");
        File.WriteAllText(path, """
            config:
              infra:cluster:
                name: e
                target: baremetal
                kubernetes: { version: "1.36.1" }
                network: { podCidr: 10.244.0.0/16, serviceCidr: 10.96.0.0/12, nodeCidr: 127.0.0.0/8 }
                etcd: { topology: external }
                ssh: { connectTimeoutSeconds: 1 }
                hosts:
                  - { name: cp-1, address: 127.0.0.1, port: 1, hostKey: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", roles: [control-plane] }
                  - { name: etcd-1, address: 127.0.0.1, port: 2, hostKey: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", roles: [etcd] }

            """);
        return path;
    }

    private static CliRunner.Result Run(TempDir tmp, params string[] args) =>
        CliRunner.Run(tmp.Path, args, variables: new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") });

    [Trait("Item", "14.1")]
    [Theory]
    [InlineData("-1", "--within is a number of days from 0 to 3650, not -1")]
    [InlineData("3651", "--within is a number of days from 0 to 3650, not 3651")]
    [InlineData("soon", "soon")]
    public void CertsCheck_BadWithin_Exit2(string within, string said)
    {
        using var tmp = new TempDir();
        var r = Run(tmp, "certs", "check", "--within", within, "--file", Stack(tmp));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(said, r.Out + r.Err, StringComparison.Ordinal);
    }

    [Trait("Item", "14.1")]
    [Fact]
    public void CertsCheck_NoHostReachable_Exit1NamingEachHost()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, Run(tmp, "secrets", "init", "--file", Stack(tmp)).ExitCode);
        var r = Run(tmp, "certs", "check", "--file", Stack(tmp));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("cp-1:", r.Err, StringComparison.Ordinal);
        Assert.Contains("etcd-1:", r.Err, StringComparison.Ordinal);
    }

    [Trait("Item", "14.1")]
    [Fact]
    public void CertsRenew_Ca_RefusedExit2NothingChanged()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, Run(tmp, "secrets", "init", "--file", Stack(tmp)).ExitCode);
        var before = Directory.GetFiles(tmp.File("secrets"), "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);
        var r = Run(tmp, "certs", "renew", "--ca", "--yes", "--file", Stack(tmp));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("CA rotation is not automated", r.Out + r.Err, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFiles(tmp.File("secrets"), "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText));
    }

    [Trait("Item", "14.1")]
    [Fact]
    public void CertsRenew_NoKeptSecrets_Exit2()
    {
        using var tmp = new TempDir();
        var r = Run(tmp, "certs", "renew", "--yes", "--file", Stack(tmp));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no kept secrets", r.Out + r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.File("secrets")));
    }

    [Trait("Item", "14.1")]
    [Fact]
    public void CertsRenew_NoHostReachable_KeptSecretsRenewedFirstExit1()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, Run(tmp, "secrets", "init", "--file", Stack(tmp)).ExitCode);
        var file = Directory.GetFiles(tmp.File("secrets"), "*", SearchOption.AllDirectories).Single(f => f.Contains("etcd-server", StringComparison.Ordinal) && f.EndsWith(".crt", StringComparison.Ordinal));
        var before = File.ReadAllText(file);
        var r = Run(tmp, "certs", "renew", "--hosts", "etcd-1", "--yes", "--file", Stack(tmp));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("etcd-server/etcd-1: renewed", r.Out, StringComparison.Ordinal);
        // The kept secrets hold the renewed certificate before any host is reached.
        Assert.NotEqual(before, File.ReadAllText(file));
    }

    [Trait("Item", "14.3")]
    [Fact]
    public void BackupsPull_NoOut_Exit2()
    {
        using var tmp = new TempDir();
        var r = Run(tmp, "etcd", "backups", "pull", "--file", Stack(tmp));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--out DIR is required", r.Err, StringComparison.Ordinal);
    }

    [Trait("Item", "14.3")]
    [Fact]
    public void BackupsPull_OutNotAFolder_Exit2()
    {
        using var tmp = new TempDir();
        var r = Run(tmp, "etcd", "backups", "pull", "--out", tmp.File("missing"), "--file", Stack(tmp));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is not a folder", r.Err, StringComparison.Ordinal);
    }

    [Trait("Item", "14.3")]
    [Fact]
    public void BackupsList_NoMemberReachable_Exit1()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, Run(tmp, "secrets", "init", "--file", Stack(tmp)).ExitCode);
        var r = Run(tmp, "etcd", "backups", "list", "--file", Stack(tmp));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("etcd-1", r.Err, StringComparison.Ordinal);
    }
}
