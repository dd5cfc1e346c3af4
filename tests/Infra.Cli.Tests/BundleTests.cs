namespace Infra.Cli.Tests;

public class BundleTests
{
    private static string Stack(string bundleLine) => $$"""
        config:
          infra:cluster:
            name: airgap
            target: baremetal
            kubernetes: { version: "1.34.2" }
            hosts:
              - { name: cp-1, address: 10.0.0.11, hostKey: "SHA256:0mJXpHs1N8sBMt7J/Vj3u8xY0rbHtKXnKkQWz6TbGvU", roles: [control-plane] }
            packages: { source: bundle{{bundleLine}} }
        """;

    [Fact]
    public void Plan_BundleFolderMissing_Exits2NamingIt()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("Pulumi.airgap.yaml"), Stack(", bundle: ./no-such-bundle"));
        var r = CliRunner.Run(tmp.Path, ["plan", "--file", "Pulumi.airgap.yaml"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no-such-bundle", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_BundleMissingBinaries_Exits2NamingEachFile()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp.File("bundle"));
        File.WriteAllText(tmp.File("bundle/kubectl"), "not really kubectl");
        File.WriteAllText(tmp.File("Pulumi.airgap.yaml"), Stack(", bundle: ./bundle"));
        var r = CliRunner.Run(tmp.Path, ["plan", "--file", "Pulumi.airgap.yaml"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("kubeadm", r.Err, StringComparison.Ordinal);
        Assert.Contains("cp-1", r.Err, StringComparison.Ordinal);
    }
}
