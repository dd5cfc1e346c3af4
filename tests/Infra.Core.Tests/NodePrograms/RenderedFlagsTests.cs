using Infra.Core.Kubeadm;
using YamlDotNet.RepresentationModel;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>
/// Issue 11 item 7 (drift): every flag the kubeadm configuration renders has a row in <see cref="RenderedFlags"/> with
/// the upstream file that defines it; no kubelet flag deprecated in favour of the configuration file is rendered; the
/// deprecated flags still rendered are exactly the known ones (kube-scheduler --profiling:
/// kubernetes/kubernetes cmd/kube-scheduler/app/options/deprecated.go).
/// </summary>
public class RenderedFlagsTests
{
    private static readonly string[] Components = ["apiServer", "controllerManager", "scheduler"];

    /// <summary>(component, flag) of every extraArgs / kubeletExtraArgs entry in a rendered kubeadm file.</summary>
    private static IEnumerable<(string Component, string Flag)> Flags(string kubeadmYaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(kubeadmYaml));
        foreach (var doc in stream.Documents.Select(d => (YamlMappingNode)d.RootNode))
        {
            foreach (var component in Components)
            {
                if (doc.Children.TryGetValue(component, out var c) && c is YamlMappingNode m && m.Children.TryGetValue("extraArgs", out var a))
                {
                    foreach (var arg in ((YamlSequenceNode)a).Children.Cast<YamlMappingNode>()) yield return (component, ((YamlScalarNode)arg["name"]).Value!);
                }
            }
            if (doc.Children.TryGetValue("nodeRegistration", out var n) && n is YamlMappingNode r && r.Children.TryGetValue("kubeletExtraArgs", out var k))
            {
                foreach (var arg in ((YamlSequenceNode)k).Children.Cast<YamlMappingNode>()) yield return ("kubelet", ((YamlScalarNode)arg["name"]).Value!);
            }
        }
    }

    private static HashSet<(string, string)> AllRendered()
    {
        var all = new HashSet<(string, string)>();
        foreach (var (_, spec) in Clusters.All())
        {
            var labelled = spec with
            {
                Workers = [.. spec.Workers.Select(p => p with { Labels = new Dictionary<string, string> { ["team"] = "a", ["node-role.kubernetes.io/x"] = "" } })],
            };
            var (hosts, secrets) = Clusters.Inputs(labelled);
            foreach (var p in Infra.Core.NodePrograms.NodeProgramBuilder.Build(labelled, hosts, secrets).Where(p => p.KubeadmConfig is not null))
            {
                all.UnionWith(Flags(p.KubeadmConfig!));
            }
        }
        return all;
    }

    [Fact]
    [Trait("Item", "11.7")]
    public void Render_EveryFlag_HasAnUpstreamSourceRow()
    {
        var rendered = AllRendered();
        Assert.Contains(("kubelet", "node-labels"), rendered);
        Assert.Contains(("apiServer", "authentication-config"), rendered);
        var missing = rendered.Where(f => !RenderedFlags.Sources.TryGetValue(f.Item1, out var flags) || !flags.ContainsKey(f.Item2)).ToList();
        Assert.True(missing.Count == 0, "rendered without a source row: " + string.Join(", ", missing));
    }

    [Fact]
    [Trait("Item", "11.7")]
    public void Render_DeprecatedFlags_OnlyTheKnownOnesAndNoDeprecatedKubeletFlag()
    {
        var rendered = AllRendered();
        Assert.DoesNotContain(rendered, f => f.Item1 == "kubelet" && RenderedFlags.DeprecatedKubeletFlags.Contains(f.Item2));
        foreach (var known in RenderedFlags.DeprecatedButRendered.Keys) Assert.Contains(known, rendered);
    }
}
