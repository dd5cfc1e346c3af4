using System.Text.Json;

namespace Infra.TestHosts.Clusters;

/// <summary>
/// Hosts share the machine's kernel: a machine-wide sysctl (kernel.*, vm.*, fs.*) that a host's <c>prepare</c>
/// writes changes the whole machine, and its check reads the machine's value. Tests that run <c>prepare</c> for
/// real hold the values it sets on the machine for their duration — so the step writes what is already there and
/// its check sees real kernel values — and the machine gets its own values back when the last holder (in any
/// test process) lets go. Per-network-namespace sysctls (net.*) are each host's own and are not touched here.
/// </summary>
public sealed class MachineSysctls : IAsyncDisposable
{
    private const string LockPath = "/run/lock/infra-testhosts-sysctls.lock";
    private const string StatePath = "/run/infra-testhosts-sysctls.json";
    private bool _released;

    private MachineSysctls()
    {
    }

    public static bool IsMachineWide(string key) =>
        key.StartsWith("kernel.", StringComparison.Ordinal) || key.StartsWith("vm.", StringComparison.Ordinal) || key.StartsWith("fs.", StringComparison.Ordinal);

    private sealed record State(Dictionary<string, string> Originals, List<int> Holders);

    /// <summary>Sets the machine-wide ones of <paramref name="values"/> (key → value) on the machine until disposed.</summary>
    public static async Task<MachineSysctls> HoldAsync(IReadOnlyDictionary<string, string> values)
    {
        await WithLockAsync(state =>
        {
            foreach (var (key, value) in values.Where(kv => IsMachineWide(kv.Key)))
            {
                var current = Read(key);
                state.Originals.TryAdd(key, current);
                if (current != value) Write(key, value);
            }
            state.Holders.Add(Environment.ProcessId);
            return state;
        });
        return new MachineSysctls();
    }

    public async ValueTask DisposeAsync()
    {
        if (_released) return;
        _released = true;
        await WithLockAsync(state =>
        {
            state.Holders.Remove(Environment.ProcessId);
            if (state.Holders.Count > 0) return state;
            foreach (var (key, value) in state.Originals) Write(key, value);
            return null;
        });
    }

    private static string ProcPath(string key) => "/proc/sys/" + key.Replace('.', '/');
    private static string Read(string key) => File.ReadAllText(ProcPath(key)).Trim();
    private static void Write(string key, string value) => File.WriteAllText(ProcPath(key), value + "\n");

    /// <summary>Under a machine-wide file lock: read the state, drop holders that are gone, update or remove it.</summary>
    private static async Task WithLockAsync(Func<State, State?> update)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LockPath)!);
        FileStream? lockFile = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (lockFile is null)
        {
            try
            {
                lockFile = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
        using (lockFile)
        {
            var state = File.Exists(StatePath)
                ? JsonSerializer.Deserialize<State>(await File.ReadAllTextAsync(StatePath))!
                : new State([], []);
            state.Holders.RemoveAll(pid => !TestHostNetwork.IsAlive(pid));
            var next = update(state);
            if (next is null) File.Delete(StatePath);
            else await File.WriteAllTextAsync(StatePath, JsonSerializer.Serialize(next));
        }
    }

    /// <summary>The machine's current value of a sysctl (for assertions).</summary>
    public static string Current(string key) => Read(key);
}
