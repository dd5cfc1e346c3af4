using Infra.Core.Health;
using Infra.Ssh.Health;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Health;

/// <summary>Reading the marked answers of the health script: each query parsed, degraded or unknown on its own.</summary>
public class KubeHealthReaderTests
{
    private static string Section(string name, int code, string text) => $"@@infra-health {name} {code}\n{text}\n";

    [Fact]
    [Trait("Item", "15.5")]
    public void Parse_AllAnswered_EveryPartRead()
    {
        var output = Section("nodes", 0, KubeAnswers.NodesJson(("cp1", "True", []))) + Section("pods", 0, KubeAnswers.PodsJson(("etcd-cp1", "cp1", "Running", true)))
            + Section("alerts", 0, KubeAnswers.AlertsJson(("Watchdog", "none", "active")));

        var h = KubeHealthReader.Parse(output, "cp1", monitoring: true);

        Assert.Equal((null, null, null), (h.NodesProblem, h.PodsProblem, h.AlertsProblem));
        Assert.Equal("cp1", Assert.Single(h.Nodes).Name);
        Assert.Equal(1, h.FiringAlerts["none"]);
    }

    [Fact]
    [Trait("Item", "15.5")]
    public void Parse_AlertmanagerNotAnsweringAndNodesUnreadable_DegradedAndUnknownOnTheirOwn()
    {
        var output = Section("nodes", 0, "{}") + Section("pods", 0, KubeAnswers.PodsJson())
            + Section("alerts", 1, "Error from server (ServiceUnavailable): the server is currently unable to handle the request");

        var h = KubeHealthReader.Parse(output, "cp1", monitoring: true);

        Assert.Equal(PartState.Unknown, h.NodesProblem!.State);
        Assert.Null(h.PodsProblem);
        Assert.Equal(PartState.Degraded, h.AlertsProblem!.State);
        Assert.Contains("ServiceUnavailable", h.AlertsProblem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "15.5")]
    public void Parse_NotInitialized_EveryPartUnknownSayingSo()
    {
        var h = KubeHealthReader.Parse("@@infra-health unavailable 0\n", "cp1", monitoring: false);

        Assert.Equal(PartState.Unknown, h.NodesProblem!.State);
        Assert.Contains("not initialized", h.PodsProblem!.Reason, StringComparison.Ordinal);
        Assert.Null(h.AlertsProblem);
    }

    [Fact]
    [Trait("Item", "15.5")]
    public void Script_MonitoringOff_DoesNotAskAlertmanager()
    {
        Assert.Contains("readonly ALERTS_PATH=''", KubeHealthReader.Script(monitoring: false), StringComparison.Ordinal);
        Assert.Contains("/proxy/api/v2/alerts?active=true&silenced=false&inhibited=false", KubeHealthReader.Script(monitoring: true), StringComparison.Ordinal);
    }
}
