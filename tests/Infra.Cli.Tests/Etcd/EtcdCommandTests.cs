namespace Infra.Cli.Tests.Etcd;

/// <summary>The infra etcd commands' input handling, without hosts: what is refused before anything is contacted.</summary>
public class EtcdCommandTests
{
    /// <summary>An external-etcd stack whose hosts listen nowhere (ports 1 and 2 of this machine refuse at once); loopback node addresses, so nodeCidr is 127.0.0.0/8.</summary>
    private static string Stack(TempDir tmp)
    {
        var hosts = string.Concat(new[] { ("cp-1", "control-plane", 1), ("etcd-1", "etcd", 2) }.Select(h => $$"""

                  - { name: {{h.Item1}}, address: 127.0.0.1, port: {{h.Item3}}, hostKey: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", roles: [{{h.Item2}}] }
            """));
        var path = tmp.File("Pulumi.e.yaml");
        File.WriteAllText(path, $$"""
            config:
              infra:cluster:
                name: e
                target: baremetal
                kubernetes: { version: "1.36.1" }
                network: { podCidr: 10.244.0.0/16, serviceCidr: 10.96.0.0/12, nodeCidr: 127.0.0.0/8 }
                etcd: { topology: external }
                ssh: { connectTimeoutSeconds: 1 }
                hosts:{{hosts}}

            """);
        return path;
    }

    private static CliRunner.Result Run(TempDir tmp, params string[] args) =>
        CliRunner.Run(tmp.Path, args, variables: new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") });

    [Fact]
    public void Restore_CorruptSnapshot_RefusedBeforeTheStackIsEvenRead()
    {
        using var tmp = new TempDir();
        File.WriteAllBytes(tmp.File("s.db"), new byte[4096 + 32]);

        var r = Run(tmp, "etcd", "restore", "--from", tmp.File("s.db"), "--file", tmp.File("no-such-stack.yaml"), "--yes");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is not a usable etcd snapshot: the file does not start with an etcd (bbolt) database; no member was touched", r.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("restore", "--from FILE is required")]
    [InlineData("snapshot", "--out FILE is required")]
    public void Etcd_MissingFileOption_BadInput(string command, string message)
    {
        using var tmp = new TempDir();
        var r = Run(tmp, "etcd", command, "--file", Stack(tmp));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Etcd_HostsOption_RefusedEveryMemberIsActedOn()
    {
        using var tmp = new TempDir();
        var r = Run(tmp, "etcd", "status", "--file", Stack(tmp), "--hosts", "etcd-1");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("etcd commands act on every member", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_NoKeptSecrets_BadInputPointingAtSecretsInit()
    {
        using var tmp = new TempDir();
        var r = Run(tmp, "etcd", "status", "--file", Stack(tmp));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("infra secrets init", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_NoMemberReachable_Exit1ShowingEachMember()
    {
        using var tmp = new TempDir();
        var stack = Stack(tmp);
        Assert.Equal(0, Run(tmp, "secrets", "init", "--file", stack).ExitCode);

        var r = Run(tmp, "etcd", "status", "--file", stack);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("etcd-1", r.Out, StringComparison.Ordinal);
        Assert.Contains("host unreachable", r.Out, StringComparison.Ordinal);
        Assert.Contains("no member's host can be reached over SSH", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Snapshot_ExistingOutputFile_NeverOverwritten()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("keep.db"), "mine");

        var r = Run(tmp, "etcd", "snapshot", "--out", tmp.File("keep.db"), "--file", Stack(tmp));

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("mine", File.ReadAllText(tmp.File("keep.db")));
    }
}
