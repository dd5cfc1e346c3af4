using Infra.Core.Diagnostics;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>
/// Issue 11 item 1: the kubelet refuses kubernetes.io / k8s.io labels outside its allowed set in --node-labels.
/// Upstream: kubernetes/kubernetes v1.34, staging/src/k8s.io/kubelet/pkg/apis/well_known_labels.go and
/// cmd/kubelet/app/options/options.go (ValidateKubeletFlags).
/// </summary>
public class NodeLabelTests
{
    private static string RepoRoot => Repo.Root;

    private static ClusterSpec Read(string yaml)
    {
        var r = StackFile.Read("stack.yaml", yaml);
        Assert.True(r.Spec is not null, string.Join("\n", r.Diagnostics));
        return r.Spec!;
    }

    internal static ClusterSpec ShippedProd() => Read(File.ReadAllText(Path.Combine(RepoRoot, "stacks", "Pulumi.prod.yaml")));

    [Theory]
    [Trait("Item", "11.1")]
    // Upstream KubeletLabels: the named set.
    [InlineData("kubernetes.io/hostname", true)]
    [InlineData("topology.kubernetes.io/zone", true)]
    [InlineData("node.kubernetes.io/instance-type", true)]
    [InlineData("beta.kubernetes.io/arch", true)]
    // Upstream KubeletLabelNamespaces: kubelet.kubernetes.io, node.kubernetes.io and their subdomains.
    [InlineData("node.kubernetes.io/exclude-from-external-load-balancers", true)]
    [InlineData("kubelet.kubernetes.io/anything", true)]
    [InlineData("x.node.kubernetes.io/anything", true)]
    // Not a kubelet label.
    [InlineData("node-role.kubernetes.io/system", false)]
    [InlineData("kubernetes.io/role", false)]
    [InlineData("example.k8s.io/team", false)]
    [InlineData("node-restriction.kubernetes.io/pci", false)]
    [InlineData("team", false)]
    [InlineData("example.com/team", false)]
    public void IsKubeletLabel_UpstreamWellKnownLabels_Matches(string key, bool expected) =>
        Assert.Equal(expected, NodeLabelRules.IsKubeletLabel(key));

    [Theory]
    [Trait("Item", "11.1")]
    // Upstream ValidateKubeletFlags: a key outside kubernetes.io / k8s.io is always accepted.
    [InlineData("team", true)]
    [InlineData("example.com/team", true)]
    [InlineData("kubernetes.io.example.com/x", true)]
    [InlineData("node.kubernetes.io/disk", true)]
    [InlineData("node-role.kubernetes.io/system", false)]
    [InlineData("app.kubernetes.io/name", false)]
    [InlineData("k8s.io/x", false)]
    [InlineData("sub.k8s.io/x", false)]
    public void KubeletAccepts_UpstreamValidateKubeletFlags_Matches(string key, bool expected) =>
        Assert.Equal(expected, NodeLabelRules.KubeletAccepts(key));

    [Theory]
    [Trait("Item", "11.1")]
    [InlineData("team", NodeLabelSetter.Kubelet)]
    [InlineData("topology.kubernetes.io/zone", NodeLabelSetter.Kubelet)]
    [InlineData("node-role.kubernetes.io/system", NodeLabelSetter.AfterJoin)]
    [InlineData("node-restriction.kubernetes.io/pci", NodeLabelSetter.AfterJoin)]
    [InlineData("kubernetes.io/hostname", NodeLabelSetter.Refused)]
    [InlineData("kubernetes.io/os", NodeLabelSetter.Refused)]
    [InlineData("beta.kubernetes.io/arch", NodeLabelSetter.Refused)]
    [InlineData("node-role.kubernetes.io/control-plane", NodeLabelSetter.Refused)]
    public void SetterOf_Key_IsWhoMaySetIt(string key, NodeLabelSetter expected) =>
        Assert.Equal(expected, NodeLabelRules.SetterOf(key));

    [Fact]
    [Trait("Item", "11.1")]
    public void Render_ShippedProdStack_KubeletGetsNoNodeRoleLabel()
    {
        var spec = ShippedProd();
        var plan = ClusterPlanner.Plan(spec);
        var workers = plan.Nodes.Where(n => n.Host.Pool == "system").ToList();
        Assert.NotEmpty(workers);
        foreach (var w in workers)
        {
            Assert.DoesNotContain("node-role.kubernetes.io", w.KubeadmConfig!, StringComparison.Ordinal);
        }
    }

