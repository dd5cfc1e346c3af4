namespace Infra.Core.Spec;

/// <summary>
/// <c>workloads.monitoring</c>: <c>true</c> (the default), <c>false</c>, or a mapping of the settings below (a mapping
/// means on). Prometheus, Alertmanager, node-exporter and kube-state-metrics; Grafana only when asked for.
/// </summary>
public sealed record MonitoringSpec
{
    public const string DefaultRetention = "10d";
    public const string DefaultVolumeSize = "20Gi";

    public static MonitoringSpec Default { get; } = new() { Enabled = true };
    public static MonitoringSpec Off { get; } = new() { Enabled = false };

    public required bool Enabled { get; init; }
    public bool Grafana { get; init; }
    /// <summary>How long Prometheus keeps samples: a Prometheus duration such as <c>10d</c> or <c>12h</c>.</summary>
    public string Retention { get; init; } = DefaultRetention;
    /// <summary>Prometheus's volume on the cluster's default StorageClass: a Kubernetes quantity such as <c>20Gi</c>.</summary>
    public string VolumeSize { get; init; } = DefaultVolumeSize;
    /// <summary>Where alerts go; empty: Alertmanager keeps them (visible in its UI and in <c>infra status</c>).</summary>
    public AlertsSpec Alerts { get; init; } = AlertsSpec.None;

    /// <summary>
    /// A Prometheus duration as <c>--storage.tsdb.retention.time</c> takes it: a whole number and one unit of
    /// ms, s, m, h, d, w, y (prometheus/common model.ParseDuration; one unit is the form the Prometheus CRD's
    /// <c>retention</c> pattern also accepts). At most 1 to 99999 of a unit.
    /// </summary>
    public static string? CheckRetention(string value)
    {
        var unitAt = value.TakeWhile(char.IsAsciiDigit).Count();
        var number = value[..unitAt];
        var unit = value[unitAt..];
        if (number.Length is 0 or > 5 || number[0] == '0' || unit is not ("ms" or "s" or "m" or "h" or "d" or "w" or "y"))
        {
            return "a retention is a whole number from 1 to 99999 and one unit of ms, s, m, h, d, w or y, e.g. 10d";
        }
        return null;
    }

    /// <summary>A Kubernetes quantity with a binary suffix, Mi, Gi or Ti, from 1Gi to 64Ti (e.g. 20Gi).</summary>
    public static string? CheckVolumeSize(string value)
    {
        const string rule = "a volume size is a whole number and Gi or Ti (e.g. 20Gi), from 1Gi to 64Ti";
        if (value.Length < 3) return rule;
        var unit = value[^2..];
        var number = value[..^2];
        if (unit is not ("Gi" or "Ti") || number.Length is 0 or > 5 || number[0] == '0' || !number.All(char.IsAsciiDigit)) return rule;
        var gi = long.Parse(number, System.Globalization.CultureInfo.InvariantCulture) * (unit == "Ti" ? 1024 : 1);
        return gi > 64 * 1024 ? rule : null;
    }
}

/// <summary>
/// <c>workloads.monitoring.alerts</c>: the receivers Alertmanager sends to. Only the settings that are not secret are
/// in the stack; each receiver's secret (the webhook URL, Slack's incoming-webhook URL, the SMTP password) is a key of
/// the Secret <see cref="SecretName"/>, named by <see cref="SecretKeys"/>, which Alertmanager reads as a file.
/// </summary>
public sealed record AlertsSpec
{
    public static AlertsSpec None { get; } = new();

    /// <summary>Send to a webhook whose URL is the secret <see cref="WebhookUrlKey"/>.</summary>
    public bool Webhook { get; init; }
    public SlackAlertSpec? Slack { get; init; }
    public EmailAlertSpec? Email { get; init; }

    public bool Any => Webhook || Slack is not null || Email is not null;

    /// <summary>The secrets the receivers need, by their key in <see cref="SecretName"/>.</summary>
    public IReadOnlyList<string> SecretKeys =>
    [
        .. Webhook ? new[] { WebhookUrlKey } : [],
        .. Slack is not null ? new[] { SlackApiUrlKey } : [],
        .. Email is { Username: not null } ? new[] { EmailPasswordKey } : [],
    ];

    /// <summary>The Secret in the monitoring namespace that holds the receivers' secrets, one key per <see cref="SecretKeys"/> name.</summary>
    public const string SecretName = "infra-alert-receivers";
    public const string SecretNamespace = "monitoring";

    public const string WebhookUrlKey = "webhook-url";
    public const string SlackApiUrlKey = "slack-api-url";
    public const string EmailPasswordKey = "email-password";
}

/// <summary>Slack: the channel (the incoming-webhook URL is the secret <c>slack-api-url</c>).</summary>
public sealed record SlackAlertSpec(string Channel);

/// <summary>E-mail over SMTP: the password, when a username is given, is the secret <c>email-password</c>.</summary>
public sealed record EmailAlertSpec(string To, string From, string Smarthost, string? Username);
