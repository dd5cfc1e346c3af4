using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Infra.Core.Model;
using Infra.Core.Planning;

namespace Infra.Ssh.Tests.Engine;

/// <summary>
/// A host in memory: its files, journal, state record and locks, and the failures a test asks for. It reads the
/// engine's scripts by their label and their fixed shape (probe, step with check and journal line, unlock, cluster
/// lock) and answers as a host would, so the engine's decisions can be driven without sshd. It runs no step script.
/// </summary>
public sealed partial class FakeHost(string name)
{
    private readonly Lock _gate = new();

    public string Name { get; } = name;
    public ConcurrentDictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);
    /// <summary>The journal's lines: id, input hash, "ok", unix time (tab-separated), as the engine writes them.</summary>
    public List<string> JournalLines { get; } = [];
    public string? StateJson { get; set; }
    public string? HostLockHolder { get; set; }
    public string? ClusterLockHolder { get; set; }
    /// <summary>Every command's label, in order (step ids for steps).</summary>
    public ConcurrentQueue<string> Commands { get; } = new();
    /// <summary>Steps whose script ran successfully, in order.</summary>
    public ConcurrentQueue<string> Ran { get; } = new();
    /// <summary>Step id → the script the engine sent for it last (what it would have run).</summary>
    public ConcurrentDictionary<string, string> Scripts { get; } = new(StringComparer.Ordinal);
    /// <summary>The same, shared by every host of a <see cref="FakeHosts"/>: the order across hosts.</summary>
    internal ConcurrentQueue<(string Host, string Step)>? AllRan { get; init; }

    /// <summary>Step id → exit code of its script.</summary>
    public Dictionary<string, int> FailingScripts { get; } = new(StringComparer.Ordinal);
    /// <summary>Step id → the line (from 1) at which its check stops, in the probe and after the script.</summary>
    public Dictionary<string, int> FailingChecks { get; } = new(StringComparer.Ordinal);
    /// <summary>Host paths whose upload fails.</summary>
    public HashSet<string> FailingUploads { get; } = new(StringComparer.Ordinal);
    /// <summary>Command labels at which the connection breaks (once each): the command throws, the host keeps its state.</summary>
    public HashSet<string> BreakConnectionAt { get; } = new(StringComparer.Ordinal);
    public bool Unreachable { get; set; }
    /// <summary>The provider's worker slots held on this host (a first control plane): worker → "running" or "failed".</summary>
    public Dictionary<string, string> Slots { get; } = new(StringComparer.Ordinal);
    /// <summary>How many claims of a slot are answered "every slot is held" before the script's own rule decides.</summary>
    public int BusyClaims { get; set; }
    /// <summary>Canned output by command label, for commands this host does not model (e.g. the etcd coordinator's probe).</summary>
    public Dictionary<string, string> Answers { get; } = new(StringComparer.Ordinal);

    /// <summary>Marks a step done with its current inputs, as an earlier apply would have.</summary>
    public void Done(Step step) => JournalLines.Add($"{step.Id}\t{step.InputHash}\tok\t1700000000");

    public IReadOnlyList<string> JournalIds() => JournalLines.Select(l => l.Split('\t')[0]).ToList();

    internal CommandResult Run(string script, string label)
    {
        lock (_gate)
        {
            Commands.Enqueue(label);
            if (BreakConnectionAt.Remove(label))
            {
                throw new SshConnectException(Name, $"{Name} stopped answering while running '{label}'");
            }
            if (script.Contains("@@journal", StringComparison.Ordinal)) return Probe(script);
            if (Answers.TryGetValue(label, out var answer)) return Ok(answer);
            if (label == "unlock")
            {
                var holder = Input(script, "HOLDER");
                if (HostLockHolder is not null && Input(script, "LOCK") == HostPaths.HostLock && holder == HostLockHolder) HostLockHolder = null;
                if (ClusterLockHolder is not null && Input(script, "LOCK") == HostPaths.ClusterLock && holder == ClusterLockHolder) ClusterLockHolder = null;
                return Ok("");
            }
            if (label == "cluster lock")
            {
                if (Input(script, "BREAK_LOCK") == "yes" || (Input(script, "STALE_HOLDER") is { Length: > 0 } stale && stale == ClusterLockHolder)) ClusterLockHolder = null;
                if (ClusterLockHolder is not null) return Ok($"held 5 {ClusterLockHolder}\n");
                ClusterLockHolder = Input(script, "HOLDER");
                return Ok("acquired\n");
            }
            if (label == "read admin.conf")
            {
                return Files.TryGetValue(HostPaths.AdminConf, out var conf) ? Ok(Encoding.UTF8.GetString(conf)) : new CommandResult(1, "", "cat: no such file\n");
            }
            if (label == "read the cluster's members")
            {
                return Ok(Files.TryGetValue(HostPaths.Members, out var members) ? Encoding.UTF8.GetString(members) : "");
            }
            if (label == "record state" && StateRecord().Match(script) is { Success: true } record)
            {
                StateJson = Words(record.Groups["json"].Value).Single();
                return Ok("");
            }
            if (label.StartsWith("worker slot: ", StringComparison.Ordinal))
            {
                AllRan?.Enqueue((Name, label));
                return Slot(Input(script, "ACTION")!, Input(script, "NODE")!, int.Parse(Input(script, "SLOTS")!, System.Globalization.CultureInfo.InvariantCulture));
            }
            // A step: its script, its check and the journal line (whose inputs name the step) in one round trip.
            if (Input(script, "STEP_ID") is not { } id || Input(script, "INPUT_HASH") is not { } hash) return Ok("");
            if (FailingScripts.TryGetValue(id, out var exit)) return new CommandResult(exit, "", $"{id}: it broke\n");
            Ran.Enqueue(id);
            Scripts[id] = script;
            AllRan?.Enqueue((Name, id));
            if (script.Contains("INFRA_VERIFY_EOF", StringComparison.Ordinal) && FailingChecks.TryGetValue(id, out var line))
            {
                return new CommandResult(1, "", $"check said no\n@@check-failed {line} 1\n");
            }
            JournalLines.Add($"{id}\t{hash}\tok\t1700000001");
            if (StateRecord().Match(script) is { Success: true } state) StateJson = Words(state.Groups["json"].Value).Single();
            return Ok("");
        }
    }

    /// <summary>upgrade/worker-slot.sh's rule, without its kubectl (UpgradeWorkerSlotTests runs the script itself).</summary>
    private CommandResult Slot(string action, string node, int slots)
    {
        switch (action)
        {
            case "release":
                Slots.Remove(node);
                return Ok("");
            case "fail":
                Slots[node] = "failed";
                return Ok("");
        }
        if (BusyClaims > 0)
        {
            BusyClaims--;
            return new CommandResult(UpgradePlanner.SlotBusyExit, "every worker slot is held\n", "");
        }
        if (Slots.FirstOrDefault(s => s.Key != node && s.Value == "failed").Key is { } failed)
        {
            return new CommandResult(UpgradePlanner.SlotStoppedExit, "", $"the upgrade of worker {failed} failed\n");
        }
        if (!Slots.ContainsKey(node) && Slots.Count >= slots) return new CommandResult(UpgradePlanner.SlotBusyExit, "every worker slot is held\n", "");
        Slots[node] = "running";
        return Ok("");
    }

    internal void Upload(string path, byte[] content)
    {
        if (FailingUploads.Contains(path)) throw new SshUploadException(Name, path, $"upload of {path} to {Name} failed");
        Files[path] = content;
    }

    private CommandResult Probe(string script)
    {
        var sb = new StringBuilder("@@now 1700000100\n");
        if (Input(script, "LOCK") == HostPaths.HostLock)
        {
            if (Input(script, "BREAK_LOCK") == "yes") HostLockHolder = null;
            if (Input(script, "STALE_HOLDER") is { Length: > 0 } stale && stale == HostLockHolder) HostLockHolder = null;
            if (HostLockHolder is not null) return Ok(sb.Append($"@@locked 1700000000\n{HostLockHolder}\n").ToString());
            HostLockHolder = Input(script, "HOLDER");
        }
        sb.Append("@@journal\n");
        foreach (var l in JournalLines) sb.Append(l).Append('\n');
        sb.Append("@@state\n").Append(StateJson).Append("\n\n@@checks\n");
        var journal = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var l in JournalLines) journal[l.Split('\t')[0]] = l.Split('\t')[1];
        var ids = List(script, "STEP_IDS");
        var hashes = List(script, "STEP_HASHES");
        foreach (Match m in ProbedCheck().Matches(script))
        {
            var i = int.Parse(m.Groups["i"].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (journal.GetValueOrDefault(ids[i]) != hashes[i]) continue;
            sb.Append(FailingChecks.TryGetValue(ids[i], out var line) ? $"@@check-failed {line} 1\nno {i}\n" : $"ok {i}\n");
        }
        return Ok(sb.Append("@@end\n").ToString());
    }

    private static CommandResult Ok(string stdout) => new(0, stdout, "");

    /// <summary>A scalar input of a rendered engine script (its <c>readonly NAME=…</c> header line), unquoted; the last one wins.</summary>
    private static string? Input(string script, string name) =>
        Header().Matches(script).LastOrDefault(m => m.Groups["name"].Value == name && !m.Groups["list"].Success) is { } m ? Words(m.Groups["value"].Value).Single() : null;

    /// <summary>A list input (<c>readonly -a NAME=(…)</c>), unquoted.</summary>
    private static List<string> List(string script, string name) =>
        Header().Matches(script).LastOrDefault(m => m.Groups["name"].Value == name && m.Groups["list"].Success) is { } m
            ? Words(m.Groups["value"].Value[1..^1])
            : [];

    /// <summary>Bash words as <see cref="Core.Shell.Bash.Quote(string)"/> writes them: plain, or single-quoted with <c>'\''</c> for a quote.</summary>
    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == ' ') { if (inWord) { words.Add(current.ToString()); current.Clear(); inWord = false; } continue; }
            inWord = true;
            if (c == '\'') { var end = text.IndexOf('\'', i + 1); current.Append(text, i + 1, end - i - 1); i = end; }
            else if (c == '\\') current.Append(text[++i]);
            else current.Append(c);
        }
        if (inWord) words.Add(current.ToString());
        return words;
    }

    [GeneratedRegex(@"^readonly (?<list>-a )?(?<name>[A-Z][A-Z0-9_]*)=(?<value>.*)$", RegexOptions.Multiline)]
    private static partial Regex Header();

    [GeneratedRegex(@"printf '%s\\n' (?<json>'(?:[^']|'\\'')*') > /var/lib/infra/state\.json\.tmp")]
    private static partial Regex StateRecord();

    [GeneratedRegex(@"if infra_journal_holds (?<i>\d+); then")]
    private static partial Regex ProbedCheck();
}

