using System.Diagnostics;
using System.Globalization;
using System.Text;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh;
using Infra.Ssh.Engine;
using Infra.TestHosts;
using Infra.TestHosts.Clusters;
using Infra.TestKit;

namespace Infra.Bench;

/// <summary>
/// The engine on 20 harness hosts (real sshd, systemd, one machine): the same 10 trivial steps by the engine, by
/// one bare SSH.NET connection per host (the floor) and by Debian's ansible-core (raw and command modules, forks
/// 20, pipelining and ControlPersist on, host keys pinned through a known_hosts file); a no-change re-apply of a
/// real 20-host plan; and prepare (preinstalled) from 1 to 20 hosts against the ideal for this machine's cores.
/// </summary>
internal static class EngineBench
{
    private const int HostCount = 20;
    private const int StepCount = 10;
    private static readonly SshClientOptions Ssh = new() { ConnectRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(100) };

    public static void Run() => RunAsync(scaleOnly: false).GetAwaiter().GetResult();

    public static void RunScale() => RunAsync(scaleOnly: true).GetAwaiter().GetResult();

    public static void RunPerHost() => PerHostAsync().GetAwaiter().GetResult();

    private static async Task RunAsync(bool scaleOnly)
    {
        if (!File.Exists("/usr/bin/ansible-playbook") && !scaleOnly)
        {
            throw new InvalidOperationException("the engine benchmark compares with Debian's ansible-core: apt-get install ansible-core");
        }
        Console.WriteLine($"engine: starting {HostCount} systemd harness hosts ({Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
        await using var set = await ClusterHostSet.CreateAsync(TestHostNetwork.PrefixFor("bench"),
            [.. Enumerable.Range(1, HostCount).Select(i => new TestHostOptions { Name = $"h{i}", Systemd = true })]);
        var hosts = set.Network.Hosts;
        var members = hosts.Select((h, i) => i == 0 ? ClusterMember.ControlPlane(h) : ClusterMember.Worker(h)).ToList();
        var plan = set.Plan(HarnessCluster.Spec(set.Network, members));

        if (!scaleOnly)
        {
            await TrivialStepsAsync(set, plan);
            await NoChangeReapplyAsync(set, plan);
        }
        await PrepareScalingAsync(set, plan);
    }

    private static ClusterConverger Engine(ClusterSpec spec) => new(SshHostSession.Factory(spec.Ssh, Ssh), new Redactor());

    private static ConvergeOptions Options(IReadOnlyList<Phase>? phases = null, IReadOnlyList<string>? hosts = null,
        int concurrency = HostCount) => new()
        {
            LockHolder = $"bench pid {Environment.ProcessId}",
            CommandTimeout = TimeSpan.FromMinutes(5),
            Concurrency = concurrency,
            Phases = phases ?? [],
            Hosts = hosts ?? [],
        };

    /// <summary>Each host's program replaced by 10 steps that do nothing; a new nonce makes every run do them again.</summary>
    private static ClusterPlan TrivialPlan(ClusterPlan plan, int nonce) => plan with
    {
        Nodes = [.. plan.Nodes.Select(n => n with
        {
            Steps = [.. Enumerable.Range(1, StepCount).Select(i =>
            {
                var inputs = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["nonce"] = nonce.ToString(CultureInfo.InvariantCulture) };
                return new Step
                {
                    Id = $"bench.step-{i}",
                    Phase = Phase.Prepare,
                    Description = "nothing",
                    Script = "set -euo pipefail\ntrue\n",
                    Inputs = inputs,
                    InputHash = StepHash.Of(inputs),
                    Files = [],
                    RuntimeInputs = [],
                    Os = [OsFamily.Debian12],
                };
            })],
        })],
    };

