using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Core.Workloads;
using Infra.TestKit;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>Issue 10, new user: packages.source preinstalled checks every prerequisite in prepare.</summary>
public class PackageSourceTests
{
    private static IReadOnlyList<NodeProgram> Preinstalled()
    {
        var spec = Clusters.BareMetalSingle();
        spec = spec with { Packages = spec.Packages with { Source = PackageSource.Preinstalled } };
        var (hosts, secrets) = Clusters.Inputs(spec);
        return NodeProgramBuilder.Build(spec, hosts, secrets);
    }

    /// <summary>Runs a step's check with PATH holding only stubs: each named tool prints <paramref name="helmVersion"/>.</summary>
    private static Tool.Result RunWithStubs(string script, IEnumerable<string> tools, string helmVersion = WorkloadSteps.HelmVersion)
    {
        var dir = Directory.CreateTempSubdirectory("infra-stubs-").FullName;
        try
        {
            foreach (var t in tools)
            {
                var stub = Path.Combine(dir, t);
                File.WriteAllText(stub, $"#!/bin/bash\necho {helmVersion}\n");
                File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            }
            return Tool.Run("bash", "bash", ["-c", $"export PATH='{dir}'\n" + script]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    [Trait("Item", "10.new-user-preinstalled")]
    public void Build_Preinstalled_HostToolsCheckNamesCrictlWhenItIsMissing()
    {
        var step = Preinstalled()[0].Steps.Single(s => s.Id == "prepare.host-tools");
        var without = RunWithStubs(step.Check!, PrepareSteps.RequiredTools);
        Assert.NotEqual(0, without.ExitCode);
        Assert.Contains("crictl", without.Output, StringComparison.Ordinal);
        Assert.Equal(0, RunWithStubs(step.Check!, [.. PrepareSteps.RequiredTools, .. PrepareSteps.UserInstalledTools]).ExitCode);
    }

    [Fact]
    [Trait("Item", "10.new-user-preinstalled")]
    public void Build_Preinstalled_FirstControlPlaneChecksHelmBeforeInit_OtherHostsDoNot()
    {
        var programs = Preinstalled();
        var first = programs.Single(p => p.Steps.Any(s => s.Id == "control-plane.init"));
        var ids = first.Steps.Select(s => s.Id).ToList();
        Assert.Contains("prepare.helm", ids);
        Assert.True(ids.IndexOf("prepare.helm") < ids.IndexOf("control-plane.init"));
        Assert.All(programs.Where(p => p != first), p => Assert.DoesNotContain(p.Steps, s => s.Id == "prepare.helm"));
    }

    [Theory]
    [Trait("Item", "10.new-user-preinstalled")]
    [InlineData(null, false)]
    [InlineData("v3.18.4", false)]
    [InlineData("v3.19.0+gabcdef", false)]
    [InlineData(WorkloadSteps.HelmVersion, true)]
    public void PrepareHelm_Preinstalled_PassesOnlyForThePinnedVersion(string? installed, bool passes)
    {
        var step = Preinstalled().SelectMany(p => p.Steps).Single(s => s.Id == "prepare.helm");
        var r = RunWithStubs(step.Check!, installed is null ? [] : ["helm"], installed ?? "");
        Assert.Equal(passes, r.ExitCode == 0);
        if (!passes) Assert.Contains(WorkloadSteps.HelmVersion, r.Output, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.new-user-preinstalled")]
    public void Build_Repository_HasNoHelmPrepareStep() =>
        Assert.DoesNotContain(NodeProgramBuilder.Build(Clusters.BareMetalSingle(), Clusters.Inputs(Clusters.BareMetalSingle()).Hosts,
            Clusters.Inputs(Clusters.BareMetalSingle()).Secrets).SelectMany(p => p.Steps), s => s.Id == "prepare.helm");

    /// <summary>Every file a bundle may need, for every supported minor and every target, CNI and ingress choice.</summary>
    private static IEnumerable<string> EveryBundleFile()
    {
        foreach (var minor in ComponentVersions.SupportedMinors)
        {
            var version = new KubernetesVersion(1, minor, 1);
            foreach (var (name, _) in BundleManifest.Required(ComponentVersions.For(version)!)) yield return name;
            foreach (var target in Enum.GetValues<Target>())
            {
                foreach (var cni in Enum.GetValues<Cni>())
                {
                    foreach (var ingress in Enum.GetValues<IngressKind>())
                    {
                        var spec = target == Target.Baremetal ? SampleSpecs.BareMetal() : SampleSpecs.Cloud(target);
                        spec = spec with
                        {
                            Kubernetes = spec.Kubernetes with { Version = version },
                            Network = spec.Network with { Cni = cni },
                            Workloads = spec.Workloads with { Ingress = ingress },
                        };
                        foreach (var (name, _) in WorkloadSteps.BundleFiles(BaselinePlanner.Plan(spec))) yield return name;
                    }
                }
            }
        }
    }

    [Fact]
    [Trait("Item", "10.new-user-airgap")]
    public void Readme_PackageSources_NamesEveryFileABundleMayNeed()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.ProjectDir, "..", "..", "README.md"));
        var section = readme[readme.IndexOf("### Package sources", StringComparison.Ordinal)..readme.IndexOf("### Diagnostics", StringComparison.Ordinal)];
        var names = EveryBundleFile().Where(n => n is not ("kubeadm" or "kubelet" or "kubectl")).Distinct().ToList();
        Assert.True(names.Count > 10, string.Join(", ", names));
        Assert.All(names, n => Assert.Contains($"`{n}`", section, StringComparison.Ordinal));
    }
}
