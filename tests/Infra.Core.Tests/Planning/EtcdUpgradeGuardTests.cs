using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Shell;
using Infra.Core.Spec;
using Infra.Core.Tests.NodePrograms;
using Infra.TestKit;

namespace Infra.Core.Tests.Planning;

/// <summary>
/// The external members' etcd never goes back: the upgrade's guard (upgrade/etcd-guard.sh) and prepare.etcd-install's
/// unpack refuse to install an older etcd over a newer one, run under bash with a stand-in etcd that says its version.
/// </summary>
public sealed class EtcdUpgradeGuardTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("infra-etcd-guard-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Tool.Result Run(string script, string installed)
    {
        var bin = Path.Combine(_dir, "bin");
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "etcd"), $"#!/bin/sh\necho 'etcd Version: {installed}'\necho 'Git SHA: stand-in'\n");
        File.SetUnixFileMode(Path.Combine(bin, "etcd"), (UnixFileMode)0b111_101_101);
        return Tool.Run("bash", "bash", ["-c", $"export PATH='{bin}':/usr/bin:/bin\n" + script.Replace("/usr/local/bin", bin, StringComparison.Ordinal)]);
    }

    private static string Guard(string target, bool installs) => Step.Header + ShellScript.Render(
        new ShellArgs().Set("TARGET_ETCD", target).Set("INSTALLS", installs ? "yes" : ""), ShellScript.Load("upgrade/etcd-guard.sh"));

    [Theory]
    [Trait("Item", "13.2")]
    [InlineData("3.7.1", true, "refused: this member runs etcd 3.7.1, newer than v3.7.0: the tool never downgrades etcd")]
    [InlineData("3.6.9", false, "refused: etcd 3.6.9 is installed; the new Kubernetes minor needs etcd v3.7.0")]
    public void Guard_DowngradeOrPreinstalledOlder_Refused(string installed, bool installs, string message)
    {
        var r = Run(Guard("3.7.0", installs), installed);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(message, r.Output, StringComparison.Ordinal);
    }

    [Theory]
    [Trait("Item", "13.2")]
    [InlineData("3.6.9", true)]
    [InlineData("3.7.0", true)]
    [InlineData("3.7.0", false)]
    [InlineData("3.7.2", false)]
    public void Guard_UpgradeOrPreinstalledAtLeastTheTarget_GoesOn(string installed, bool installs)
    {
        var r = Run(Guard("3.7.0", installs), installed);

        Assert.True(r.ExitCode == 0, r.Output);
    }

    [Fact]
    [Trait("Item", "13.2")]
    public void Install_NewerEtcdInstalled_RefusedBeforeAnythingIsUnpacked()
    {
        var spec = SampleSpecs.BareMetal(1, 0, EtcdTopology.External);
        var install = ClusterPlanner.Plan(spec).Nodes.Single(n => n.Host.Name == "etcd-1").Steps.Single(s => s.Id == "prepare.etcd-install").Script;
        // No download here: the release's archive is neither fetched nor checked. The check's stand-in reads what is
        // piped to it: one that does not ("true") may exit before echo writes, and under pipefail the broken pipe fails the script.
        var script = install.Replace("curl -fsSL", "true", StringComparison.Ordinal).Replace("sha256sum --check --strict --quiet -", "cat >/dev/null", StringComparison.Ordinal);

        var r = Run(script, "3.7.0");

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("is etcd 3.7.0, newer than v3.6.9: the tool never downgrades etcd", r.Output, StringComparison.Ordinal);
    }
}
