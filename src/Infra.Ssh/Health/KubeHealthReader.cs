using System.Globalization;
using Infra.Core.Health;
using Infra.Core.Shell;

namespace Infra.Ssh.Health;

/// <summary>
/// What the first control plane's kubectl answered. A part that could not be read has a problem: degraded when the API
/// server (or Alertmanager behind it) did not answer, unknown when it could not be asked or its answer not read.
/// </summary>
public sealed record KubeHealth(
    IReadOnlyList<NodeHealth> Nodes, HealthPart? NodesProblem,
    IReadOnlyList<PodHealth> Pods, HealthPart? PodsProblem,
    IReadOnlyDictionary<string, int> FiringAlerts, HealthPart? AlertsProblem);

/// <summary>
/// Asks the first control plane, in one SSH round trip (<c>Shell/health/kube.sh</c>), for the nodes, the control-plane
/// pods and Alertmanager's alerts (<c>GET /api/v2/alerts</c> through the API server's service proxy); Core parses them.
/// </summary>
public static class KubeHealthReader
{
    public const string AdminKubeconfig = "/etc/kubernetes/admin.conf";

    /// <summary>Alertmanager's active, neither silenced nor inhibited alerts, through the service proxy (port name http-web).</summary>
    public const string AlertsPath = "/api/v1/namespaces/monitoring/services/kube-prometheus-stack-alertmanager:http-web/proxy/api/v2/alerts?active=true&silenced=false&inhibited=false";

    public static string Script(bool monitoring) => ShellScript.Render(
        new ShellArgs().Set("ADMIN_KUBECONFIG", AdminKubeconfig).Set("ALERTS_PATH", monitoring ? AlertsPath : ""),
        ShellScript.Load(typeof(KubeHealthReader).Assembly, "health/kube.sh"));

    public static async Task<KubeHealth> ReadAsync(IHostSession session, bool monitoring, TimeSpan timeout, CancellationToken ct)
    {
        var r = await session.RunAsync(Script(monitoring), null, timeout, "health", ct);
        if (!r.Succeeded) return Unknown($"{session.Host}: the health queries exited {r.ExitCode.ToString(CultureInfo.InvariantCulture)}: {r.StderrTail(3)}", monitoring);
        return Parse(r.Stdout, session.Host, monitoring);
    }

    public static KubeHealth Unknown(string why, bool monitoring) =>
        new([], HealthPart.Unknown(why), [], HealthPart.Unknown(why), new Dictionary<string, int>(), monitoring ? HealthPart.Unknown(why) : null);

    /// <summary>The marked sections of <c>kube.sh</c>'s output, each parsed or unknown with kubectl's own words.</summary>
    public static KubeHealth Parse(string output, string host, bool monitoring)
    {
        var sections = new Dictionary<string, (int Code, string Text)>(StringComparer.Ordinal);
        string? name = null;
        var code = 0;
        var text = new System.Text.StringBuilder();
        void Flush()
        {
            if (name is not null) sections[name] = (code, text.ToString().Trim());
            text.Clear();
        }
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("@@infra-health ", StringComparison.Ordinal))
            {
                Flush();
                var parts = line.Split(' ');
                name = parts.Length > 1 ? parts[1] : "";
                code = parts.Length > 2 && int.TryParse(parts[2], CultureInfo.InvariantCulture, out var c) ? c : -1;
                continue;
            }
            text.Append(line).Append('\n');
        }
        Flush();
        if (sections.ContainsKey("unavailable"))
        {
            return Unknown($"{host} has no kubectl or no {AdminKubeconfig} yet (the cluster is not initialized there)", monitoring);
        }

        (T Value, HealthPart? Problem) Read<T>(string section, Func<string, T> parse, T empty)
        {
            if (!sections.TryGetValue(section, out var s)) return (empty, HealthPart.Unknown($"{host} gave no answer for {section}"));
            // kubectl ran and the API server (or the service behind its proxy) did not answer: that is the cluster's state.
            if (s.Code != 0) return (empty, HealthPart.Degraded($"kubectl on {host} exited {s.Code.ToString(CultureInfo.InvariantCulture)}: {Shorten(s.Text)}"));
            try
            {
                return (parse(s.Text), null);
            }
            catch (FormatException e)
            {
                return (empty, HealthPart.Unknown($"{section} from {host}: {e.Message}"));
            }
        }
        var nodes = Read("nodes", KubeHealthParser.Nodes, []);
        var pods = Read("pods", KubeHealthParser.Pods, []);
        var alerts = monitoring
            ? Read("alerts", KubeHealthParser.FiringAlerts, new Dictionary<string, int>())
            : (new Dictionary<string, int>(), null);
        return new KubeHealth(nodes.Value, nodes.Problem, pods.Value, pods.Problem, alerts.Value, alerts.Problem);
    }

    private static string Shorten(string text)
    {
        var one = string.Join(" ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return one.Length <= 300 ? one : one[..300] + "…";
    }
}
