using System.Text;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>Every generated script, YAML file and cloud-config checked by the real tools.</summary>
public class RealToolTests
{
    internal static IEnumerable<IReadOnlyList<NodeProgram>> AllVariants()
    {
        foreach (var (_, cluster) in Clusters.All())
        {
            foreach (var os in OsRelease.All)
            {
                foreach (var source in new[] { PackageSource.Repository, PackageSource.Bundle, PackageSource.Preinstalled })
                {
                    foreach (var minor in ComponentVersions.SupportedMinors)
                    {
                        var spec = cluster with
                        {
                            Os = os,
                            Hosts = [.. cluster.Hosts.Select(h => h with { Os = os })],
                            Packages = cluster.Packages with
                            {
                                Source = source,
                                Bundle = source == PackageSource.Bundle ? "bundle" : null,
                                Mirrors = new Dictionary<string, string> { ["registry.k8s.io"] = "mirror.example.com/k8s", ["docker.io"] = "https://hub-mirror.example.com" },
                            },
                            Kubernetes = cluster.Kubernetes with { Version = new KubernetesVersion(1, minor, 1) },
                        };
                        var (hosts, secrets) = Clusters.Inputs(spec);
                        var bundle = source == PackageSource.Bundle ? TestBundle.For(spec) : null;
                        yield return NodeProgramBuilder.Build(spec, hosts, secrets, bundle);
                    }
                }
            }
        }
    }

    private static string WriteAll(IEnumerable<string> texts, string extension)
    {
        var dir = Directory.CreateTempSubdirectory("infra-nodes-").FullName;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var t in texts)
        {
            if (!seen.Add(t)) continue;
            File.WriteAllText(Path.Combine(dir, $"{i++:D5}{extension}"), t);
        }
        return dir;
    }

    [RealToolFact("shellcheck")]
    public void Shellcheck_EveryScriptAndCheck_AllOsSourcesAndMinors_Pass()
    {
        var scripts = AllVariants().SelectMany(ps => ps).SelectMany(p => p.Steps).SelectMany(s => new[] { s.Script, s.Check! });
        var dir = WriteAll(scripts, ".sh");
        try
        {
            var files = Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToList();
            Assert.True(files.Count > 50, $"only {files.Count} distinct scripts");
            var r = Tool.Run("shellcheck", "shellcheck", ["-S", "warning", "-s", "bash", "-f", "gcc", .. files]);
            Assert.True(r.ExitCode == 0, ShowFailures(r.Output, dir));
            // SC2251 ("! cmd" skips errexit) is only informational, but in a check it silently passes a failed test.
            var negations = Tool.Run("shellcheck", "shellcheck", ["-S", "info", "--include=SC2251", "-s", "bash", "-f", "gcc", .. files]);
            Assert.True(negations.ExitCode == 0, ShowFailures(negations.Output, dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string ShowFailures(string output, string dir)
    {
        var sb = new StringBuilder(output.Length > 6000 ? output[..6000] : output);
        var first = output.Split('\n').FirstOrDefault(l => l.Contains(".sh:", StringComparison.Ordinal));
        if (first is not null)
        {
            var file = first[..first.IndexOf(':', StringComparison.Ordinal)];
            sb.Append("\n--- ").Append(file).Append('\n').Append(File.ReadAllText(Path.IsPathRooted(file) ? file : Path.Combine(dir, file)));
        }
        return sb.ToString();
    }

    private static IEnumerable<string> YamlTexts(IReadOnlyList<NodeProgram> programs)
    {
        foreach (var p in programs)
        {
            if (p.KubeadmConfig is not null) yield return p.KubeadmConfig;
            if (p.CloudInit is not null) yield return p.CloudInit;
            foreach (var f in p.Steps.SelectMany(s => s.Files).Where(f => f.Path.EndsWith(".yaml", StringComparison.Ordinal)))
            {
                yield return Encoding.UTF8.GetString(f.Content);
            }
        }
    }

    [RealToolFact("yamllint")]
    public void Yamllint_EveryYamlFile_Passes()
    {
        var texts = Clusters.All().Select(c => c.Spec).Select(spec =>
        {
            var (hosts, secrets) = Clusters.Inputs(spec);
            return NodeProgramBuilder.Build(spec, hosts, secrets);
        }).SelectMany(YamlTexts).ToList();
        Assert.Contains(texts, t => t.Contains("kind: Pod", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("kind: EncryptionConfiguration", StringComparison.Ordinal));
        var dir = WriteAll(texts, ".yaml");
        try
        {
            var config = Path.Combine(TestPaths.ProjectDir, "yamllint.yaml");
            var r = Tool.Run("yamllint", "yamllint", ["-s", "-f", "parsable", "-c", config, .. Directory.GetFiles(dir).Order(StringComparer.Ordinal)]);
            Assert.True(r.ExitCode == 0, ShowFailures(r.Output.Replace(".yaml:", ".yaml:", StringComparison.Ordinal), dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [RealToolFact("cloud-init")]
    public void CloudInitSchema_EveryCloudConfig_Passes()
    {
        foreach (var target in new[] { Target.Aws, Target.Azure, Target.Gcp })
        {
            var spec = Clusters.Cloud(target);
            var (hosts, secrets) = Clusters.Inputs(spec);
            foreach (var userData in NodeProgramBuilder.Build(spec, hosts, secrets).Select(p => p.CloudInit!).Distinct())
            {
                var file = Path.GetTempFileName();
                try
                {
                    File.WriteAllText(file, userData);
                    var r = Tool.Run("cloud-init", "cloud-init", ["schema", "--config-file", file]);
                    Assert.True(r.ExitCode == 0, $"{target}: {r.Output}\n{userData}");
                    Assert.Contains("Valid", r.Output, StringComparison.Ordinal);
                }
                finally
                {
                    File.Delete(file);
                }
            }
        }
    }

    [RealToolFact("containerd")]
    public void Containerd_RenderedConfigAndMirror_LoadInRealContainerd()
    {
        var spec = Clusters.BareMetalSingle();
        spec = spec with { Packages = spec.Packages with { Mirrors = new Dictionary<string, string> { ["registry.k8s.io"] = "mirror.example.com/k8s" } } };
        var (hosts, secrets) = Clusters.Inputs(spec);
        var step = NodeProgramBuilder.Build(spec, hosts, secrets)[0].Steps.Single(s => s.Id == "prepare.containerd");
        var config = Encoding.UTF8.GetString(step.Files.Single(f => f.Path == PrepareSteps.ContainerdConfigStaged).Content);
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, config);
            var r = Tool.Run("containerd", "containerd", ["--config", file, "config", "dump"]);
            Assert.True(r.ExitCode == 0, r.Output);
            Assert.Contains("SystemdCgroup = true", r.Output, StringComparison.Ordinal);
            Assert.Contains("sandbox_image = \"registry.k8s.io/pause:3.10.2\"", r.Output, StringComparison.Ordinal);
            Assert.Contains("config_path = \"/etc/containerd/certs.d\"", r.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
        var hostsToml = Encoding.UTF8.GetString(step.Files.Single(f => f.Path.EndsWith("/registry.k8s.io/hosts.toml", StringComparison.Ordinal)).Content);
        Assert.Contains("server = \"https://registry.k8s.io\"", hostsToml, StringComparison.Ordinal);
        Assert.Contains("[host.\"https://mirror.example.com/v2/k8s\"]", hostsToml, StringComparison.Ordinal);
        Assert.Contains("override_path = true", hostsToml, StringComparison.Ordinal);
    }
}