    private static async Task TrivialStepsAsync(ClusterHostSet set, ClusterPlan plan)
    {
        var hosts = set.Network.Hosts;
        var work = Directory.CreateTempSubdirectory("infra-bench-ansible-");
        try
        {
            var ansible = AnsibleSetup(work.FullName, set);
            var nonce = 0;
            async Task<double> EngineRun()
            {
                var watch = Stopwatch.StartNew();
                var report = await Engine(plan.Spec).ApplyAsync(TrivialPlan(plan, ++nonce), Options(), _ => true, CancellationToken.None);
                if (report.ExitCode != 0 || report.Hosts.Any(h => h.Ran.Count != StepCount)) throw new InvalidOperationException("engine run failed");
                return watch.Elapsed.TotalSeconds;
            }
            async Task<double> FloorRun()
            {
                var watch = Stopwatch.StartNew();
                await Task.WhenAll(hosts.Select(async h =>
                {
                    await using var c = await SshConnection.ConnectAsync(SshHostSession.TargetFor(plan.Hosts.Single(p => p.Name == h.Name), plan.Spec.Ssh), Ssh);
                    for (var i = 0; i < StepCount; i++)
                    {
                        var r = await c.RunAsync("true\n", sudo: true);
                        if (!r.Succeeded) throw new InvalidOperationException($"{h.Name}: exit {r.ExitCode}");
                    }
                }));
                return watch.Elapsed.TotalSeconds;
            }
            Task<double> AnsibleRun(string playbook) => Task.Run(() =>
            {
                var watch = Stopwatch.StartNew();
                var psi = new ProcessStartInfo("/usr/bin/ansible-playbook") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = work.FullName };
                psi.ArgumentList.Add("-i");
                psi.ArgumentList.Add(ansible.Inventory);
                psi.ArgumentList.Add(playbook);
                psi.Environment["ANSIBLE_CONFIG"] = ansible.Config;
                psi.Environment["HOME"] = work.FullName;
                using var p = Process.Start(psi)!;
                var stdout = p.StandardOutput.ReadToEndAsync();
                var stderr = p.StandardError.ReadToEndAsync();
                p.WaitForExit();
                if (p.ExitCode != 0) throw new InvalidOperationException($"ansible-playbook {Path.GetFileName(playbook)} exited {p.ExitCode}: {stdout.Result}{stderr.Result}");
                if (!stdout.Result.Contains($"ok={StepCount}", StringComparison.Ordinal) && !stdout.Result.Contains($"changed={StepCount}", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"ansible-playbook did not run {StepCount} tasks per host: {stdout.Result}");
                }
                return watch.Elapsed.TotalSeconds;
            });

            // Warm-up of each (the first ansible run also opens its ControlPersist masters), then alternating runs.
            await EngineRun();
            await FloorRun();
            var rawCold = await AnsibleRun(ansible.Raw);
            var commandFirst = await AnsibleRun(ansible.Command);
            var engine = new List<double>();
            var floor = new List<double>();
            var raw = new List<double>();
            var command = new List<double> { commandFirst };
            for (var i = 0; i < 5; i++)
            {
                engine.Add(await EngineRun());
                floor.Add(await FloorRun());
                raw.Add(await AnsibleRun(ansible.Raw));
                if (i < 2) command.Add(await AnsibleRun(ansible.Command));
            }
            double e = Measure.Median(engine), f = Measure.Median(floor), a = Measure.Median(raw), c = Measure.Median(command);
            Console.WriteLine($"engine: {HostCount} hosts x {StepCount} trivial steps, medians of {engine.Count} runs (ansible command: {command.Count})");
            Console.WriteLine($"  engine (connect, locks, probe, steps + journal, unlock)       {S(e)}");
            Console.WriteLine($"  floor  (one SSH.NET connection per host, bare commands)       {S(f)}   engine/floor {R(e / f)}  (goal <= 2x)");
            Console.WriteLine($"  ansible-core raw      (forks 20, pipelining, ControlPersist)  {S(a)}   ansible-raw/engine {R(a / e)}  (first run, masters cold: {S(rawCold)})");
            Console.WriteLine($"  ansible-core command  (forks 20, pipelining, ControlPersist)  {S(c)}   ansible-command/engine {R(c / e)}  (goal >= 8x)");
        }
        finally
        {
            // ControlPersist masters end with their sockets' directory.
            await ProcessRunner.ShellAsync($"for s in {work.FullName}/cp/*; do [ -S \"$s\" ] && ssh -o ControlPath=\"$s\" -O exit x 2>/dev/null; done; true", check: false);
            work.Delete(recursive: true);
        }
    }

    private sealed record Ansible(string Inventory, string Config, string Raw, string Command);

    /// <summary>Inventory, known_hosts with each host's pinned key (host key checking stays on), config and playbooks.</summary>
    private static Ansible AnsibleSetup(string dir, ClusterHostSet set)
    {
        var inventory = new StringBuilder("[hosts]\n");
        var knownHosts = new StringBuilder();
        foreach (var h in set.Network.Hosts)
        {
            inventory.Append(CultureInfo.InvariantCulture, $"{h.Name} ansible_host={h.Address} ansible_user=root ansible_ssh_private_key_file={h.ClientKeyPath} ansible_python_interpreter=/usr/bin/python3\n");
            knownHosts.Append(CultureInfo.InvariantCulture, $"{h.Address} {h.HostKey.PublicKeyLine}\n");
        }
        var files = new Ansible(Path.Join(dir, "inventory.ini"), Path.Join(dir, "ansible.cfg"), Path.Join(dir, "raw.yml"), Path.Join(dir, "command.yml"));
        File.WriteAllText(files.Inventory, inventory.ToString());
        File.WriteAllText(Path.Join(dir, "known_hosts"), knownHosts.ToString());
        Directory.CreateDirectory(Path.Join(dir, "cp"));
        File.WriteAllText(files.Config, $"""
            [defaults]
            forks = {HostCount}
            host_key_checking = True
            gathering = explicit
            retry_files_enabled = False
            stdout_callback = default
            local_tmp = {dir}/tmp

            [ssh_connection]
            pipelining = True
            control_path_dir = {dir}/cp
            ssh_args = -o ControlMaster=auto -o ControlPersist=300s -o UserKnownHostsFile={dir}/known_hosts -o StrictHostKeyChecking=yes

            """);
        string Playbook(string task) => "- hosts: hosts\n  gather_facts: false\n  tasks:\n"
            + string.Concat(Enumerable.Range(1, StepCount).Select(i => $"    - name: step {i}\n      {task}\n"));
        File.WriteAllText(files.Raw, Playbook("raw: \"true\""));
        File.WriteAllText(files.Command, Playbook("command: /bin/true"));
        return files;
    }

    private static async Task NoChangeReapplyAsync(ClusterHostSet set, ClusterPlan plan)
    {
        await ClusterHostSet.RestoreAsync(set.Network.Hosts);
        var first = Stopwatch.StartNew();
        var converged = await Engine(plan.Spec).ApplyAsync(plan, Options(), _ => true, CancellationToken.None);
        if (converged.ExitCode != 0) throw new InvalidOperationException("the first apply of the 20-host plan failed: " + string.Join("; ", converged.Hosts.Select(h => $"{h.Host} {h.State} {h.Failure?.StepId} {h.Failure?.StderrTail}")));
        var firstSeconds = first.Elapsed.TotalSeconds;
        var runs = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            var again = await Engine(plan.Spec).ApplyAsync(plan, Options(), _ => throw new InvalidOperationException("a no-change apply asked to confirm"), CancellationToken.None);
            runs.Add(watch.Elapsed.TotalSeconds);
            if (!again.NothingToDo) throw new InvalidOperationException("the re-apply was not a no-change run");
        }
        var checks = plan.Nodes.Sum(n => n.Steps.Count(s => s.Check is not null && s.Phase != Phase.Reset));
        Console.WriteLine($"engine: no-change re-apply of the real {HostCount}-host plan ({checks} step checks probed): median {S(Measure.Median(runs))} of {runs.Count} (goal < 2 s); first apply {S(firstSeconds)}");
    }

    private static async Task PrepareScalingAsync(ClusterHostSet set, ClusterPlan plan)
    {
        var hosts = set.Network.Hosts;
        var cores = Environment.ProcessorCount;
        Console.WriteLine($"engine: prepare (preinstalled, systemd hosts) on N hosts, best of 2 runs from fresh disks; ideal = T1 x max(1, N/{cores}) if CPU-bound");
        double t1 = 0;
        foreach (var n in new[] { 1, 2, 5, 10, 20 })
        {
            var names = hosts.Take(n).Select(h => h.Name).ToList();
            var best = double.MaxValue;
            var cpu = TimeSpan.Zero;
            for (var run = 0; run < 2; run++)
            {
                await ClusterHostSet.RestoreAsync(hosts.Take(n));
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                var report = await Engine(plan.Spec).ApplyAsync(plan, Options([Phase.Prepare], names), _ => true, CancellationToken.None);
                var seconds = watch.Elapsed.TotalSeconds;
                if (report.ExitCode != 0) throw new InvalidOperationException($"prepare on {n} hosts failed");
                if (seconds < best)
                {
                    best = seconds;
                    cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
                }
            }
            if (n == 1) t1 = best;
            var ideal = t1 * Math.Max(1.0, (double)n / cores);
            Console.WriteLine($"  N={n,2}: {S(best)}  ({best / t1:0.0}x T1; ideal {S(ideal)}, actual/ideal {R(best / ideal)}; engine CPU {cpu.TotalMilliseconds / n:0} ms per host)");
        }
    }

    /// <summary>
    /// The cost per host at 20 and at 50 hosts, in one run on one set of 50 systemd hosts: a no-change re-apply of a
    /// real plan of the first 20 and of all 50 (median of 5), and <c>prepare</c> (preinstalled) on 20 and on 50 hosts
    /// from fresh disks (best of 2). The cost per host must not grow from 20 to 50.
    /// </summary>
    private static async Task PerHostAsync()
    {
        int[] sizes = [HostCount, 50];
        var most = sizes.Max();
        Console.WriteLine($"per-host: starting {most} systemd harness hosts ({Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
        await using var set = await ClusterHostSet.CreateAsync(TestHostNetwork.PrefixFor("b50"),
            [.. Enumerable.Range(1, most).Select(i => new TestHostOptions { Name = $"h{i}", Systemd = true })], Boots);
        var reapply = new List<(int Hosts, double Seconds)>();
        var prepare = new List<(int Hosts, double Seconds)>();
        foreach (var n in sizes)
        {
            var hosts = set.Network.Hosts.Take(n).ToList();
            var members = hosts.Select((h, i) => i == 0 ? ClusterMember.ControlPlane(h) : ClusterMember.Worker(h)).ToList();
            var plan = set.Plan(HarnessCluster.Spec(set.Network, members));
            var names = hosts.Select(h => h.Name).ToList();

            await RestoreInBatchesAsync(hosts);
            var converged = await Engine(plan.Spec).ApplyAsync(plan, Options(concurrency: n), _ => true, CancellationToken.None);
            if (converged.ExitCode != 0) throw new InvalidOperationException($"the first apply of the {n}-host plan failed");
            var runs = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                var watch = Stopwatch.StartNew();
                var again = await Engine(plan.Spec).ApplyAsync(plan, Options(concurrency: n),
                    _ => throw new InvalidOperationException("a no-change apply asked to confirm"), CancellationToken.None);
                runs.Add(watch.Elapsed.TotalSeconds);
                if (!again.NothingToDo) throw new InvalidOperationException($"the {n}-host re-apply was not a no-change run");
            }
            reapply.Add((n, Measure.Median(runs)));
            Console.WriteLine($"  (measured: no-change re-apply of {n} hosts, median {S(reapply[^1].Seconds)})");

            var best = double.MaxValue;
            for (var run = 0; run < 2; run++)
            {
                await RestoreInBatchesAsync(hosts);
                var watch = Stopwatch.StartNew();
                var report = await Engine(plan.Spec).ApplyAsync(plan, Options([Phase.Prepare], names, n), _ => true, CancellationToken.None);
                if (report.ExitCode != 0)
                {
                    throw new InvalidOperationException($"prepare on {n} hosts failed: " + string.Join("; ", report.Hosts
                        .Where(h => h.Failure is not null || h.Message is not null).Select(h => $"{h.Host} {h.State} {h.Failure?.StepId} {h.Message} {h.Failure?.StderrTail}")));
                }
                best = Math.Min(best, watch.Elapsed.TotalSeconds);
            }
            prepare.Add((n, best));
            Console.WriteLine($"  (measured: prepare on {n} hosts, best {S(best)})");
        }
        void Report(string what, List<(int Hosts, double Seconds)> figures)
        {
            var first = figures[0];
            foreach (var (hosts, seconds) in figures)
            {
                var perHost = seconds * 1000 / hosts;
                Console.WriteLine($"  {what,-28} N={hosts,2}: {S(seconds)}  {perHost,6:0} ms/host  ({R(perHost / (first.Seconds * 1000 / first.Hosts))} the N={first.Hosts} cost per host)");
            }
        }
        Console.WriteLine($"per-host: the same work on {string.Join(" and ", sizes)} hosts, cost per host (goal: it does not grow)");
        Report("no-change re-apply (median)", reapply);
        Report("prepare (best of 2)", prepare);
    }

    /// <summary>Systemd hosts booted at once by <see cref="PerHostAsync"/> (a boot is CPU-heavy; 50 at once can miss the boot timeout).</summary>
    private const int Boots = 10;

    private static async Task RestoreInBatchesAsync(IEnumerable<TestHost> hosts)
    {
        foreach (var chunk in hosts.Chunk(Boots)) await ClusterHostSet.RestoreAsync(chunk);
    }

    private static string S(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
    private static string R(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x";
}
