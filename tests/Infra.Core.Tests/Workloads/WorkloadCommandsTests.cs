using Infra.Core.Planning;
using Infra.Core.Shell;
using Infra.Core.Spec;
using Infra.Core.Workloads;
using Infra.TestKit;
using static Infra.Core.Tests.Workloads.WorkloadTestKit;

namespace Infra.Core.Tests.Workloads;

public class WorkloadCommandsTests
{
    [RealToolFact("shellcheck")]
    public void Render_AllVariants_ScriptsPassShellcheck()
    {
        var dir = Directory.CreateTempSubdirectory("infra-shellcheck-");
        try
        {
            var files = new List<string>();
            foreach (var (name, spec) in Variants().Where(v => v.Name.EndsWith("1.36", StringComparison.Ordinal)))
            {
                foreach (var cmd in WorkloadCommands.Render(BaselinePlanner.Plan(spec), new WorkloadCommandOptions()))
                {
                    foreach (var (kind, text) in new[] { ("apply", cmd.Script), ("wait", cmd.WaitScript) })
                    {
                        var f = Path.Combine(dir.FullName, $"{name}-{cmd.Component}-{kind}.sh");
                        File.WriteAllText(f, text);
                        files.Add(f);
                    }
                }
            }
            var (exit, output) = Run("shellcheck", ["-S", "warning", "-s", "bash", .. files]);
            Assert.True(exit == 0, "shellcheck:\n" + output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Render_Defaults_HelmAndKubectlCommandsArePinned()
    {
        var commands = WorkloadCommands.Render(BaselinePlanner.Plan(SpecFor("baremetal")), new WorkloadCommandOptions { TimeoutSeconds = 300 });
        var cni = commands.Single(c => c.Component == "cni");
        Assert.Contains("helm upgrade --install calico tigera-operator --repo https://docs.tigera.io/calico/charts --version v3.32.1 " +
            "--namespace tigera-operator -f values/02-cni.json --create-namespace --wait --timeout 300s\n", cni.Script, StringComparison.Ordinal);
        Assert.Contains("kubectl apply --server-side --field-manager=infra -f manifests/02-cni.yaml\n", cni.Script, StringComparison.Ordinal);
        Assert.Equal(["values/02-cni.json", "manifests/02-cni.yaml"], cni.Files.Select(f => f.Path));
        var crds = commands.Single(c => c.Component == "gateway-api");
        Assert.Contains("helm template gateway-api-crds oci://docker.io/envoyproxy/gateway-crds-helm --version v1.8.3", crds.Script, StringComparison.Ordinal);
        Assert.Contains("| kubectl apply --server-side --field-manager=infra -f -", crds.Script, StringComparison.Ordinal);
        Assert.Contains("kubectl wait --for=condition=Established crd/gateways.gateway.networking.k8s.io", crds.WaitScript, StringComparison.Ordinal);
    }

    /// <summary>A stand-in for kubectl and helm: records its name and arguments; fails "rollout status" when asked.</summary>
    private const string StandIn = """
        #!/usr/bin/env bash
        printf '%s %s\n' "$(basename "$0")" "$*" >> "$STANDIN_LOG"
        if [ -n "${STANDIN_FAIL_ROLLOUT:-}" ] && [[ "$*" == *"rollout status"* ]]; then
          echo "error: deployment exceeded its progress deadline" >&2
          exit 1
        fi
        exit 0
        """;

    private static (int Exit, string Output, string[] Log) RunWithStandIns(string script, IReadOnlyList<(string Path, string Content)> files, string dir, bool failRollout = false)
    {
        var bin = Path.Combine(dir, "bin");
        Directory.CreateDirectory(bin);
        foreach (var tool in new[] { "kubectl", "helm" })
        {
            var p = Path.Combine(bin, tool);
            File.WriteAllText(p, StandIn.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(p, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(dir, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
        var log = Path.Combine(dir, "calls.log");
        File.WriteAllText(log, "");
        var env = new Dictionary<string, string>
        {
            ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["STANDIN_LOG"] = log,
        };
        if (failRollout) env["STANDIN_FAIL_ROLLOUT"] = "1";
        var (exit, output) = Run("bash", ["-s"], stdin: script, env: env);
        return (exit, output, File.ReadAllLines(log));
    }

    [Fact]
    public void Script_WithStandInKubectlAndHelm_RecordsPinnedArguments()
    {
        var dir = Directory.CreateTempSubdirectory("infra-standin-");
        try
        {
            var options = new WorkloadCommandOptions { Directory = dir.FullName, TimeoutSeconds = 30 };
            var cmd = WorkloadCommands.Render(BaselinePlanner.Plan(SpecFor("gcp")), options).Single(c => c.Component == "cert-manager");
            var (exit, output, log) = RunWithStandIns(cmd.Script, cmd.Files, dir.FullName);
            Assert.True(exit == 0, output);
            Assert.Equal(
            [
                "helm upgrade --install cert-manager cert-manager --repo https://charts.jetstack.io --version v1.21.1 --namespace cert-manager " +
                    "-f values/04-cert-manager.json --create-namespace --wait --timeout 30s",
                "kubectl apply --server-side --field-manager=infra -f manifests/04-cert-manager.yaml",
            ], log);
            Assert.Contains("\"tag\": \"v1.21.1\"", File.ReadAllText(Path.Combine(dir.FullName, "values", "04-cert-manager.json")), StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void WaitScript_WithStandInKubectlReady_WaitsForEveryCheck()
    {
        var dir = Directory.CreateTempSubdirectory("infra-standin-");
        try
        {
            var cmd = WorkloadCommands.Render(BaselinePlanner.Plan(SpecFor("gcp")), new WorkloadCommandOptions { Directory = dir.FullName })
                .Single(c => c.Component == "cert-manager");
            var (exit, output, log) = RunWithStandIns(cmd.WaitScript, [], dir.FullName);
            Assert.True(exit == 0, output);
            Assert.Contains("cert-manager: ready", output, StringComparison.Ordinal);
            Assert.Contains(log, l => l.StartsWith("kubectl -n cert-manager rollout status deployment/cert-manager-webhook --timeout=", StringComparison.Ordinal));
            Assert.Contains(log, l => l.StartsWith("kubectl wait --for=condition=Ready clusterissuer/selfsigned --timeout=", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void WaitScript_WithStandInKubectlRolloutFailing_ReportsWhatIsNotReady()
    {
        var dir = Directory.CreateTempSubdirectory("infra-standin-");
        try
        {
            var cmd = WorkloadCommands.Render(BaselinePlanner.Plan(SpecFor("baremetal")), new WorkloadCommandOptions { Directory = dir.FullName })
                .Single(c => c.Component == "metrics-server");
            var (exit, output, log) = RunWithStandIns(cmd.WaitScript, [], dir.FullName, failRollout: true);
            Assert.Equal(1, exit);
            Assert.Contains("not ready: metrics-server: deployment metrics-server/metrics-server rolled out", output, StringComparison.Ordinal);
            Assert.Contains("kubectl -n metrics-server get pods -o wide", log);
            Assert.DoesNotContain(log, l => l.Contains("apiservice", StringComparison.Ordinal) && l.Contains("wait", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// projectcalico/calico charts/tigera-operator/README.md at v3.32.1: the chart ships no CRDs; install the
    /// crd.projectcalico.org.v1 chart first (helm template | kubectl apply --server-side). The workload steps, run in
    /// order with stand-ins, must apply the CRDs and wait until the Installation CRD is Established before the
    /// operator is installed and the Installation applied.
    /// </summary>
    [Fact]
    [Trait("Item", "11.2")]
    public void WorkloadSteps_CalicoWithStandIns_CrdsEstablishedBeforeOperatorAndInstallation()
    {
        var dir = Directory.CreateTempSubdirectory("infra-standin-");
        try
        {
            var options = new WorkloadCommandOptions { Directory = dir.FullName, TimeoutSeconds = 30 };
            var steps = WorkloadSteps.Build(BaselinePlanner.Plan(SpecFor("baremetal")), OsFamily.Debian12, options: options);
            var log = new List<string>();
            foreach (var step in steps.SkipWhile(s => s.Id != "workloads.cni-crds"))
            {
                var (exit, output, calls) = RunWithStandIns(step.Script, [.. step.Files.Select(f => (f.Path, System.Text.Encoding.UTF8.GetString(f.Content)))], dir.FullName);
                Assert.True(exit == 0, output);
                log.AddRange(calls);
                if (step.Id == "workloads.cni") break;
            }
            int At(string prefix)
            {
                var i = log.FindIndex(l => l.StartsWith(prefix, StringComparison.Ordinal));
                Assert.True(i >= 0, $"no call '{prefix}' in:\n{string.Join('\n', log)}");
                return i;
            }
            var crds = At("helm template calico-crds crd.projectcalico.org.v1 --repo https://docs.tigera.io/calico/charts --version v3.32.1 ");
            var crdsApplied = At("kubectl apply --server-side --field-manager=infra -f -");
            var established = At("kubectl wait --for=condition=Established crd/installations.operator.tigera.io");
            var operatorChart = At("helm upgrade --install calico tigera-operator ");
            var installation = At("kubectl apply --server-side --field-manager=infra -f manifests/02-cni.yaml");
            // helm template and kubectl apply are the two ends of one pipe: they start together, in either order.
            Assert.True(crds < established && crdsApplied < established && established < operatorChart && operatorChart < installation,
                string.Join('\n', log));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Quote_WordsWithSpacesOrQuotes_SingleQuoted() =>
        Assert.Equal("echo 'a b' 'it'\\''s' plain", Bash.Quote(["echo", "a b", "it's", "plain"]));
}
