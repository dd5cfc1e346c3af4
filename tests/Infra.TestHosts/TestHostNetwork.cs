using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Infra.TestKit;

namespace Infra.TestHosts;

/// <summary>
/// A set of test hosts on one machine: a bridge, a /24 and one network namespace with its own sshd per host.
/// Every name derives from <see cref="Prefix"/> so that several networks (parallel test classes, parallel
/// worktrees) can coexist:
/// <list type="bullet">
/// <item>bridge <c>&lt;prefix&gt;br</c> holding <c>10.213.X.1/24</c> in the machine's namespace; an isolated segment
/// bridge <c>&lt;prefix&gt;ib</c> without any address;</item>
/// <item>namespaces <c>&lt;prefix&gt;-&lt;host&gt;</c>, machine-side veth ends <c>&lt;prefix&gt;h&lt;n&gt;</c> (and
/// <c>&lt;prefix&gt;b&lt;n&gt;</c> for a bastion's second interface);</item>
/// <item>X = 1 + (FNV-1a 32 of the prefix mod 250); two prefixes that land on the same X are refused at start;</item>
/// <item>hosts: 10.213.X.10 … .119 (/25); the isolated segment is 10.213.X.128/25 (bastions from .129,
/// isolated hosts from .140); 10.213.X.120 is never given out (<see cref="UnusedAddress"/>);</item>
/// <item>state in <c>/var/lib/infra-testhosts/&lt;prefix&gt;</c>, a root-owned 0755 tmpfs (sshd's StrictModes):
/// the client key and each host's disk (its overlay upper dir).</item>
/// </list>
/// Leftovers with the same prefix (a killed test run) are removed before starting; <see cref="DisposeAsync"/>
/// removes everything with SIGKILL. There is no finalizer: the cleanup at start is the safety net.
/// </summary>
public sealed class TestHostNetwork : IAsyncDisposable
{
    public const string StateRoot = "/var/lib/infra-testhosts";
    public const string PrefixVariable = "INFRA_TESTHOSTS_PREFIX";
    private const int MaxHosts = 110;

    private readonly List<TestHost> _hosts = [];
    private readonly Lock _lock = new();
    private int _nextIndex;
    private int _nextIsolated;
    private int _nextBastion;
    private bool _disposed;

    private TestHostNetwork(string prefix, int octet, string clientPublicKey)
    {
        Prefix = prefix;
        SubnetOctet = octet;
        ClientPublicKey = clientPublicKey;
    }

    public string Prefix { get; }
    /// <summary>The X in 10.213.X.0/24.</summary>
    public int SubnetOctet { get; }
    public string Subnet => $"10.213.{SubnetOctet}.0/24";
    /// <summary>The machine's address on the bridge: where connections to the hosts come from.</summary>
    public string Gateway => $"10.213.{SubnetOctet}.1";
    /// <summary>An address in the subnet that no host has: connecting to it times out.</summary>
    public string UnusedAddress => $"10.213.{SubnetOctet}.120";
    public string StateDirectory => StateDirectoryOf(Prefix);
    /// <summary>The ed25519 private key (0600, no passphrase) that root of every host accepts.</summary>
    public string ClientKeyPath => Path.Join(StateDirectory, "client_ed25519");
    public string ClientPublicKey { get; }
    public IReadOnlyList<TestHost> Hosts { get { lock (_lock) return [.. _hosts]; } }
    public TestHost this[string name] => Hosts.Single(h => h.Name == name);

    internal string Bridge => Prefix + "br";
    internal string IsolatedBridge => Prefix + "ib";

    /// <summary>
    /// The prefix for one user of the harness: <c>$INFRA_TESTHOSTS_PREFIX</c> (default <c>ith</c>, for parallel
    /// worktrees) followed by <paramref name="suffix"/> (for parallel test classes).
    /// </summary>
    public static string PrefixFor(string suffix) =>
        (Environment.GetEnvironmentVariable(PrefixVariable) is { Length: > 0 } p ? p : "ith") + suffix;

    public static string StateDirectoryOf(string prefix) => Path.Join(StateRoot, prefix);

    /// <summary>X of 10.213.X.0/24 for a prefix.</summary>
    public static int OctetOf(string prefix)
    {
        var h = 2166136261u;
        foreach (var b in Encoding.ASCII.GetBytes(prefix))
        {
            h ^= b;
            h *= 16777619u;
        }
        return 1 + (int)(h % 250);
    }

