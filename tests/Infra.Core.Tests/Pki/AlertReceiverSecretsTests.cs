using System.Security.Cryptography;
using System.Text;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using k8s;
using k8s.Models;
using static Infra.Core.Tests.Workloads.WorkloadTestKit;

namespace Infra.Core.Tests.Pki;

/// <summary>
/// Issue 15, alerts go somewhere: the receivers' secret parts are kept secrets (alert-receivers/KEY), checked where they
/// enter by what Alertmanager makes of them, and become the Secret infra-alert-receivers by a step that never shows a value.
/// </summary>
public class AlertReceiverSecretsTests
{
    private const string Webhook = "https://hooks.example.com/services/T0/B1/weak";
    private const string Slack = "https://hooks.slack.example/services/T000/B000/XXXX";
    private const string Password = "hunter2";

    private static readonly Dictionary<string, string> Values = new(StringComparer.Ordinal)
    {
        [AlertsSpec.WebhookUrlKey] = Webhook,
        [AlertsSpec.SlackApiUrlKey] = Slack,
        [AlertsSpec.EmailPasswordKey] = Password,
    };

    private static KeptSecrets SecretsWith(IReadOnlyDictionary<string, string> values) => Pki.StackedSecrets with { AlertReceivers = values };

    private static ClusterSpec Spec => WithFullMonitoring(Pki.Stacked().Spec);

    /// <summary>
    /// Alertmanager v0.34.0 reads url_file / api_url_file / auth_password_file at each notification and trims white space
    /// (prometheus/alertmanager notify/webhook/webhook.go, notify/slack/slack.go, notify/email/email.go at v0.34.0), and
    /// templates the webhook URL (webhook.go: tmpl(strings.TrimSpace(...))).
    /// </summary>
    [Theory]
    [Trait("Item", "15.3")]
    [InlineData("webhook-url", "", "empty")]
    [InlineData("webhook-url", "hooks.example.com/x", "absolute http or https URL")]
    [InlineData("webhook-url", "ftp://hooks.example.com/x", "absolute http or https URL")]
    [InlineData("webhook-url", "https://a.example/x\nhttps://b.example", "one line")]
    [InlineData("webhook-url", "https://a.example/x y", "without spaces")]
    [InlineData("webhook-url", "https://a.example/{{ .GroupKey }}", "template engine")]
    [InlineData("slack-api-url", "https://a.example/\u00e9", "percent-encoded")]
    [InlineData("slack-api-url", "file:///etc/passwd", "absolute http or https URL")]
    [InlineData("email-password", "", "empty")]
    [InlineData("email-password", "two\nlines", "one line")]
    [InlineData("email-password", " padded", "either end")]
    [InlineData("email-password", "nul\u0000", "control characters")]
    [InlineData("pagerduty-key", "x", "not an alert receiver secret")]
    public void Check_BadValue_SaysWhyWithoutEchoingIt(string key, string value, string expected)
    {
        var problem = AlertReceiverSecrets.Check(key, value);

        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        if (value.Length > 3) Assert.DoesNotContain(value, problem, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "15.3")]
    public void Check_TooLong_Refused()
    {
        Assert.NotNull(AlertReceiverSecrets.Check("webhook-url", "https://a.example/" + new string('a', AlertReceiverSecrets.MaxUrlLength)));
        Assert.NotNull(AlertReceiverSecrets.Check("email-password", new string('a', AlertReceiverSecrets.MaxPasswordLength + 1)));
    }

    [Theory]
    [Trait("Item", "15.3")]
    [InlineData("webhook-url", "http://alerts.internal:8080/hook?token=a%20b")]
    [InlineData("slack-api-url", Slack)]
    [InlineData("email-password", "pass phrase with spaces & 'quotes'")]
    public void Check_GoodValue_Accepted(string key, string value) => Assert.Null(AlertReceiverSecrets.Check(key, value));

