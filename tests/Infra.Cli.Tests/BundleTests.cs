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

    /// <summary>Runs plan on a bundle folder prepared by <paramref name="prepare"/>; it must end within 60 s.</summary>
    private static CliRunner.Result PlanWithin60s(Action<string> prepare)
    {
        using var tmp = new TempDir();
        var bundle = tmp.File("bundle");
        Directory.CreateDirectory(bundle);
        File.WriteAllText(Path.Combine(bundle, "kubectl"), "not really kubectl");
        prepare(bundle);
        File.WriteAllText(tmp.File("Pulumi.airgap.yaml"), Stack(", bundle: ./bundle"));
        var run = Task.Run(() => CliRunner.Run(tmp.Path, ["plan", "--file", "Pulumi.airgap.yaml"]));
        Assert.True(run.Wait(TimeSpan.FromSeconds(60)), "plan did not finish within 60 s");
        return run.Result;
    }

    [Fact]
    [Trait("Item", "10.15")]
    public void Plan_BundleHoldsAFifo_Exits2NamingItWithoutHanging()
    {
        var r = PlanWithin60s(b => Assert.Equal(0, Tool("mkfifo", Path.Combine(b, "kubeadm"))));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'kubeadm'", r.Err, StringComparison.Ordinal);
        Assert.Contains("not a regular file", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.15")]
    public void Plan_BundleHoldsALinkToDevZero_Exits2NamingItWithoutHanging()
    {
        var r = PlanWithin60s(b => File.CreateSymbolicLink(Path.Combine(b, "kubelet"), "/dev/zero"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'kubelet'", r.Err, StringComparison.Ordinal);
        Assert.Contains("symbolic link", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.15")]
    public void Plan_BundleHoldsALinkToEtcShadow_Exits2AndHashesNothingOutside()
    {
        var r = PlanWithin60s(b => File.CreateSymbolicLink(Path.Combine(b, "kubeadm"), "/etc/shadow"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'kubeadm'", r.Err, StringComparison.Ordinal);
        Assert.Contains("symbolic link", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.15")]
    public void Plan_BundleHoldsALinkInsideTheFolder_Exits2()
    {
        var r = PlanWithin60s(b => File.CreateSymbolicLink(Path.Combine(b, "kubelet"), "kubectl"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'kubelet'", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.15")]
    public void Plan_BundleHoldsAFileLargerThanTheBound_Exits2NamingTheBound()
    {
        var r = PlanWithin60s(b =>
        {
            using var f = File.Create(Path.Combine(b, "kubelet"));
            f.SetLength(BundleFolder.MaxFileBytes + 1); // sparse: no disk used
        });
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'kubelet'", r.Err, StringComparison.Ordinal);
        Assert.Contains("512 MiB", r.Err, StringComparison.Ordinal);
    }

    private static int Tool(string file, params string[] args)
    {
        using var p = System.Diagnostics.Process.Start(file, args);
        p.WaitForExit();
        return p.ExitCode;
    }
}