    [Fact]
    [Trait("Item", "11.1")]
    public void Plan_ShippedProdStack_LabelsSystemNodesFromTheFirstControlPlaneAfterJoin()
    {
        var plan = ClusterPlanner.Plan(ShippedProd());
        var first = plan.Nodes.First(n => n.Host.Has(Roles.ControlPlane));
        var steps = first.Steps.Select(s => s.Id).ToList();
        var at = steps.IndexOf(AfterJoinLabels.StepId);
        Assert.True(at >= 0, string.Join(", ", steps));
        var step = first.Steps[at];
        Assert.Equal(Phase.Workloads, step.Phase);
        Assert.True(at < steps.IndexOf("workloads.helm"), "labels come before the workloads that may select by them");
        var workers = plan.Nodes.Where(n => n.Host.Has(Roles.Worker)).Select(n => n.Host.Name).ToList();
        Assert.Equal(8, workers.Count);
        // Every worker is listed, also those whose pool has no labels, so that what an earlier run set is taken off.
        foreach (var name in workers) Assert.Contains($"readonly NODE_{workers.IndexOf(name)}={name}\n", step.Script, StringComparison.Ordinal);
        var system = workers.IndexOf("system-1");
        Assert.Contains($"readonly -a LABELS_{system}=(node-role.kubernetes.io/system=)\n", step.Script, StringComparison.Ordinal);
        Assert.Contains($"readonly -a TAINTS_{system}=(dedicated=system:NoSchedule)\n", step.Script, StringComparison.Ordinal);
        Assert.Contains("readonly -a LABELS_0=()\n", step.Script, StringComparison.Ordinal);
        Assert.Contains("kubectl label node \"$node\" --overwrite", step.Script, StringComparison.Ordinal);
        Assert.Contains("kubectl taint node \"$node\" --overwrite", step.Script, StringComparison.Ordinal);
    }

