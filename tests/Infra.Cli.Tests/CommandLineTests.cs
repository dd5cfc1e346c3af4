using System.Diagnostics;
using System.Text.Json;
using Infra.Cli.App;
using Infra.Cli.Commands;
using Infra.Core.Pki;
using Infra.Core.Security;
using Infra.Ssh.Engine;
using Infra.Ssh.Etcd;
using Infra.TestKit;

namespace Infra.Cli.Tests;

/// <summary>The command line as a careless user or a broken CI job types it: every mistake is exit 2 and changes nothing.</summary>
public class CommandLineTests
{
    private static Dictionary<string, string> Vars(TempDir tmp) => new() { ["INFRA_SECRETS_DIR"] = tmp.File("secrets") };

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [Theory]
    [Trait("Item", "10.1")]
    [InlineData("reset --stack dev --host w-1 --yes", "did you mean '--hosts'?")]
    [InlineData("apply --stack dev --dryrun --yes", "did you mean '--dry-run'?")]
    [InlineData("validate --bogus", "Unknown option 'bogus'")]
    [InlineData("etcd status --stack dev --hots w-1", "did you mean '--hosts'?")]
    public void AnyCommand_UnknownOption_Exits2WithDidYouMeanAndChangesNothing(string line, string expected)
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run(Repo.Root, line.Split(' '), variables: Vars(tmp));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.File("secrets")));
    }

    [Theory]
    [Trait("Item", "10.2")]
    [InlineData("apply", "")]
    [InlineData("apply", ",")]
    [InlineData("apply", " , ")]
    [InlineData("reset", "")]
    [InlineData("status", ",,")]
    [InlineData("apply", "w-1,,w-2")]
    public void HostCommands_EmptyHostFilter_Exits2NeverAllHosts(string command, string hosts)
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run(Repo.Root, [command, "--stack", "dev", "--hosts", hosts, "--yes"], variables: Vars(tmp));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--hosts:", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("cp-1", r.Err + r.Out, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.File("secrets")));
    }

    [Theory]
    [Trait("Item", "10.2")]
    [InlineData("secrets init --stack dev --secrets-dir", "--secrets-dir")]
    [InlineData("plan --stack dev --out", "--out")]
    [InlineData("validate --file", "--file")]
    [InlineData("apply --stack dev --yes --phase", "--phase")]
    [InlineData("status --stack dev --inventory", "--inventory")]
    public void PathOrListOption_EmptyValue_Exits2NeverTheCurrentFolderOrEverything(string line, string option)
    {
        using var tmp = new TempDir();
        var before = Directory.EnumerateFileSystemEntries(tmp.Path).Count();
        var r = CliRunner.Run(tmp.Path, [.. line.Split(' '), ""], variables: Vars(tmp));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(option + ":", r.Err, StringComparison.Ordinal);
        Assert.Equal(before, Directory.EnumerateFileSystemEntries(tmp.Path).Count());
    }

    [Fact]
    [Trait("Item", "10.2")]
    public void Reset_UnknownHostName_Exits2NamingIt()
    {
        var r = CliRunner.Run("reset", "--stack", "dev", "--hosts", "w-9", "--yes");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no host 'w-9'", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.3")]
    public void Help_EveryCommandAndBranch_Exits0AndPrintsItsOptions()
    {
        var root = CliRunner.Run("--help");
        Assert.Equal(0, root.ExitCode);
        Assert.NotEmpty(InfraApp.Commands);
        var words = InfraApp.Commands.Keys.Concat(InfraApp.Commands.Keys.Where(k => k.Contains(' ', StringComparison.Ordinal)).Select(k => k.Split(' ')[0])).Distinct();
        foreach (var command in words)
        {
            var r = CliRunner.Run([.. command.Split(' '), "--help"]);
            Assert.True(r.ExitCode == 0, $"infra {command} --help: exit {r.ExitCode}\n{r.Out}{r.Err}");
            Assert.Contains("USAGE:", r.Out, StringComparison.Ordinal);
            Assert.Equal("", r.Err);
        }
        // Brackets in a description print as written.
        Assert.Contains("{\"hosts\": [...]}", CliRunner.Run("status", "--help").Out, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.13")]
    public void SecretsInit_ExistingFolderWithOtherFiles_Exits2AndAddsNothing()
    {
        using var tmp = new TempDir();
        var dir = Directory.CreateDirectory(tmp.File("mine"), Private).FullName;
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "mine");
        var r = CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev", "--secrets-dir", dir]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("holds other files", r.Err, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName));
    }

    [Theory]
    [Trait("Item", "10.13")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.StickyBit)]
    public void SecretsInit_ExistingEmptyFolderNotPrivate_Exits2AndLeavesItsMode(UnixFileMode mode)
    {
        using var tmp = new TempDir();
        var dir = Directory.CreateDirectory(tmp.File("shared")).FullName;
        File.SetUnixFileMode(dir, mode);
        var r = CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev", "--secrets-dir", dir]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is not private", r.Err, StringComparison.Ordinal);
        Assert.Equal(mode, File.GetUnixFileMode(dir));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
    }

    [RealHostFact] // needs root: it gives the folder to another user (chown)
    [Trait("Item", "10.13")]
    public void SecretsInit_ExistingPrivateFolderOfAnotherUser_Exits2AndWritesNothing()
    {
        using var tmp = new TempDir();
        var dir = Directory.CreateDirectory(tmp.File("theirs"), Private).FullName;
        // The owner is read with statx: struct statx's stx_uid is the u32 at offset 20 on every architecture
        // (Linux include/uapi/linux/stat.h, also musl's struct statx).
        Assert.Equal(UnixStat.CurrentUser(), UnixStat.OwnerOf(dir));
        using (var chown = System.Diagnostics.Process.Start("chown", ["65534", dir])) chown.WaitForExit();
        Assert.Equal(65534u, UnixStat.OwnerOf(dir));
        var r = CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev", "--secrets-dir", dir]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is owned by user id 65534", r.Err, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
    }

    [Fact]
    [Trait("Item", "10.13")]
    public void SecretsInit_ExistingEmptyPrivateFolder_IsUsed()
    {
        using var tmp = new TempDir();
        var dir = Directory.CreateDirectory(tmp.File("private"), Private).FullName;
        File.SetUnixFileMode(dir, Private);
        var r = CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev", "--secrets-dir", dir]);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.True(File.Exists(Path.Combine(dir, "ca.key")));
        // A second run finds its own secrets there.
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev", "--secrets-dir", dir]).ExitCode);
    }

    [Fact]
    [Trait("Item", "10.13")]
    public void Plan_IncludeSecrets_FoldersHoldingKeyFilesArePrivate()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev"], variables: Vars(tmp)).ExitCode);
        var r = CliRunner.Run(Repo.Root, ["plan", "--stack", "dev", "--out", tmp.File("plan"), "--include-secrets"], variables: Vars(tmp));
        Assert.True(r.ExitCode == 0, r.Err);
        var secretFiles = Directory.EnumerateFiles(tmp.File("plan"), "*", SearchOption.AllDirectories)
            .Where(f => File.GetUnixFileMode(f) == (UnixFileMode.UserRead | UnixFileMode.UserWrite)).ToList();
        Assert.NotEmpty(secretFiles);
        Assert.All(secretFiles.Select(Path.GetDirectoryName).Distinct(), d => Assert.Equal(Private, File.GetUnixFileMode(d!)));
    }

    [Fact]
    [Trait("Item", "10.14")]
    public void SecretsImport_FromDashReadsStdin_AsReadmeDocuments()
    {
        using var tmp = new TempDir();
        CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev"], variables: Vars(tmp));
        var json = KeptSecretsSerializer.ToJson(KeptSecretsSerializer.FromFiles(
            Directory.EnumerateFiles(tmp.File("secrets"), "*", SearchOption.AllDirectories)
                .ToDictionary(f => Path.GetRelativePath(tmp.File("secrets"), f), File.ReadAllBytes)));
        var vars = new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("imported") };
        var r = CliRunner.Run(Repo.Root, ["secrets", "import", "--stack", "dev", "--from", "-"], variables: vars, stdin: json);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.File("secrets"), "ca.key")), File.ReadAllBytes(Path.Combine(tmp.File("imported"), "ca.key")));
    }

    [Theory]
    [Trait("Item", "10.16")]
    [InlineData("/../../x")]
    [InlineData("..")]
    [InlineData("dev/../prod")]
    [InlineData("dev_x")]
    [InlineData("dev.prod")]
    public void AnyCommand_StackNameNotALabel_Exits2(string name)
    {
        var r = CliRunner.Run("validate", "--stack", name);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is not a stack name", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.16")]
    public void Plan_FileNamedWithDotsAsStackName_Exits2AndWritesNoSecrets()
    {
        using var tmp = new TempDir();
        var file = tmp.File("Pulumi....yaml");
        File.Copy(Path.Combine(Repo.Root, "stacks", "Pulumi.dev.yaml"), file);
        var r = CliRunner.Run(tmp.Path, ["secrets", "init", "--file", file], variables: new Dictionary<string, string> { ["XDG_CONFIG_HOME"] = tmp.File("config"), ["INFRA_SECRETS_DIR"] = "" });
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is not a stack name", r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.File("config")));
    }

    [Theory]
    [Trait("Item", "10.17")]
    [InlineData("[::1]:2222", "::1", 2222)]
    [InlineData("[::1]", "::1", 22)]
    [InlineData("::1", "::1", 22)]
    [InlineData("fd00::5", "fd00::5", 22)]
    [InlineData("node-1.example:2200", "node-1.example", 2200)]
    [InlineData("10.0.0.5", "10.0.0.5", 22)]
    public void HostsScan_Address_SplitsHostAndPort(string target, string host, int port)
    {
        Assert.Equal((host, port), HostsScanCommand.Split(target));
    }

    [Theory]
    [Trait("Item", "10.17")]
    [InlineData("[::1]:70000")]
    [InlineData("[::1")]
    [InlineData("[::1]22")]
    [InlineData("[fe80::1%eth0]:22")]
    [InlineData("host:0")]
    [InlineData(":22")]
    [InlineData("a b")]
    public void HostsScan_BadAddress_Exits2BeforeAskingAnyHost(string target)
    {
        var r = CliRunner.Run("hosts", "scan", "192.0.2.1", target, "--timeout", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.DoesNotContain("192.0.2.1", r.Out + r.Err, StringComparison.Ordinal);
    }

    [Theory]
    [Trait("Item", "10.17")]
    [InlineData("hosts scan 192.0.2.1 --timeout -1", "--timeout")]
    [InlineData("hosts scan 192.0.2.1 --timeout 0", "--timeout")]
    [InlineData("hosts scan 192.0.2.1 --timeout 100000", "--timeout")]
    [InlineData("apply --stack dev --yes --concurrency 0", "--concurrency")]
    [InlineData("apply --stack dev --yes --concurrency 100000", "--concurrency")]
    [InlineData("status --stack dev --concurrency -3", "--concurrency")]
    public void NumericOption_OutOfBounds_Exits2NamingIt(string line, string option)
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run(Repo.Root, line.Split(' '), variables: Vars(tmp));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(option, r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.File("secrets")));
    }

    [Fact]
    [Trait("Item", "10.17")]
    public void Validate_UnreadableStackFile_Exits2WithOneLineReason()
    {
        // Root reads any mode; a file that exists and cannot be read by anyone still can't.
        var r = CliRunner.Run("validate", "--file", "/proc/self/mem");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("cannot read the stack file", r.Err, StringComparison.Ordinal);
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    [Fact]
    [Trait("Item", "10.17")]
    public async Task Validate_StackFileIsAPipeOrADevice_Exits2WithoutOpeningIt()
    {
        using var tmp = new TempDir();
        var fifo = tmp.File("Pulumi.fifo.yaml");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }
        // Opening a FIFO with no writer blocks, and /dev/zero never ends: both are refused before being opened.
        foreach (var file in new[] { fifo, "/dev/zero" })
        {
            var r = await Task.Run(() => CliRunner.Run("validate", "--file", file)).WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("is not a regular file", r.Err, StringComparison.Ordinal);
        }
    }

    [Fact]
    [Trait("Item", "10.17")]
    public void Validate_StackFileIsAFolder_Exits2()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp.File("Pulumi.x.yaml"));
        var r = CliRunner.Run(tmp.Path, ["validate", "--file", "Pulumi.x.yaml"]);
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    [Trait("Item", "10.17")]
    public void Plan_OutIsAFile_Exits2WithOneLineReason()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("plan"), "x");
        var r = CliRunner.Run(tmp.Path, ["plan", "--file", Path.Combine(Repo.Root, "stacks", "Pulumi.dev.yaml"), "--out", "plan"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is a file", r.Err, StringComparison.Ordinal);
        Assert.Equal("x", File.ReadAllText(tmp.File("plan")));
    }

    [Theory]
    [Trait("Item", "10.17")]
    [InlineData("kubeconfig")]
    [InlineData("etcd snapshot")]
    public void Out_IsAFolderOrInAMissingFolder_Exits2BeforeReadingTheStack(string command)
    {
        using var tmp = new TempDir();
        var folder = CliRunner.Run(tmp.Path, [.. command.Split(' '), "--stack", "dev", "--out", tmp.Path]);
        var missing = CliRunner.Run(tmp.Path, [.. command.Split(' '), "--stack", "dev", "--out", tmp.File("no/such/file")]);
        Assert.Equal(2, folder.ExitCode);
        Assert.Contains("is a folder", folder.Err, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.18")]
    public void SecretsInitAndImport_OutputJson_PrintJson()
    {
        using var tmp = new TempDir();
        var init = CliRunner.Run(Repo.Root, ["secrets", "init", "--stack", "dev", "--output", "json"], variables: Vars(tmp));
        Assert.True(init.ExitCode == 0, init.Err);
        using (var doc = JsonDocument.Parse(init.Out))
        {
            Assert.False(doc.RootElement.GetProperty("complete").GetBoolean());
            Assert.NotEqual(0, doc.RootElement.GetProperty("changes").GetArrayLength());
        }
        Assert.DoesNotContain("PRIVATE KEY", init.Out, StringComparison.Ordinal);
        var json = KeptSecretsSerializer.ToJson(KeptSecretsSerializer.FromFiles(
            Directory.EnumerateFiles(tmp.File("secrets"), "*", SearchOption.AllDirectories)
                .ToDictionary(f => Path.GetRelativePath(tmp.File("secrets"), f), File.ReadAllBytes)));
        var import = CliRunner.Run(Repo.Root, ["secrets", "import", "--stack", "dev", "--from", "-", "--output", "json"],
            variables: new Dictionary<string, string> { ["INFRA_SECRETS_DIR"] = tmp.File("imported") }, stdin: json);
        Assert.True(import.ExitCode == 0, import.Err);
        using (var doc = JsonDocument.Parse(import.Out)) Assert.True(doc.RootElement.GetProperty("imported").GetBoolean());
    }

    [Fact]
    [Trait("Item", "10.18")]
    public void Plan_OutputJsonOnInvalidStack_PrintsDiagnosticsAsJson()
    {
        using var tmp = new TempDir();
        var stack = File.ReadAllText(Path.Combine(Repo.Root, "stacks", "Pulumi.dev.yaml")).Replace("target: baremetal", "target: bogus", StringComparison.Ordinal);
        File.WriteAllText(tmp.File("Pulumi.bad.yaml"), stack);
        var r = CliRunner.Run(tmp.Path, ["plan", "--file", "Pulumi.bad.yaml", "--output", "json"]);
        Assert.Equal(2, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.False(doc.RootElement.GetProperty("valid").GetBoolean());
        Assert.NotEqual(0, doc.RootElement.GetProperty("diagnostics").GetArrayLength());
        // Human-readable JSON: quotes as written, not \u0027.
        Assert.DoesNotContain("\\u0027", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void Summary_NoTerminalAndLongFailure_WrapsDetailBelowTheTable()
    {
        var report = new ClusterReport
        {
            Hosts =
            [
                new HostReport { Host = "w-1", State = HostState.HostKeyRefused, Message = string.Join(' ', Enumerable.Repeat("the host presented another key than the pinned one", 8)) },
                new HostReport { Host = "w-2", State = HostState.Unchanged },
            ],
        };
        var output = new StringWriter();
        ReportPrinter.Summary(CliRunner.Plain(output), report, new Redactor(), json: false);
        var text = output.ToString();
        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 120, $"{line.Length} characters: {line}"));
        Assert.Contains("host key refused", text, StringComparison.Ordinal);
        Assert.Contains("presented another key", text, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void Summary_LockRefusal_NeverSaysNothingToDo()
    {
        var output = new StringWriter();
        var report = new ClusterReport { Hosts = [], Refusal = "another apply holds the cluster lock on cp-1: me@here pid 1 (for 5 s)" };
        ReportPrinter.Summary(CliRunner.Plain(output), report, new Redactor(), json: false);
        Assert.Contains("another apply holds the cluster lock", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("nothing to do", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, report.ExitCode);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void SummaryJson_Quotes_AreNotEscapedAsUnicode()
    {
        var output = new StringWriter();
        var report = new ClusterReport { Hosts = [new HostReport { Host = "w-1", State = HostState.Blocked, Message = "waits for 'cp-1' & <etcd>" }] };
        ReportPrinter.Summary(CliRunner.Plain(output), report, new Redactor(), json: true);
        using var doc = JsonDocument.Parse(output.ToString());
        Assert.Contains("'cp-1' & <etcd>", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void Plan_OutputJson_QuotesAreNotEscapedAsUnicode()
    {
        var r = CliRunner.Run("plan", "--stack", "dev", "--output", "json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.DoesNotContain("\\u0027", r.Out, StringComparison.Ordinal);
        Assert.Contains("'", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void Validate_NoStack_SaysItReadTheBuiltInDevStack()
    {
        var r = CliRunner.Run("validate");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("built-in dev stack", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void Version_Exits0WithTheVersion()
    {
        var r = CliRunner.Run("--version");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(InfraApp.Version, r.Out.Trim());
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void Status_AwsStackWithoutInventory_SaysAnAwsStack()
    {
        var r = CliRunner.Run("status", "--stack", "staging");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("an aws stack", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "10.new-user")]
    public void EtcdStatus_NoMemberAsked_SaysAlarmsUnknownWithTheReason()
    {
        var output = new StringWriter();
        EtcdCli.Print(CliRunner.Plain(output), new EtcdStatusReport
        {
            Members = [],
            Alarms = [],
            Quorum = "unknown",
            Failure = "no member's host can be reached over SSH",
        });
        Assert.Contains("alarms: unknown (no member could be asked: no member's host can be reached over SSH)", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("alarms: none", output.ToString(), StringComparison.Ordinal);
    }
}
