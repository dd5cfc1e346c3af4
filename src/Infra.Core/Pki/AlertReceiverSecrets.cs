using System.Security.Cryptography;
using System.Text;
using Infra.Core.Spec;
using k8s;
using k8s.Models;

namespace Infra.Core.Pki;

/// <summary>
/// The secret parts of Alertmanager's receivers (<c>workloads.monitoring.alerts</c>): the webhook URL, Slack's
/// incoming-webhook URL, the SMTP password. On the infra path they are kept secrets, files <c>alert-receivers/KEY</c>
/// of the secrets folder (set with <c>infra secrets set alert-receiver KEY</c>); on the Pulumi path they are secret
/// config keys (<see cref="PulumiConfigKey"/>). Either way they become the Secret <see cref="AlertsSpec.SecretName"/>,
/// which Alertmanager reads as files, and never appear in the stack file.
/// </summary>
public static class AlertReceiverSecrets
{
    /// <summary>The secrets folder's subfolder that holds them, one file per key.</summary>
    public const string Folder = "alert-receivers";
    public const int MaxUrlLength = 2048;
    public const int MaxPasswordLength = 512;

    /// <summary>Every key a receiver can need, as <see cref="AlertsSpec.SecretKeys"/> names them.</summary>
    public static IReadOnlyList<string> Keys { get; } = [AlertsSpec.WebhookUrlKey, AlertsSpec.SlackApiUrlKey, AlertsSpec.EmailPasswordKey];

    public static string FileOf(string key) => Folder + "/" + key;

    /// <summary>How a user sets a key on the infra path (README's command reference).</summary>
    public static string SetCommand(string key) => $"infra secrets set alert-receiver {key} --from-file FILE";

    /// <summary>The Pulumi secret config key (project <c>infra</c>) that holds a key's value on the Pulumi path.</summary>
    public static string PulumiConfigKey(string key) => key switch
    {
        AlertsSpec.WebhookUrlKey => "alertWebhookUrl",
        AlertsSpec.SlackApiUrlKey => "alertSlackApiUrl",
        AlertsSpec.EmailPasswordKey => "alertEmailPassword",
        _ => throw new ArgumentOutOfRangeException(nameof(key), key, "not an alert receiver secret"),
    };

    /// <summary>What a receiver's secret is, for messages.</summary>
    public static string Describe(string key) => key switch
    {
        AlertsSpec.WebhookUrlKey => "the webhook receiver's URL",
        AlertsSpec.SlackApiUrlKey => "Slack's incoming-webhook URL",
        AlertsSpec.EmailPasswordKey => "the SMTP password of the email receiver",
        _ => key,
    };

    /// <summary>The keys the stack's receivers need that <paramref name="values"/> lacks (none when monitoring is off).</summary>
    public static IReadOnlyList<string> Missing(MonitoringSpec monitoring, IReadOnlyDictionary<string, string>? values) =>
        monitoring.Enabled ? [.. monitoring.Alerts.SecretKeys.Where(k => values?.ContainsKey(k) != true)] : [];

    /// <summary>
    /// The refusal for missing keys on the infra path: each file and the command that sets it. Null when none is missing.
    /// </summary>
    public static string? MissingMessage(MonitoringSpec monitoring, IReadOnlyDictionary<string, string>? values, string where)
    {
        var missing = Missing(monitoring, values);
        if (missing.Count == 0) return null;
        return $"workloads.monitoring.alerts names receivers whose secrets {where} does not hold: " +
            string.Join("; ", missing.Select(k => $"{FileOf(k)} ({Describe(k)}): set it with '{SetCommand(k)}'"));
    }

    /// <summary>
    /// The refusal on the Pulumi path for receivers whose secret config key is not set: each key and how to set it
    /// without the value on a command line. Null when none is missing.
    /// </summary>
    public static string? PulumiMissingMessage(MonitoringSpec monitoring, IEnumerable<string> configured)
    {
        var missing = Missing(monitoring, configured.ToDictionary(k => k, _ => "", StringComparer.Ordinal));
        if (missing.Count == 0) return null;
        return "workloads.monitoring.alerts names receivers whose secrets the stack's config does not hold: " +
            string.Join("; ", missing.Select(k => $"infra:{PulumiConfigKey(k)} ({Describe(k)}): set it with 'pulumi config set --secret infra:{PulumiConfigKey(k)} < FILE'"));
    }