    /// <summary>
    /// The step run against a kubectl stand-in (no API server here) that records its calls and answers the node's
    /// annotation with a key an earlier run set and the stack no longer has: that key is taken off, the pool's set.
    /// </summary>
    [Fact]
    [Trait("Item", "11.1")]
    public void AfterJoinLabelStep_StandInKubectl_SetsPoolLabelsAndRemovesOnesAnEarlierRunSet()
    {
        var plan = ClusterPlanner.Plan(ShippedProd());
        var step = plan.Nodes.First(n => n.Host.Has(Roles.ControlPlane)).Steps.Single(s => s.Id == AfterJoinLabels.StepId);
        var dir = Directory.CreateTempSubdirectory("infra-standin-").FullName;
        try
        {
            var log = Path.Combine(dir, "calls");
            var kubectl = Path.Combine(dir, "kubectl");
            File.WriteAllText(kubectl, $$"""
                #!/bin/bash
                echo "$*" >> '{{log}}'
                case "$*" in
                  *"{{AfterJoinLabels.Annotation}}"*) echo 'node-role.kubernetes.io/old,node-role.kubernetes.io/system' ;;
                esac
                """);
            File.SetUnixFileMode(kubectl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var r = Tool.Run("bash", "bash", ["-c", $"export PATH='{dir}':/usr/bin:/bin\n" + step.Script]);
            Assert.True(r.ExitCode == 0, r.Output);
            var calls = File.ReadAllLines(log);
            foreach (var node in new[] { "system-1", "system-2" })
            {
                Assert.Contains($"label node {node} --overwrite node-role.kubernetes.io/system= node-role.kubernetes.io/old-", calls);
                Assert.Contains($"annotate node {node} --overwrite {AfterJoinLabels.Annotation}=node-role.kubernetes.io/system", calls);
            }
            // A general node: the earlier run's key is taken off, nothing is set.
            Assert.Contains("label node general-1 --overwrite node-role.kubernetes.io/old- node-role.kubernetes.io/system-", calls);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Taints against the kubectl stand-in: the pool's taint set with --overwrite; of the taints an earlier run set
    /// (infra/taints), the one the node still has is removed (KEY:EFFECT-), the one it no longer has is not named
    /// (kubectl taint fails on removing a missing taint), and kubeadm's control-plane taint, never recorded, stays.
    /// Upstream: kubernetes/kubectl pkg/cmd/taint/taint.go examples ("kubectl taint nodes foo dedicated:NoSchedule-").
    /// </summary>
    [Fact]
    [Trait("Item", "13.3")]
    public void RelabelStep_StandInKubectl_SetsPoolTaintsAndRemovesOnlyRecordedOnesTheNodeHas()
    {
        var plan = ClusterPlanner.Plan(ShippedProd());
        var step = plan.Nodes.First(n => n.Host.Has(Roles.ControlPlane)).Steps.Single(s => s.Id == AfterJoinLabels.StepId);
        var dir = Directory.CreateTempSubdirectory("infra-standin-").FullName;
        try
        {
            var log = Path.Combine(dir, "calls");
            var kubectl = Path.Combine(dir, "kubectl");
            File.WriteAllText(kubectl, $$"""
                #!/bin/bash
                echo "$*" >> '{{log}}'
                case "$*" in
                  *"{{AfterJoinLabels.TaintsAnnotation}}"*) echo 'old:NoExecute,gone:NoSchedule,dedicated:NoSchedule' ;;
                  *".spec.taints"*) echo 'dedicated:NoSchedule,old:NoExecute,node-role.kubernetes.io/control-plane:NoSchedule,' ;;
                esac
                """);
            File.SetUnixFileMode(kubectl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var r = Tool.Run("bash", "bash", ["-c", $"export PATH='{dir}':/usr/bin:/bin\n" + step.Script]);
            Assert.True(r.ExitCode == 0, r.Output);
            var calls = File.ReadAllLines(log);
            Assert.Contains("taint node system-1 --overwrite dedicated=system:NoSchedule old:NoExecute-", calls);
            Assert.Contains($"annotate node system-1 --overwrite {AfterJoinLabels.TaintsAnnotation}=dedicated:NoSchedule", calls);
            // A general node has no taint in the stack: the recorded ones it has are removed, the recorded one it lacks is not named.
            Assert.Contains("taint node general-1 --overwrite old:NoExecute- dedicated:NoSchedule-", calls);
            Assert.Contains($"annotate node general-1 --overwrite {AfterJoinLabels.TaintsAnnotation}=", calls);
            Assert.DoesNotContain(calls, c => c.Contains("gone:NoSchedule-", StringComparison.Ordinal) || c.Contains("control-plane:NoSchedule-", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    [Trait("Item", "11.1")]
    public void Of_MixedPool_SplitsKubeletAndAfterJoinLabels()
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 1, workers: 1);
        var pool = spec.Workers[0] with
        {
            Labels = new Dictionary<string, string> { ["team"] = "a", ["node-role.kubernetes.io/db"] = "", ["node.kubernetes.io/disk"] = "ssd" },
        };
        spec = spec with { Workers = [pool] };
        var hosts = HostInventory.Plan(spec);
        var worker = hosts.Single(h => h.Has(Roles.Worker) && !h.Has(Roles.ControlPlane));
        var (_, secrets) = Clusters.Inputs(spec);
        var program = NodeProgramBuilder.Build(spec, hosts, secrets).Single(p => p.Host.Name == worker.Name);
        Assert.Contains("value: node.kubernetes.io/disk=ssd,team=a\n", program.KubeadmConfig!, StringComparison.Ordinal);
        var after = Assert.Single(AfterJoinLabels.Of(spec, hosts));
        Assert.Equal(worker.Name, after.Node);
        Assert.Equal(["node-role.kubernetes.io/db"], after.Labels.Select(l => l.Key));
    }

    [Fact]
    [Trait("Item", "11.1")]
    public void Plan_NoWorkers_HasNoLabelStep()
    {
        var plan = ClusterPlanner.Plan(SampleSpecs.BareMetal(controlPlanes: 1, workers: 0));
        Assert.DoesNotContain(plan.Nodes.SelectMany(n => n.Steps), s => s.Id == AfterJoinLabels.StepId);
    }

    [Theory]
    [Trait("Item", "11.1")]
    [InlineData("kubernetes.io/hostname")]
    [InlineData("kubernetes.io/arch")]
    [InlineData("beta.kubernetes.io/os")]
    [InlineData("node-role.kubernetes.io/control-plane")]
    public void Read_PoolLabelOwnedByKubeletOrKubeadm_RefusedAtTheLabel(string key)
    {
        var yaml = Spec.StackReaderTests.BareMetal.Replace(
            "workers: [ { name: general } ]",
            "workers:\n      - name: general\n        labels:\n          team: a\n          " + key + ": x",
            StringComparison.Ordinal);
        var r = StackFile.Read("stack.yaml", yaml);
        Assert.Null(r.Spec);
        var d = Assert.Single(r.Errors, e => e.Code == Codes.OwnedNodeLabel);
        Assert.Equal(11, d.Line);
        Assert.Equal(11, d.Column);
        Assert.Equal($"infra:cluster.workers[0].labels.{key}", d.KeyPath);
        Assert.StartsWith($"stack.yaml:11:11: error INF055: label '{key}' cannot be set from the stack", d.ToString(), StringComparison.Ordinal);
    }

    [RealToolFact("shellcheck")]
    [Trait("Item", "11.1")]
    public void Shellcheck_AfterJoinLabelStep_Passes()
    {
        var step = ClusterPlanner.Plan(ShippedProd()).Nodes.SelectMany(n => n.Steps).Single(s => s.Id == AfterJoinLabels.StepId);
        var dir = Directory.CreateTempSubdirectory("infra-labels-").FullName;
        try
        {
            var file = Path.Combine(dir, "labels.sh");
            File.WriteAllText(file, "#!/bin/bash\n" + step.Script);
            var r = Tool.Run("shellcheck", "shellcheck", ["-S", "style", "-s", "bash", "-f", "gcc", file]);
            Assert.True(r.ExitCode == 0, r.Output + "\n" + step.Script);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    [Trait("Item", "11.1")]
    public void Plan_E2eLabelledPoolStack_KubeletGetsTeamAndControlPlaneSetsTheRole()
    {
        // The stack the e2e workflow's labelled-pool job writes, with the runner's values filled in.
        var yaml = new YamlDotNet.RepresentationModel.YamlStream();
        using (var reader = new StreamReader(Path.Combine(RepoRoot, ".github", "workflows", "e2e.yml"))) yaml.Load(reader);
        var jobs = (YamlDotNet.RepresentationModel.YamlMappingNode)((YamlDotNet.RepresentationModel.YamlMappingNode)yaml.Documents[0].RootNode)["jobs"];
        var steps = (YamlDotNet.RepresentationModel.YamlSequenceNode)((YamlDotNet.RepresentationModel.YamlMappingNode)jobs["labelled-pool"])["steps"];
        var run = steps.Children.OfType<YamlDotNet.RepresentationModel.YamlMappingNode>()
            .Select(s => s.Children.TryGetValue("run", out var r) ? ((YamlDotNet.RepresentationModel.YamlScalarNode)r).Value! : "")
            .Single(r => r.Contains("<<YAML", StringComparison.Ordinal));
        var body = run[(run.IndexOf("<<YAML\n", StringComparison.Ordinal) + 7)..run.LastIndexOf("YAML", StringComparison.Ordinal)];
        var stack = body
            .Replace("${NODE_IP}", "10.1.0.4", StringComparison.Ordinal)
            .Replace("${HOST_KEY}", Spec.StackReaderTests.Key3, StringComparison.Ordinal)
            .Replace("$(id -un)", "runner", StringComparison.Ordinal)
            .Replace("$HOME", "/home/runner", StringComparison.Ordinal);
        var spec = Read(stack);
        var plan = ClusterPlanner.Plan(spec);
        var node = Assert.Single(plan.Nodes);
        Assert.Contains("value: team=e2e\n", node.KubeadmConfig!, StringComparison.Ordinal);
        Assert.DoesNotContain("node-role.kubernetes.io/system", node.KubeadmConfig!, StringComparison.Ordinal);
        var after = Assert.Single(AfterJoinLabels.Of(spec, plan.Hosts));
        Assert.Equal("e2e-1", after.Node);
        Assert.Equal(["node-role.kubernetes.io/system"], after.Labels.Select(l => l.Key));
        Assert.Equal(Cni.Calico, spec.Network.Cni);
    }
}