/// <summary>A session to a <see cref="FakeHost"/>; closing it leaves the host as it is (its locks too).</summary>
public sealed class FakeHostSession(FakeHost host) : IHostSession
{
    public string Host => host.Name;

    public Task<CommandResult> RunAsync(string script, IReadOnlyDictionary<string, string>? env, TimeSpan timeout, string label, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(host.Run(script, label));
    }

    public Task UploadAsync(string path, byte[] content, int mode, CancellationToken ct)
    {
        host.Upload(path, content);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Fake hosts by name, and the session factory the engine connects through.</summary>
public sealed class FakeHosts
{
    private readonly ConcurrentDictionary<string, FakeHost> _hosts = new(StringComparer.Ordinal);

    public FakeHost this[string name] => _hosts.GetOrAdd(name, n => new FakeHost(n) { AllRan = Ran });

    /// <summary>Every host's successful steps, in the order they ran.</summary>
    public ConcurrentQueue<(string Host, string Step)> Ran { get; } = new();

    public HostSessionFactory Factory => (planned, ct) =>
    {
        ct.ThrowIfCancellationRequested();
        var host = this[planned.Name];
        return host.Unreachable
            ? Task.FromException<IHostSession>(new SshConnectException(planned.Name, $"{planned.Name} ({planned.Address}): connection refused"))
            : Task.FromResult<IHostSession>(new FakeHostSession(host));
    };
}
