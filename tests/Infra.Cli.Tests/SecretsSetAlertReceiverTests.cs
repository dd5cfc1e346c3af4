namespace Infra.Cli.Tests;

/// <summary>Issue 15, alerts go somewhere: <c>infra secrets set alert-receiver</c> and the refusals of a receiver whose secret is not kept.</summary>
public class SecretsSetAlertReceiverTests
{
    private const string Url = "https://hooks.example.com/services/T0/B1/s3cr3t";

    private static string Stack(string alerts) => $$"""
        config:
          infra:cluster:
            name: alerts
            target: baremetal
            kubernetes: { version: "1.34.2" }
            hosts:
              - { name: cp-1, address: 10.0.0.11, hostKey: "SHA256:0mJXpHs1N8sBMt7J/Vj3u8xY0rbHtKXnKkQWz6TbGvU", roles: [control-plane] }
            workloads:
              monitoring:
                alerts: {{alerts}}
        """;

    private static TempDir WithStack(string alerts = "{ webhook: true, email: { to: ops@example.com, from: am@example.com, smarthost: \"smtp.example.com:587\", username: am } }")
    {
        var tmp = new TempDir();
        File.WriteAllText(tmp.File("Pulumi.alerts.yaml"), Stack(alerts));
        return tmp;
    }

    private static Dictionary<string, string> Vars(TempDir tmp) => new() { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };

    private static CliRunner.Result Run(TempDir tmp, string[] args, string? stdin = null) =>
        CliRunner.Run(tmp.Path, [.. args, "--file", "Pulumi.alerts.yaml"], variables: Vars(tmp), stdin: stdin);

    [Fact]
    [Trait("Item", "15.3")]
    public void Set_FromFile_Kept0600WithoutEchoingTheValue()
    {
        using var tmp = WithStack();
        File.WriteAllText(tmp.File("url"), Url + "\n");

        var r = Run(tmp, ["secrets", "set", "alert-receiver", "webhook-url", "--from-file", "url"]);

        Assert.True(r.ExitCode == 0, r.Err);
        var kept = tmp.File("secrets/alert-receivers/webhook-url");
        Assert.Equal(Url + "\n", File.ReadAllText(kept));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(kept));
        // The folder held nothing: the rest of the kept secrets were made as 'secrets init' makes them.
        Assert.True(File.Exists(tmp.File("secrets/ca.key")));
        Assert.Contains("alert-receivers/webhook-url", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", r.Out + r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "15.3")]
    public void Set_FromStdin_KeepsItAndLeavesTheOtherSecretsAlone()
    {
        using var tmp = WithStack();
        Assert.Equal(0, Run(tmp, ["secrets", "init"]).ExitCode);
        var caKey = File.ReadAllBytes(tmp.File("secrets/ca.key"));

        var r = Run(tmp, ["secrets", "set", "alert-receiver", "email-password", "--from-file", "-"], stdin: "correct horse\n");

        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Equal("correct horse\n", File.ReadAllText(tmp.File("secrets/alert-receivers/email-password")));
        Assert.Equal(caKey, File.ReadAllBytes(tmp.File("secrets/ca.key")));
    }

    [Theory]
    [Trait("Item", "15.3")]
    [InlineData("webhook-url", "hooks.example.com/s3cr3t", "absolute http or https URL")]
    [InlineData("webhook-url", "https://a.example/s3cr3t\nhttps://b.example/", "one line")]
    [InlineData("email-password", " s3cr3t", "either end")]
    public void Set_BadValue_Exits2NamingTheFileAndKeepsNothing(string key, string value, string expected)
    {
        using var tmp = WithStack();
        File.WriteAllText(tmp.File("value"), value);

        var r = Run(tmp, ["secrets", "set", "alert-receiver", key, "--from-file", "value"]);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("value: " + key, r.Err, StringComparison.Ordinal);
        Assert.Contains(expected, r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", r.Out + r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.File("secrets")));
    }

    [Theory]
    [Trait("Item", "15.3")]
    [InlineData(new[] { "secrets", "set", "alert-receiver", "pagerduty-key", "--from-file", "x" }, "not an alert receiver secret")]
    [InlineData(new[] { "secrets", "set", "alert-receiver", "webhook-url" }, "--from-file FILE is required")]
    [InlineData(new[] { "secrets", "set", "alert-receiver", "webhook-url", "--from-file", "no-such-file" }, "no-such-file: no such file")]
    public void Set_BadCommandLine_Exits2(string[] args, string expected)
    {
        using var tmp = WithStack();

        var r = Run(tmp, args);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "15.3")]
    public void Apply_ReceiverSecretNotKept_Exits2NamingFileAndCommandBeforeCreatingAnything()
    {
        using var tmp = WithStack();

        var r = Run(tmp, ["apply", "--yes"]);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("alert-receivers/webhook-url", r.Err, StringComparison.Ordinal);
        Assert.Contains("alert-receivers/email-password", r.Err, StringComparison.Ordinal);
        Assert.Contains("infra secrets set alert-receiver webhook-url --from-file FILE", r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.File("secrets")));
    }

    [Fact]
    [Trait("Item", "15.3")]
    public void Plan_KeptSecretsLackAReceiverSecret_Exits2_WithoutKeptSecrets_PlansWithAWarning()
    {
        using var tmp = WithStack();
        var without = Run(tmp, ["plan"]);
        Assert.True(without.ExitCode == 0, without.Err);
        Assert.Contains("alert-receivers/webhook-url", without.Out + without.Err, StringComparison.Ordinal);

        File.WriteAllText(tmp.File("url"), Url);
        Assert.Equal(0, Run(tmp, ["secrets", "set", "alert-receiver", "webhook-url", "--from-file", "url"]).ExitCode);
        var partial = Run(tmp, ["plan"]);
        Assert.Equal(2, partial.ExitCode);
        Assert.Contains("alert-receivers/email-password", partial.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("alert-receivers/webhook-url", partial.Err, StringComparison.Ordinal);

        Assert.Equal(0, Run(tmp, ["secrets", "set", "alert-receiver", "email-password", "--from-file", "-"], stdin: "pw").ExitCode);
        var full = Run(tmp, ["plan", "--out", "out"]);
        Assert.True(full.ExitCode == 0, full.Err);
        var written = string.Join("\n", Directory.EnumerateFiles(tmp.File("out"), "*", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.DoesNotContain("s3cr3t", full.Out + written, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Url)), written, StringComparison.Ordinal);
        Assert.Contains("workloads-alert-receivers", string.Join("\n", Directory.EnumerateFiles(tmp.File("out"), "*", SearchOption.AllDirectories)), StringComparison.Ordinal);
    }
}
