using Infra.Core.Etcd;
using Infra.Core.Planning;
using Infra.Core.Shell;
using Infra.Core.Spec;
using Infra.Core.Tests.NodePrograms;
using Infra.Core.Tests.Planning;

namespace Infra.Core.Tests.Shell;

/// <summary>Issue 12 item 4: shell sources as embedded resources, their generated header, and shellcheck on every source.</summary>
public class ShellScriptTests
{
    private static IReadOnlyList<string> Sources() => ShellScript.Names(typeof(ShellScript).Assembly);

    [Fact]
    [Trait("Item", "12.4")]
    public void Render_InputsDifferFromWhatTheSourcesDeclare_Throws()
    {
        var source = ShellScript.Parse("t.sh", "# t\n# inputs: A B[]\necho \"$A\" \"${B[@]}\"\n");
        Assert.Equal(["A", "B[]"], source.Inputs);
        var missing = Assert.Throws<ArgumentException>(() => ShellScript.Render(new ShellArgs().Set("A", "x"), source));
        Assert.Contains("[A B[]]", missing.Message, StringComparison.Ordinal);
        // A list given where the source declares a scalar is not the same input.
        Assert.Throws<ArgumentException>(() => ShellScript.Render(new ShellArgs().List("A", ["x"]).List("B", []), source));
        Assert.Throws<ArgumentException>(() => ShellScript.Render(new ShellArgs().Set("A", "x").List("B", []).Set("C", "unused"), source));
        Assert.Equal("readonly A=x\nreadonly -a B=()\necho \"$A\" \"${B[@]}\"\n", ShellScript.Render(new ShellArgs().Set("A", "x").List("B", []), source));
    }

    [Theory]
    [Trait("Item", "12.4")]
    [InlineData("lower")]
    [InlineData("A-B")]
    [InlineData("1A")]
    [InlineData("A B")]
    public void Set_NotAnUpperCaseVariableName_Throws(string name)
    {
        Assert.Throws<ArgumentException>(() => new ShellArgs().Set(name, "v"));
    }

    [Fact]
    [Trait("Item", "12.4")]
    public void Render_HostileValues_ReachTheBodyVerbatimAndRunNothing()
    {
        var dir = Directory.CreateTempSubdirectory("infra-header-").FullName;
        try
        {
            var mark = Path.Combine(dir, "pwned");
            string[] hostile = [$"$(touch {mark})", $"`touch {mark}`", "it's", "a\nb", "-n", "", "*", "x; touch " + mark, "\"q\" \\"];
            var source = ShellScript.Parse("t.sh", "# inputs: ONE LIST[]\nprintf '%s\\0' \"$ONE\" \"${LIST[@]}\"\n");
            var script = ShellScript.Render(new ShellArgs().Set("ONE", hostile[0]).List("LIST", hostile[1..]), source);
            var r = Tool.Run("bash", "bash", ["-c", script]);
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(hostile, r.Output.Split('\0')[..^1]);
            Assert.False(File.Exists(mark));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    [Trait("Item", "12.4")]
    public void Shellcheck_EveryCoreShellSource_Passes()
    {
        var dir = Directory.CreateTempSubdirectory("infra-sources-").FullName;
        try
        {
            var files = new List<string>();
            foreach (var name in Sources())
            {
                var file = Path.Combine(dir, name.Replace('/', '-'));
                // Every Core source runs inside a step, under its header.
                File.WriteAllText(file, ShellScript.ForChecking(ShellScript.Load(name), Infra.Core.Model.Step.Header));
                files.Add(file);
            }
            Assert.True(files.Count >= 20, $"only {files.Count} sources");
            var r = Tool.Run("shellcheck", "shellcheck", ["-S", "warning", "-s", "bash", "-f", "gcc", .. files]);
            Assert.True(r.ExitCode == 0, r.Output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    [Trait("Item", "12.4")]
    public void Sources_EveryOne_IsInSomeRenderedStep()
    {
        // Rendered steps are shellchecked by RealToolTests: a source no step renders would be checked only as a file.
        // So are the workloads phase's Helm step (WorkloadStepsTests) and the etcd restore scripts (EtcdCommandsTests).
        var plan = WorkloadStepsTests.Plan();
        var helm = Enum.GetValues<PackageSource>().Select(source => WorkloadSteps.Build(plan, OsFamily.Debian12, source, WorkloadStepsTests.Bundle(plan))[0]);
        // And the whole plan of the shipped prod stack (the after-join labels step; NodeLabelTests shellchecks it).
        var prod = ClusterPlanner.Plan(NodeLabelTests.ShippedProd()).Nodes.SelectMany(n => n.Steps);
        // And a removed node's drain and delete (NodeRemovalsTests shellchecks them), and the provider's worker slots (UpgradeWorkerSlotTests).
        var texts = RealToolTests.AllVariants().SelectMany(ps => ps).SelectMany(p => p.Steps).Concat(helm).Concat(prod).Concat(NodeRemovalsTests.RenderedSteps())
            .Concat(Pki.CertificateRenewalTests.RenewalSteps()).Concat(Planning.EncryptionKeyRotationTests.RotationSteps())
            .SelectMany(s => new[] { s.Script, s.Check ?? "" })
            .Concat(Planning.UpgradeWorkerSlotTests.Scripts())
            .Concat(Enum.GetValues<EtcdAccess>().SelectMany(a => new[] { EtcdRestore.Stop(a), EtcdRestore.Start(a) }))
            .Concat([EtcdRestore.StopControlPlane, EtcdRestore.StartControlPlane])
            .Concat(Planning.UpgradePlannerTests.Procedure().Actions.Values.SelectMany(a => a).Select(a => a.Step.Script))
            .Concat(Planning.UpgradePlannerTests.EtcdUpgradeSteps().Select(s => s.Script))
            .Distinct().ToList();
        var unused = Sources().Where(n => !texts.Any(t => t.Contains(ShellScript.Load(n).Body, StringComparison.Ordinal))).ToList();
        Assert.True(unused.Count == 0, "in no rendered step: " + string.Join(", ", unused));
    }
}