    [Fact]
    [Trait("Item", "15.3")]
    public void Folder_WithReceivers_RoundTripsAsOneLineFiles()
    {
        var secrets = SecretsWith(Values);

        var files = KeptSecretsSerializer.ToFiles(secrets);
        var back = KeptSecretsSerializer.FromFiles(files);

        Assert.Equal(Webhook + "\n", Encoding.UTF8.GetString(files["alert-receivers/webhook-url"]));
        Assert.Equal(Values.OrderBy(kv => kv.Key), back.AlertReceivers.OrderBy(kv => kv.Key));
        Assert.Equal(files.OrderBy(f => f.Key).Select(f => (f.Key, Convert.ToHexString(f.Value))),
            KeptSecretsSerializer.ToFiles(back).OrderBy(f => f.Key).Select(f => (f.Key, Convert.ToHexString(f.Value))));
        Assert.Equal(Values.OrderBy(kv => kv.Key), KeptSecretsSerializer.FromJson(KeptSecretsSerializer.ToJson(secrets)).AlertReceivers.OrderBy(kv => kv.Key));
    }

    [Fact]
    [Trait("Item", "15.3")]
    public void Folder_WithoutReceivers_HasNoSuchFilesAndWritesBackTheSame()
    {
        var files = KeptSecretsSerializer.ToFiles(Pki.StackedSecrets);

        Assert.DoesNotContain(files.Keys, f => f.StartsWith("alert-receivers", StringComparison.Ordinal));
        var again = KeptSecretsSerializer.ToFiles(KeptSecretsSerializer.FromFiles(files));
        Assert.Equal(files.Keys.Order(), again.Keys.Order());
        Assert.All(files, f => Assert.Equal(f.Value, again[f.Key]));
    }