    /// <summary>A value from Pulumi secret config, as from a file (one trailing line break dropped) and checked; the error names the config key, never the value.</summary>
    /// <exception cref="ArgumentException">The value is not what Alertmanager can use.</exception>
    public static string FromPulumiConfig(string key, string raw)
    {
        var value = FromFileContent(raw);
        return Check(key, value) is { } problem ? throw new ArgumentException($"infra:{PulumiConfigKey(key)}: {problem}", nameof(raw)) : value;
    }

    /// <summary>
    /// The value as Alertmanager will use it, checked by what it becomes. Alertmanager v0.34.0 reads each file at every
    /// notification and trims surrounding white space (notify/webhook/webhook.go, notify/slack/slack.go,
    /// notify/email/email.go), and runs the webhook URL through its template engine: so a URL is an absolute http(s)
    /// URL on one line without spaces, control characters or "{{", a password has no control characters (no newline)
    /// and no white space at either end, each bounded. Null when it is good; never echoes the value.
    /// </summary>
    public static string? Check(string key, string value)
    {
        switch (key)
        {
            case AlertsSpec.WebhookUrlKey or AlertsSpec.SlackApiUrlKey:
                const string url = "must be an absolute http or https URL on one line, without spaces or control characters";
                if (value.Length == 0) return url + ", and is empty";
                if (value.Length > MaxUrlLength) return $"{url}, at most {MaxUrlLength} characters";
                if (key == AlertsSpec.WebhookUrlKey && value.Contains("{{", StringComparison.Ordinal))
                    return "must not contain '{{': Alertmanager runs the webhook URL through its template engine";
                if (value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))) return url;
                if (!value.All(char.IsAscii)) return url + " (write non-ASCII characters percent-encoded)";
                if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
                    return url;
                return null;
            case AlertsSpec.EmailPasswordKey:
                const string password = "must be a password on one line without control characters and without white space at either end (Alertmanager trims it)";
                if (value.Length == 0) return password + ", and is empty";
                if (value.Length > MaxPasswordLength) return $"{password}, at most {MaxPasswordLength} characters";
                if (value.Any(char.IsControl) || char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])) return password;
                return null;
            default:
                return $"is not an alert receiver secret; the keys are {string.Join(", ", Keys)}";
        }
    }

    /// <summary>A file's content as a value: one trailing line break (as an editor or <c>echo</c> writes it) is not part of it.</summary>
    public static string FromFileContent(string content) =>
        content.EndsWith("\r\n", StringComparison.Ordinal) ? content[..^2] : content.EndsWith('\n') ? content[..^1] : content;

    /// <summary>
    /// The Secret Alertmanager mounts: only the keys the stack's receivers use, as <c>data</c> (base64 of the exact
    /// bytes: no YAML quoting stands between a value and the file Alertmanager reads).
    /// </summary>
    public static V1Secret Secret(AlertsSpec alerts, IReadOnlyDictionary<string, string> values) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta
        {
            Name = AlertsSpec.SecretName,
            NamespaceProperty = AlertsSpec.SecretNamespace,
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "infra" },
        },
        Type = "Opaque",
        Data = alerts.SecretKeys.ToDictionary(k => k, k => Encoding.UTF8.GetBytes(values[k]), StringComparer.Ordinal),
    };

    public static string Manifest(AlertsSpec alerts, IReadOnlyDictionary<string, string> values) => KubernetesYaml.Serialize(Secret(alerts, values));

    /// <summary>
    /// What a step's input hash takes for a file holding these values, in place of its plain SHA-256: a URL or a
    /// password can be guessed, and a plain hash in plan.json or a host's journal would let anyone test guesses. The
    /// digest is HMAC-SHA256 under a key derived (HKDF-SHA256, its own label) from the cluster CA's private key: kept, high
    /// in entropy, stable, and whoever holds it can mint an admin certificate and read the Secret anyway, so the digest
    /// tells them nothing new. Deterministic, so plans stay byte-identical.
    /// </summary>
    public static string Digest(KeptSecrets secrets, byte[] content)
    {
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secrets.ClusterCa.PrivateKeyPem), 32,
            salt: [], info: Encoding.UTF8.GetBytes("infra alert-receivers digest v1"));
        return "hmac-sha256:" + Convert.ToHexStringLower(HMACSHA256.HashData(key, content));
    }
}
