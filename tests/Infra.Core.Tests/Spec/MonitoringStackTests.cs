using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Core.Tests.Spec;

/// <summary>The stack key workloads.monitoring: on by default, off, settings, receivers, and values refused with their position.</summary>
public class MonitoringStackTests
{
    private static StackReadResult Read(string monitoring) =>
        StackFile.Read("stack.yaml", StackReaderTests.BareMetal.Replace("    hosts:", "    workloads:\n      monitoring: " + monitoring + "\n    hosts:", StringComparison.Ordinal));

    [Trait("Item", "15.1")]
    [Fact]
    public void Read_NoMonitoringKey_OnWithoutGrafanaTenDaysTwentyGi()
    {
        var r = StackFile.Read("stack.yaml", StackReaderTests.BareMetal);

        Assert.True(r.IsValid, string.Join("\n", r.Diagnostics));
        Assert.Equal(new MonitoringSpec { Enabled = true }, r.Spec!.Workloads.Monitoring);
        Assert.Equal(("10d", "20Gi", false, false), (r.Spec.Workloads.Monitoring.Retention, r.Spec.Workloads.Monitoring.VolumeSize,
            r.Spec.Workloads.Monitoring.Grafana, r.Spec.Workloads.Monitoring.Alerts.Any));
    }

    [Trait("Item", "15.1")]
    [Fact]
    public void Read_MonitoringFalse_Off() => Assert.False(Read("false").Spec!.Workloads.Monitoring.Enabled);

    [Trait("Item", "15.1")]
    [Fact]
    public void Read_MonitoringSettings_Taken()
    {
        var r = Read("{ grafana: true, retention: 30d, volumeSize: 1Ti }");

        Assert.True(r.IsValid, string.Join("\n", r.Diagnostics));
        var m = r.Spec!.Workloads.Monitoring;
        Assert.Equal((true, true, "30d", "1Ti"), (m.Enabled, m.Grafana, m.Retention, m.VolumeSize));
    }

    [Trait("Item", "15.3")]
    [Fact]
    public void Read_AlertReceivers_SettingsTakenSecretsNamed()
    {
        var r = Read("{ alerts: { webhook: true, slack: { channel: \"#ops\" }, email: { to: ops@example.com, from: am@example.com, smarthost: \"smtp.example.com:587\", username: am } } }");

        Assert.True(r.IsValid, string.Join("\n", r.Diagnostics));
        var a = r.Spec!.Workloads.Monitoring.Alerts;
        Assert.True(a.Webhook);
        Assert.Equal(new SlackAlertSpec("#ops"), a.Slack);
        Assert.Equal(new EmailAlertSpec("ops@example.com", "am@example.com", "smtp.example.com:587", "am"), a.Email);
        Assert.Equal(["webhook-url", "slack-api-url", "email-password"], a.SecretKeys);
    }

    [Trait("Item", "15.3")]
    [Theory]
    [InlineData("{ alerts: { webhook: { url: \"https://hooks.example.com/x\" } } }", "workloads.monitoring.alerts.webhook.url", "key webhook-url of the Secret infra-alert-receivers")]
    [InlineData("{ alerts: { slack: { channel: ops, apiUrl: \"https://hooks.slack.com/services/T/B/X\" } } }", "workloads.monitoring.alerts.slack.apiUrl", "key slack-api-url of the Secret infra-alert-receivers")]
    [InlineData("{ alerts: { email: { to: a@example.com, from: b@example.com, smarthost: \"smtp.example.com:25\", password: hunter2 } } }",
        "workloads.monitoring.alerts.email.password", "key email-password of the Secret infra-alert-receivers")]
    public void Read_ReceiverSecretInTheStack_RefusedNamingWhereItGoes(string monitoring, string key, string kept)
    {
        var r = Read(monitoring);

        Assert.False(r.IsValid);
        var d = Assert.Single(r.Diagnostics, d => d.KeyPath.EndsWith(key, StringComparison.Ordinal));
        Assert.Equal("INF020", d.Code);
        Assert.Contains(kept, d.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", d.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hooks.", d.ToString(), StringComparison.Ordinal);
        Assert.True(d.Line > 0 && d.Column > 0, d.ToString());
    }

    [Trait("Item", "15.1")]
    [Theory]
    [InlineData("{ retention: 10 }", "INF041", "workloads.monitoring.retention")]
    [InlineData("{ retention: 0d }", "INF041", "workloads.monitoring.retention")]
    [InlineData("{ retention: 1d12h }", "INF041", "workloads.monitoring.retention")]
    [InlineData("{ retention: \"10d --web.enable-admin-api\" }", "INF041", "workloads.monitoring.retention")]
    [InlineData("{ volumeSize: 20G }", "INF041", "workloads.monitoring.volumeSize")]
    [InlineData("{ volumeSize: 0Gi }", "INF041", "workloads.monitoring.volumeSize")]
    [InlineData("{ volumeSize: 65Ti }", "INF041", "workloads.monitoring.volumeSize")]
    [InlineData("{ grafana: yes please }", "INF003", "workloads.monitoring.grafana")]
    [InlineData("{ prometheus: true }", "INF002", "workloads.monitoring.prometheus")]
    [InlineData("{ alerts: { pagerduty: {} } }", "INF002", "workloads.monitoring.alerts.pagerduty")]
    [InlineData("{ alerts: { slack: { channel: \"#Ops Team\" } } }", "INF041", "workloads.monitoring.alerts.slack.channel")]
    [InlineData("{ alerts: { slack: {} } }", "INF004", "workloads.monitoring.alerts.slack")]
    [InlineData("{ alerts: { email: { to: \"{{ .x }}@example.com\", from: b@example.com, smarthost: \"smtp.example.com:25\" } } }", "INF041", "workloads.monitoring.alerts.email.to")]
    [InlineData("{ alerts: { email: { to: a@example.com, from: b@example.com, smarthost: smtp.example.com } } }", "INF041", "workloads.monitoring.alerts.email.smarthost")]
    [InlineData("maybe", "INF003", "workloads.monitoring")]
    public void Read_BadMonitoringValue_RefusedWithPositionAndKey(string monitoring, string code, string key)
    {
        var r = Read(monitoring);

        Assert.False(r.IsValid);
        var d = Assert.Single(r.Diagnostics, d => d.KeyPath.EndsWith(key, StringComparison.Ordinal));
        Assert.Equal(code, d.Code);
        Assert.True(d.Line > 0 && d.Column > 0, d.ToString());
    }
}
