using Infra.Core.Model;
using Infra.Core.Shell;
using Infra.Core.Spec;
using Infra.Ssh.Engine;
using Infra.TestKit;

namespace Infra.Ssh.Tests.Shell;

/// <summary>The engine's own scripts (probe, locks, step wrapper, upload, stop) as sources and as rendered, checked by shellcheck.</summary>
public class EngineScriptTests
{
    private const string HostileHolder = "o'brien@ws $(touch /tmp/pwned) pid 1 since `x`";

    private static Step StepOf(string id, string? check, Phase phase = Phase.Prepare) => new()
    {
        Id = id,
        Phase = phase,
        Description = "d",
        Script = "set -euo pipefail\ntrue\n",
        Check = check,
        Inputs = new Dictionary<string, string>(),
        InputHash = "sha256:" + new string('a', 64),
        Files = [],
        RuntimeInputs = [],
        Os = [OsFamily.Debian12],
    };

    private static readonly IReadOnlyList<Step> Steps =
    [
        StepOf("prepare.os", "set -euo pipefail\n[ -e /etc/os-release ]\n"),
        StepOf("prepare.it's $(odd)", "set -euo pipefail\ntrue\n"),
        StepOf("prepare.no-check", null),
        StepOf("reset.files", "set -euo pipefail\ntrue\n", Phase.Reset),
    ];

    /// <summary>Records the scripts a step run sends, and succeeds.</summary>
    private sealed class RecordingSession : IHostSession
    {
        public List<string> Scripts { get; } = [];
        public string Host => "h";

        public Task<CommandResult> RunAsync(string script, IReadOnlyDictionary<string, string>? env, TimeSpan timeout, string label, CancellationToken ct)
        {
            Scripts.Add(script);
            return Task.FromResult(new CommandResult(0, "", ""));
        }

        public Task UploadAsync(string path, byte[] content, int mode, CancellationToken ct) => Task.CompletedTask;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Every engine script as the engine renders it, in each of its forms.</summary>
    internal static async Task<IReadOnlyList<string>> RenderedAsync()
    {
        var session = new RecordingSession();
        await StepRunner.RunAsync(session, Steps[0], null, null, TimeSpan.FromSeconds(1), CancellationToken.None);
        return
        [
            HostProbe.Script(Steps, null, breakLock: false),
            HostProbe.Script(Steps, HostileHolder, breakLock: false),
            HostProbe.Script(Steps, HostileHolder, breakLock: true),
            HostProbe.Script(Steps, HostileHolder, breakLock: false, staleHolder: HostileHolder + " old"),
            HostProbe.Script([], "me", breakLock: false),
            HostProbe.UnlockScript(HostileHolder),
            EngineScripts.TakeClusterLock(HostileHolder, breakLock: false, staleHolder: null),
            EngineScripts.TakeClusterLock(HostileHolder, breakLock: true, staleHolder: null),
            EngineScripts.TakeClusterLock(HostileHolder, breakLock: false, staleHolder: "gone"),
            EngineScripts.Unlock(HostPaths.ClusterLock, HostileHolder),
            .. session.Scripts,
            SessionScripts.UploadInstall("/etc/.a b.infra-1", new string('0', 64), "0600", "/etc/a b", staged: null),
            SessionScripts.UploadInstall("/tmp/tmp.X/upload", new string('0', 64), "0644", "/it's/f", staged: "/it's/.f.infra-2"),
            SessionScripts.UploadInstall("/tmp/tmp.X/upload", new string('0', 64), "0644", "/f", staged: "/.f.infra-2"),
            SessionScripts.StopSession("infra-0123456789abcdef"),
            Infra.Ssh.Health.KubeHealthReader.Script(monitoring: true),
            Infra.Ssh.Health.KubeHealthReader.Script(monitoring: false),
        ];
    }

    private static IReadOnlyList<string> Sources() => ShellScript.Names(typeof(EngineScripts).Assembly);

    [Fact]
    [Trait("Item", "12.4")]
    public async Task Rendered_EverySourceOfTheAssembly_IsInSomeRenderedScript()
    {
        // A new engine script must be added to RenderedAsync, so that shellcheck sees it as the engine sends it.
        var rendered = await RenderedAsync();
        var sources = Sources();
        Assert.True(sources.Count >= 10, string.Join(", ", sources));
        var missing = sources.Where(n => !rendered.Any(r => r.Contains(ShellScript.Load(typeof(EngineScripts).Assembly, n).Body, StringComparison.Ordinal))).ToList();
        Assert.True(missing.Count == 0, "rendered by no test: " + string.Join(", ", missing));
    }

    [Fact]
    [Trait("Item", "12.4")]
    public async Task Shellcheck_EverySourceAndEveryRenderedEngineScript_Pass()
    {
        var dir = Directory.CreateTempSubdirectory("infra-engine-shellcheck-").FullName;
        try
        {
            var files = new List<string>();
            foreach (var name in Sources())
            {
                var file = Path.Combine(dir, "source-" + name.Replace('/', '-'));
                await File.WriteAllTextAsync(file, ShellScript.ForChecking(ShellScript.Load(typeof(EngineScripts).Assembly, name)));
                files.Add(file);
            }
            var i = 0;
            foreach (var script in await RenderedAsync())
            {
                var file = Path.Combine(dir, $"rendered-{i++:D2}.sh");
                await File.WriteAllTextAsync(file, script);
                files.Add(file);
            }
            var r = await ProcessRunner.RunAsync("shellcheck", ["-S", "warning", "-s", "bash", "-f", "gcc", .. files], check: false);
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    [Trait("Item", "12.4")]
    public async Task Unlock_HostileHolder_RemovesOnlyItsOwnLockAndRunsNothing()
    {
        var dir = Directory.CreateTempSubdirectory("infra-unlock-").FullName;
        try
        {
            var ours = Path.Combine(dir, "ours");
            var theirs = Path.Combine(dir, "theirs");
            Directory.CreateDirectory(ours);
            Directory.CreateDirectory(theirs);
            await File.WriteAllTextAsync(Path.Combine(ours, "holder"), HostileHolder + "\n");
            await File.WriteAllTextAsync(Path.Combine(theirs, "holder"), "someone else\n");
            var mark = Path.Combine(dir, "pwned");
            var holder = HostileHolder.Replace("/tmp/pwned", mark, StringComparison.Ordinal);
            await File.WriteAllTextAsync(Path.Combine(ours, "holder"), holder + "\n");

            var a = await ProcessRunner.RunAsync("bash", ["-c", EngineScripts.Unlock(ours, holder)], check: false);
            var b = await ProcessRunner.RunAsync("bash", ["-c", EngineScripts.Unlock(theirs, holder)], check: false);

            Assert.Equal(0, a.ExitCode);
            Assert.Equal(0, b.ExitCode);
            Assert.False(Directory.Exists(ours));
            Assert.True(Directory.Exists(theirs));
            Assert.False(File.Exists(mark));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
