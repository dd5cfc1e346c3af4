using System.Text.Json;

namespace Infra.TestKit;

/// <summary>What kubectl and Alertmanager's API print, as the health tests (and the stand-in kubectl's answers) need them.</summary>
public static class KubeAnswers
{
    public static string NodesJson(params (string Name, string Ready, string[] Pressures)[] nodes) => JsonSerializer.Serialize(new
    {
        apiVersion = "v1",
        kind = "List",
        items = nodes.Select(n => new
        {
            metadata = new { name = n.Name },
            status = new
            {
                conditions = new[] { "MemoryPressure", "DiskPressure", "PIDPressure" }
                    .Select(p => new { type = p, status = n.Pressures.Contains(p) ? "True" : "False" })
                    .Append(new { type = "Ready", status = n.Ready }),
            },
        }),
    });

    public static string PodsJson(params (string Name, string Node, string Phase, bool Ready)[] pods) => JsonSerializer.Serialize(new
    {
        items = pods.Select(p => new
        {
            metadata = new { name = p.Name, @namespace = "kube-system" },
            spec = new { nodeName = p.Node },
            status = new { phase = p.Phase, conditions = new[] { new { type = "Ready", status = p.Ready ? "True" : "False" } } },
        }),
    });

    public static string AlertsJson(params (string Name, string Severity, string State)[] alerts) => JsonSerializer.Serialize(alerts.Select(a => new
    {
        labels = new Dictionary<string, string> { ["alertname"] = a.Name, ["severity"] = a.Severity },
        status = new { state = a.State, silencedBy = Array.Empty<string>(), inhibitedBy = Array.Empty<string>() },
    }));
}
