using System.Text;
using System.Text.Json;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>
/// Issue 10 items 5 and 6, rendering side: whatever validation lets through, a value never becomes a path outside
/// certs.d, a line of TOML, a line of script or another kubelet flag.
/// </summary>
public class RenderingSafetyTests
{
    private const string Injection = "x\"\nskip_verify = true\nsandbox_image = \"evil";

    private static IReadOnlyList<NodeProgram> Build(ClusterSpec spec)
    {
        var (hosts, secrets) = Clusters.Inputs(spec);
        return NodeProgramBuilder.Build(spec, hosts, secrets);
    }

    private static ClusterSpec WithMirrors(params (string Registry, string Mirror)[] mirrors)
    {
        var spec = Clusters.BareMetalSingle();
        return spec with { Packages = spec.Packages with { Mirrors = mirrors.ToDictionary(m => m.Registry, m => m.Mirror) } };
    }

    /// <summary>Parses TOML with Python's tomllib (a TOML 1.0.0 parser) and returns it as JSON.</summary>
    private static JsonElement ParseToml(string toml)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, toml);
            var r = Tool.Run("python3", "python3", ["-c",
                "import json,sys,tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], 'rb'))))", file]);
            Assert.True(r.ExitCode == 0, r.Output + "\n" + toml);
            return JsonDocument.Parse(r.Output).RootElement.Clone();
        }
        finally
        {
            File.Delete(file);
        }
    }

    // toml.io v1.0.0, "String": quotation mark, backslash and U+0000-U+0008, U+000A-U+001F, U+007F must be escaped.
    [Theory]
    [Trait("Item", "10.5")]
    [InlineData("plain")]
    [InlineData("a\"b")]
    [InlineData("back\\slash")]
    [InlineData("new\nline\r\n")]
    [InlineData("tab\tbell\u0007del\u007fnul\u0000esc\u001b")]
    [InlineData(Injection)]
    [InlineData("üñí 😀")]
    public void TomlBasicString_AnyValue_ParsesBackToTheSameOneString(string value)
    {
        var toml = "key = " + Toml.BasicString(value) + "\n[\"t\"]\n" + Toml.BasicString(value) + " = 1\n";
        Assert.DoesNotContain('\n', Toml.BasicString(value));
        var parsed = ParseToml(toml);
        Assert.Equal(value, parsed.GetProperty("key").GetString());
        Assert.Equal(2, parsed.EnumerateObject().Count());
        Assert.True(parsed.GetProperty("t").TryGetProperty(value, out _));
    }

    [Fact]
    [Trait("Item", "10.5")]
    public void TomlBasicString_LoneSurrogate_Refused() =>
        Assert.Throws<ArgumentException>(() => Toml.BasicString("a\ud800b"));

    [RealToolFact("containerd")]
    [Trait("Item", "10.5")]
    public void ContainerdConfig_ImageRepositoryWithQuoteAndNewline_StaysOneSandboxImageAndLoadsInRealContainerd()
    {
        var spec = Clusters.BareMetalSingle();
        spec = spec with { Kubernetes = spec.Kubernetes with { ImageRepository = Injection } };
        var step = Build(spec)[0].Steps.Single(s => s.Id == "prepare.containerd");
        var config = Encoding.UTF8.GetString(step.Files.Single(f => f.Path == PrepareSteps.ContainerdConfigStaged).Content);
        var cri = ParseToml(config).GetProperty("plugins").GetProperty("io.containerd.grpc.v1.cri");
        Assert.StartsWith(Injection + "/pause:", cri.GetProperty("sandbox_image").GetString(), StringComparison.Ordinal);
        Assert.False(cri.TryGetProperty("skip_verify", out _));
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, config);
            var r = Tool.Run("containerd", "containerd", ["--config", file, "config", "dump"]);
            Assert.True(r.ExitCode == 0, r.Output);
            Assert.Single(r.Output.Split('\n'), l => l.TrimStart().StartsWith("sandbox_image", StringComparison.Ordinal));
            Assert.DoesNotContain(r.Output.Split('\n'), l => l.TrimStart().StartsWith("skip_verify", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    [Trait("Item", "10.5")]
    public void MirrorHostsToml_MirrorWithQuoteAndNewline_IsOneHostWithoutSkipVerify()
    {
        var toml = PrepareSteps.MirrorHostsToml("docker.io", "mirror.example.com/" + Injection);
        var parsed = ParseToml(toml);
        Assert.Equal(["server", "host"], parsed.EnumerateObject().Select(p => p.Name));
        var host = Assert.Single(parsed.GetProperty("host").EnumerateObject());
        Assert.Contains("skip_verify", host.Name, StringComparison.Ordinal);
        Assert.False(host.Value.TryGetProperty("skip_verify", out _));
        Assert.Equal(["capabilities", "override_path"], host.Value.EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [Trait("Item", "10.5")]
    [InlineData("docker.io:/../../../tmp/x")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("docker.io\nEOF\ntouch /tmp/owned")]
    [InlineData("reg.example.com:70000")]
    [InlineData("")]
    [InlineData("-reg.example.com")]
    public void Build_MirrorKeyThatIsNotARegistryHost_RefusedBeforeAnyFileIsRendered(string registry)
    {
        var e = Assert.Throws<NodeProgramException>(() => Build(WithMirrors((registry, "mirror.example.com"))));
        Assert.Contains(e.Problems, p => p.Reason.StartsWith("packages.mirrors: the registry", StringComparison.Ordinal)
            && p.Reason.Contains("/etc/containerd/certs.d", StringComparison.Ordinal));
        Assert.DoesNotContain('\n', string.Concat(e.Problems.Select(p => p.Reason)));
    }

    [Theory]
    [Trait("Item", "10.5")]
    [InlineData("docker.io", "/etc/containerd/certs.d/docker.io")]
    [InlineData("registry.example.com:5000", "/etc/containerd/certs.d/registry.example.com:5000")]
    [InlineData("localhost", "/etc/containerd/certs.d/localhost")]
    public void MirrorHostsDirectory_RegistryHost_IsOneFolderUnderCertsD(string registry, string expected) =>
        Assert.Equal(expected, PrepareSteps.MirrorHostsDirectory(registry));

    [Theory]
    [Trait("Item", "10.5")]
    [InlineData("/etc/x\nEOF\ntouch /tmp/owned")]
    [InlineData("/etc/containerd/certs.d/../../../tmp/x")]
    [InlineData("relative/path")]
    [InlineData("/etc/a b")]
    public void StepsFile_PathThatIsNotPlain_Refused(string path) =>
        Assert.Throws<ArgumentException>(() => Steps.File(path, "x"));

    [Fact]
    [Trait("Item", "10.5")]
    public void Heredoc_BodyWithTheDelimiterAndANewline_ReachesTheCommandVerbatim()
    {
        const string body = "line one\nEOF\ntouch /tmp/infra-heredoc-owned\n'EOF'\n$(id)\n";
        var script = "set -euo pipefail\ncat " + Steps.Heredoc(body);
        var r = Tool.Run("bash", "bash", ["-c", script]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(body, r.Output);
        Assert.False(File.Exists("/tmp/infra-heredoc-owned"));
    }

    [Fact]
    [Trait("Item", "10.5")]
    public void Heredoc_OrdinaryBody_KeepsTheUsualDelimiter() =>
        Assert.Equal("<<'EOF'\na\nEOF\n", Steps.Heredoc("a\n"));

    [Theory]
    [Trait("Item", "10.6")]
    [InlineData("tier", "a --authorization-mode=AlwaysAllow")]
    [InlineData("tier", "a\t--anonymous-auth=true")]
    [InlineData("tier", "a\"b")]
    [InlineData("tier", "a,evil=1")]
    [InlineData("tier", "a=b")]
    [InlineData("tier --x=y", "a")]
    [InlineData("tier,x", "a")]
    [InlineData("tier", "$(id)")]
    public void Build_PoolLabelThatWouldAddAFlagOrALabel_RefusedEvenWithoutValidation(string key, string value)
    {
        var spec = Clusters.BareMetalSingle();
        spec = spec with { Workers = [spec.Workers[0] with { Labels = new Dictionary<string, string> { [key] = value } }] };
        var e = Assert.Throws<NodeProgramException>(() => Build(spec));
        Assert.Contains(e.Problems, p => p.Host == "w-1" && (p.Reason.Contains("--node-labels", StringComparison.Ordinal)
            || p.Reason.Contains("kubelet flag --node-labels", StringComparison.Ordinal)));
    }
}