    /// <summary>Cleans leftovers of <paramref name="prefix"/>, then makes the bridges, state dir and client key.</summary>
    public static async Task<TestHostNetwork> CreateAsync(string prefix, CancellationToken ct = default)
    {
        if (!Regex.IsMatch(prefix, "^[a-z][a-z0-9]{0,9}$"))
        {
            throw new ArgumentException(
                $"test-host prefix '{prefix}' must be 1-10 lower-case letters or digits, starting with a letter", nameof(prefix));
        }
        Preconditions.Require(Preconditions.Base);
        await CleanupAsync(prefix, ct);

        var octet = OctetOf(prefix);
        var addresses = await ProcessRunner.RunAsync("/usr/sbin/ip", ["-4", "-o", "addr", "show"], ct: ct);
        var clash = addresses.Stdout.Split('\n').FirstOrDefault(l => l.Contains($" 10.213.{octet}.", StringComparison.Ordinal));
        if (clash is not null)
        {
            throw new TestHostPreconditionException(
                $"subnet 10.213.{octet}.0/24 of test-host prefix '{prefix}' is already used on this machine "
                + $"({clash.Trim()}); choose another prefix");
        }

        var state = StateDirectoryOf(prefix);
        Directory.CreateDirectory(StateRoot);
        File.SetUnixFileMode(StateRoot, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(state);
        await ProcessRunner.RunAsync("/usr/bin/mount", ["-t", "tmpfs", "-o", "mode=0755", "infra-testhosts", state], ct: ct);
        Directory.CreateDirectory(Path.Join(state, "hosts"));

        var keyPath = Path.Join(state, "client_ed25519");
        await ProcessRunner.RunAsync("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", $"infra-testhosts-{prefix}", "-f", keyPath], ct: ct);
        var publicKey = (await File.ReadAllTextAsync(keyPath + ".pub", ct)).Trim();

        var network = new TestHostNetwork(prefix, octet, publicKey);
        var batch = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"link add {network.Bridge} type bridge")
            .AppendLine(CultureInfo.InvariantCulture, $"addr add {network.Gateway}/24 dev {network.Bridge}")
            .AppendLine(CultureInfo.InvariantCulture, $"link set {network.Bridge} up")
            .AppendLine(CultureInfo.InvariantCulture, $"link add {network.IsolatedBridge} type bridge")
            .AppendLine(CultureInfo.InvariantCulture, $"link set {network.IsolatedBridge} up");
        await ProcessRunner.RunAsync("/usr/sbin/ip", ["-batch", "-"], batch.ToString(), ct: ct);
        return network;
    }

    /// <summary>Creates and boots hosts in parallel; returns when every one accepts SSH connections.</summary>
    public async Task<IReadOnlyList<TestHost>> StartHostsAsync(IEnumerable<TestHostOptions> options, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var list = options.ToList();
        if (list.Any(o => o.Systemd))
        {
            Preconditions.Require([Preconditions.Systemd]);
            EnsureInotifyInstances();
        }
        var created = new List<TestHost>();
        lock (_lock)
        {
            foreach (var o in list)
            {
                Validate(o);
                if (_hosts.Any(h => h.Name == o.Name) || created.Any(h => h.Name == o.Name))
                {
                    throw new ArgumentException($"test host '{o.Name}' exists twice in network '{Prefix}'");
                }
                var index = _nextIndex++;
                if (index >= MaxHosts) throw new ArgumentException($"a test-host network holds at most {MaxHosts} hosts");
                var address = o.Isolated ? $"10.213.{SubnetOctet}.{140 + _nextIsolated++}" : $"10.213.{SubnetOctet}.{10 + index}";
                var segment = o.Bastion ? $"10.213.{SubnetOctet}.{129 + _nextBastion++}" : null;
                created.Add(new TestHost(this, o, index, address, segment));
            }
            _hosts.AddRange(created);
        }

        // One ip process for the machine side of every new host, one per host for its inside.
        var root = new StringBuilder();
        foreach (var h in created)
        {
            root.AppendLine(CultureInfo.InvariantCulture, $"netns add {h.Namespace}")
                .AppendLine(CultureInfo.InvariantCulture, $"link add {h.Veth} type veth peer name eth0 netns {h.Namespace}")
                .AppendLine(CultureInfo.InvariantCulture, $"link set {h.Veth} master {(h.Options.Isolated ? IsolatedBridge : Bridge)} up");
            if (h.SegmentAddress is not null)
            {
                root.AppendLine(CultureInfo.InvariantCulture, $"link add {h.SegmentVeth} type veth peer name eth1 netns {h.Namespace}")
                    .AppendLine(CultureInfo.InvariantCulture, $"link set {h.SegmentVeth} master {IsolatedBridge} up");
            }
        }
        await ProcessRunner.RunAsync("/usr/sbin/ip", ["-batch", "-"], root.ToString(), ct: ct);
        await Task.WhenAll(created.Select(h => h.CreateAsync(ct)));
        return created;
    }

    /// <summary>
    /// Each systemd host's systemd and journald hold inotify instances of the machine's root user (hosts share the
    /// kernel). The kernel's default of 128 runs out at a few dozen hosts (several test classes, or other users of
    /// the harness, at once): systemd then logs "Failed to create inotify object: Too many open files", hosts end
    /// while booting and jobs such as a mount wait forever. The limit is raised on the machine and left raised.
    /// </summary>
    private static void EnsureInotifyInstances()
    {
        const string path = "/proc/sys/fs/inotify/max_user_instances";
        if (int.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture) < 4096) File.WriteAllText(path, "4096\n");
    }

    public Task<IReadOnlyList<TestHost>> StartHostsAsync(params TestHostOptions[] options) => StartHostsAsync(options, CancellationToken.None);

    private static void Validate(TestHostOptions o)
    {
        if (!Regex.IsMatch(o.Name, "^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$"))
        {
            throw new ArgumentException($"test host name '{o.Name}' must be 1-20 lower-case letters, digits or '-'");
        }
        if (!o.OwnFilesystem && (o.Systemd || o.SudoUser is not null))
        {
            throw new ArgumentException($"test host '{o.Name}': systemd and a sudo user need OwnFilesystem");
        }
        if (o.Isolated && o.Bastion) throw new ArgumentException($"test host '{o.Name}' cannot be both isolated and a bastion");
        if (o.HostKeyTypes.Count == 0 || o.HostKeyTypes.Any(t => t is not ("ed25519" or "ecdsa" or "rsa")))
        {
            throw new ArgumentException($"test host '{o.Name}': host key types are ed25519, ecdsa, rsa");
        }
    }

    /// <summary>Hosts with a second interface on the isolated segment (their neighbour tables see isolated hosts).</summary>
    internal IEnumerable<TestHost> Bastions => Hosts.Where(h => h.SegmentAddress is not null);

    /// <summary>Kills every host (SIGKILL) and removes namespaces, links, cgroups and the state dir.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await CleanupAsync(Prefix, CancellationToken.None);
        foreach (var h in Hosts) h.Release();
    }

    /// <summary>
    /// Removes everything a network with <paramref name="prefix"/> may have left: processes in its namespaces
    /// (SIGKILL), the namespaces, its links, its cgroups and its state dir. Safe to call when nothing is left.
    /// </summary>
    public static async Task CleanupAsync(string prefix, CancellationToken ct = default)
    {
        var namespaces = Directory.Exists("/run/netns")
            ? Directory.GetFiles("/run/netns").Select(Path.GetFileName).Where(n => n!.StartsWith(prefix + "-", StringComparison.Ordinal)).ToList()
            : [];
        var pids = new List<int>();
        foreach (var ns in namespaces)
        {
            pids.AddRange(await NamespacePidsAsync(ns!, ct));
        }
        await KillAndWaitAsync(pids, ct);

        var links = Directory.GetDirectories("/sys/class/net").Select(Path.GetFileName)
            .Where(l => Regex.IsMatch(l!, $"^{prefix}(br|ib|h[0-9]+|b[0-9]+)$")).ToList();
        var batch = new StringBuilder();
        foreach (var ns in namespaces) batch.AppendLine(CultureInfo.InvariantCulture, $"netns del {ns}");
        foreach (var l in links) batch.AppendLine(CultureInfo.InvariantCulture, $"link del {l}");
        if (batch.Length > 0)
        {
            // -force: go on past a link that went away with its namespace.
            await ProcessRunner.RunAsync("/usr/sbin/ip", ["-force", "-batch", "-"], batch.ToString(), check: false, ct: ct);
        }

        foreach (var hierarchy in CgroupHierarchies())
        {
            var parent = Path.Join(hierarchy, "infra-testhosts");
            if (!Directory.Exists(parent)) continue;
            foreach (var dir in Directory.GetDirectories(parent, prefix + "-*"))
            {
                await RemoveCgroupAsync(dir, ct);
            }
        }

        var state = StateDirectoryOf(prefix);
        if (Directory.Exists(state))
        {
            var mounted = (await File.ReadAllLinesAsync("/proc/self/mounts", ct))
                .Select(l => l.Split(' ')[1]).Where(m => m == state || m.StartsWith(state + "/", StringComparison.Ordinal))
                .OrderByDescending(m => m.Length).ToList();
            foreach (var m in mounted) await ProcessRunner.RunAsync("/usr/bin/umount", ["-l", m], check: false, ct: ct);
            Directory.Delete(state, recursive: true);
        }
    }

    internal static async Task<List<int>> NamespacePidsAsync(string ns, CancellationToken ct)
    {
        var r = await ProcessRunner.RunAsync("/usr/sbin/ip", ["netns", "pids", ns], check: false, ct: ct);
        return [.. r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
    }

    /// <summary>SIGKILL (SIGTERM is ignored by <c>unshare --fork</c> and makes systemd re-execute), then waits.</summary>
    internal static async Task KillAndWaitAsync(IReadOnlyCollection<int> pids, CancellationToken ct)
    {
        foreach (var pid in pids)
        {
            try
            {
                using var p = System.Diagnostics.Process.GetProcessById(pid);
                p.Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
                // Exited between the lookup and the kill.
            }
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (pids.Any(IsAlive))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"processes {string.Join(',', pids.Where(IsAlive))} survived SIGKILL for 10 s");
            }
            await Task.Delay(10, ct);
        }
    }

    /// <summary>Alive and not a zombie.</summary>
    internal static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    internal static IEnumerable<string> CgroupHierarchies() =>
        Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup") : [];

    /// <summary>rmdir a cgroup tree bottom-up; killed processes leave their cgroups a moment after they die.</summary>
    internal static async Task RemoveCgroupAsync(string dir, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.Exists(dir))
        {
            try
            {
                foreach (var d in Directory.GetDirectories(dir, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(dir))
                {
                    Directory.Delete(d);
                }
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20, ct);
            }
        }
    }
}