    [Theory]
    [Trait("Item", "15.3")]
    [InlineData("alert-receivers/webhook-url", "not a url\n", "absolute http or https URL")]
    [InlineData("alert-receivers/email-password", "pw-value\n\n", "one line")]
    [InlineData("alert-receivers/opsgenie-key", "x\n", "is not part of the layout")]
    public void Folder_BadReceiverFile_NamesTheFileNotTheValue(string file, string content, string expected)
    {
        var files = new Dictionary<string, byte[]>(KeptSecretsSerializer.ToFiles(Pki.StackedSecrets)) { [file] = Encoding.UTF8.GetBytes(content) };

        var e = Assert.Throws<KeptSecretsFormatException>(() => KeptSecretsSerializer.FromFiles(files));

        Assert.Equal(file, e.File);
        Assert.Contains(expected, e.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(content.Trim(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "15.3")]
    public void Missing_ReceiversWithoutTheirSecrets_NamesEachFileAndTheCommand()
    {
        var monitoring = Spec.Workloads.Monitoring;

        Assert.Equal(["webhook-url", "slack-api-url", "email-password"], AlertReceiverSecrets.Missing(monitoring, null));
        Assert.Empty(AlertReceiverSecrets.Missing(monitoring, Values));
        Assert.Empty(AlertReceiverSecrets.Missing(MonitoringSpec.Off, null));
        var message = AlertReceiverSecrets.MissingMessage(monitoring, new Dictionary<string, string> { ["webhook-url"] = Webhook }, "the kept secrets in DIR");
        Assert.Contains("alert-receivers/slack-api-url", message, StringComparison.Ordinal);
        Assert.Contains("'infra secrets set alert-receiver email-password --from-file FILE'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("alert-receivers/webhook-url", message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "15.3")]
    public void Secret_HoldsExactlyTheReceiversKeysAsData()
    {
        var alerts = Spec.Workloads.Monitoring.Alerts with { Slack = null };

        var secret = KubernetesYaml.Deserialize<V1Secret>(AlertReceiverSecrets.Manifest(alerts, Values), strict: true);

        Assert.Equal(("infra-alert-receivers", "monitoring", "Opaque"), (secret.Metadata.Name, secret.Metadata.NamespaceProperty, secret.Type));
        Assert.Equal(["email-password", "webhook-url"], secret.Data.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Password, Encoding.UTF8.GetString(secret.Data["email-password"]));
        Assert.Null(secret.StringData);
    }

    private static Step ReceiversStep(ClusterPlan plan) =>
        plan.Nodes.Single(n => n.Host.Name == "cp-1").Steps.Single(s => s.Id == WorkloadSteps.AlertReceiversStepId);

    [Fact]
    [Trait("Item", "15.3")]
    public void Plan_KeptReceivers_StepRightBeforeMonitoringAppliesAndRemovesTheFile()
    {
        var plan = ClusterPlanner.Plan(Spec, SecretsWith(Values));
        var ids = plan.Nodes.Single(n => n.Host.Name == "cp-1").Steps.Select(s => s.Id).ToList();
        var step = ReceiversStep(plan);

        Assert.Equal(ids.IndexOf("workloads.monitoring") - 1, ids.IndexOf(WorkloadSteps.AlertReceiversStepId));
        Assert.True(ids.IndexOf("workloads.namespaces") < ids.IndexOf(WorkloadSteps.AlertReceiversStepId));
        var file = Assert.Single(step.Files);
        Assert.Equal(("/var/lib/infra/workloads/secrets/alert-receivers.yaml", "0600", true), (file.Path, file.Mode, file.Secret));
        Assert.Contains("trap 'rm -f secrets/alert-receivers.yaml' EXIT", step.Script, StringComparison.Ordinal);
        Assert.Contains("kubectl apply --server-side --field-manager=infra -f secrets/alert-receivers.yaml", step.Script, StringComparison.Ordinal);
        var secret = KubernetesYaml.Deserialize<V1Secret>(Encoding.UTF8.GetString(file.Content), strict: true);
        Assert.Equal(Webhook, Encoding.UTF8.GetString(secret.Data["webhook-url"]));
        Assert.DoesNotContain(plan.Warnings, w => w.Contains("alert receivers", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Item", "15.3")]
    public void Plan_KeptReceivers_NoValueInScriptsInputsPlanJsonOrMaskedFiles()
    {
        var plan = ClusterPlanner.Plan(Spec, SecretsWith(Values));
        var step = ReceiversStep(plan);
        var json = PlanJson.Render(plan);
        var artifacts = PlanArtifacts.Build(plan, includeSecrets: false);
        var everything = string.Join("\n", [json, step.Script, step.Description, .. step.Inputs.Select(i => i.Key + "=" + i.Value),
            .. artifacts.Select(a => Encoding.UTF8.GetString(a.Content))]);

        foreach (var value in Values.Values)
        {
            Assert.DoesNotContain(value, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(value)), everything, StringComparison.Ordinal);
        }
        var masked = artifacts.Single(a => a.RelativePath.EndsWith("secrets/alert-receivers.yaml", StringComparison.Ordinal));
        Assert.Contains(SecretMask.AlertReceiver, Encoding.UTF8.GetString(masked.Content), StringComparison.Ordinal);
        var included = PlanArtifacts.Build(plan, includeSecrets: true).Single(a => a.RelativePath == masked.RelativePath);
        Assert.True(included.Secret);
        Assert.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes(Password)), Encoding.UTF8.GetString(included.Content), StringComparison.Ordinal);
    }

    /// <summary>A guessable value behind a plain SHA-256 in plan.json or a journal could be tested guess by guess: the file's input is keyed.</summary>
    [Fact]
    [Trait("Item", "15.3")]
    public void Plan_KeptReceivers_InputHashTakesAKeyedDigestNotTheContentsSha256()
    {
        var step = ReceiversStep(ClusterPlanner.Plan(Spec, SecretsWith(Values)));
        var file = step.Files.Single();
        var plain = Convert.ToHexStringLower(SHA256.HashData(file.Content));

        var input = step.Inputs["file:" + file.Path];
        Assert.StartsWith("hmac-sha256:", input, StringComparison.Ordinal);
        Assert.DoesNotContain(plain, string.Join("\n", step.Inputs.Values), StringComparison.Ordinal);
        // Another cluster (another CA) with the same values: another digest.
        var (otherSpec, otherHosts) = Pki.Stacked(1, 0);
        var other = ClusterPki.Ensure(otherSpec, otherHosts, null, Pki.Now);
        Assert.NotEqual(AlertReceiverSecrets.Digest(Pki.StackedSecrets, file.Content), AlertReceiverSecrets.Digest(other, file.Content));
        // A changed value changes the step; the same secrets give the same hash.
        var changed = ReceiversStep(ClusterPlanner.Plan(Spec, SecretsWith(new Dictionary<string, string>(Values) { ["email-password"] = "hunter3" })));
        Assert.NotEqual(step.InputHash, changed.InputHash);
        Assert.Equal(step.InputHash, ReceiversStep(ClusterPlanner.Plan(Spec, SecretsWith(Values))).InputHash);
    }

    [Fact]
    [Trait("Item", "15.3")]
    public void Plan_WithoutKeptSecrets_PlaceholdersAndAWarningNamingTheCommand()
    {
        var plan = ClusterPlanner.Plan(Spec);

        var secret = KubernetesYaml.Deserialize<V1Secret>(Encoding.UTF8.GetString(ReceiversStep(plan).Files.Single().Content), strict: true);
        Assert.Equal("https://webhook-url.invalid/placeholder", Encoding.UTF8.GetString(secret.Data["webhook-url"]));
        Assert.Contains(plan.Warnings, w => w.Contains("alert-receivers/webhook-url", StringComparison.Ordinal)
            && w.Contains("infra secrets set alert-receiver", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Item", "15.3")]
    public void Plan_NoReceiversOrMonitoringOff_NoStep()
    {
        var noReceivers = ClusterPlanner.Plan(Pki.Stacked().Spec, Pki.StackedSecrets);
        var off = ClusterPlanner.Plan(Spec with { Workloads = Spec.Workloads with { Monitoring = MonitoringSpec.Off } }, SecretsWith(Values));

        Assert.DoesNotContain(noReceivers.Nodes.SelectMany(n => n.Steps), s => s.Id == WorkloadSteps.AlertReceiversStepId);
        Assert.DoesNotContain(off.Nodes.SelectMany(n => n.Steps), s => s.Id == WorkloadSteps.AlertReceiversStepId);
    }
    /// <summary>The Pulumi path: Core names the secret config keys and decides which the receivers need.</summary>
    [Fact]
    [Trait("Item", "15.3")]
    public void Pulumi_MissingConfigKeys_NamedWithTheCommandThatSetsThem()
    {
        var monitoring = Spec.Workloads.Monitoring;

        var message = AlertReceiverSecrets.PulumiMissingMessage(monitoring, ["webhook-url"]);

        Assert.Contains("infra:alertSlackApiUrl", message, StringComparison.Ordinal);
        Assert.Contains("'pulumi config set --secret infra:alertEmailPassword < FILE'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("alertWebhookUrl", message, StringComparison.Ordinal);
        Assert.Null(AlertReceiverSecrets.PulumiMissingMessage(monitoring, AlertReceiverSecrets.Keys));
        Assert.Null(AlertReceiverSecrets.PulumiMissingMessage(MonitoringSpec.Off, []));
        Assert.Equal(["alertWebhookUrl", "alertSlackApiUrl", "alertEmailPassword"], AlertReceiverSecrets.Keys.Select(AlertReceiverSecrets.PulumiConfigKey));
    }

    [Fact]
    [Trait("Item", "15.3")]
    public void Pulumi_ConfigValue_CheckedLikeTheKeptFileNamingTheKey()
    {
        Assert.Equal(Webhook, AlertReceiverSecrets.FromPulumiConfig("webhook-url", Webhook + "\n"));
        var e = Assert.Throws<ArgumentException>(() => AlertReceiverSecrets.FromPulumiConfig("webhook-url", "not-a-url-s3cr3t"));
        Assert.StartsWith("infra:alertWebhookUrl: must be an absolute http or https URL", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", e.Message, StringComparison.Ordinal);
    }
}
