using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Infra.TestKit;

namespace Infra.TestHosts;

/// <summary>A host key of a test host, as <c>ssh-keygen -lf</c> would describe it.</summary>
public sealed record TestHostKey(string Type, string PublicKeyLine, string Fingerprint)
{
    /// <summary>From a <c>.pub</c> line: "TYPE BASE64 [comment]".</summary>
    public static TestHostKey FromPublicLine(string line)
    {
        var parts = line.Trim().Split(' ', 3);
        var blob = Convert.FromBase64String(parts[1]);
        return new TestHostKey(parts[0], $"{parts[0]} {parts[1]}", "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('='));
    }
}

/// <summary>
/// One test host: a network namespace with its own address and sshd (or systemd), and with
/// <see cref="TestHostOptions.OwnFilesystem"/> its own root filesystem whose writes land in <see cref="UpperDirectory"/>
/// (its disk, kept across <see cref="PowerOffAsync"/> and <see cref="BootAsync"/>).
/// </summary>
public sealed class TestHost
{
    private readonly TestHostNetwork _network;
    private Process? _boot;
    private List<TestHostKey> _hostKeys = [];

    internal TestHost(TestHostNetwork network, TestHostOptions options, int index, string address, string? segmentAddress)
    {
        _network = network;
        Options = options;
        Address = address;
        SegmentAddress = segmentAddress;
        Namespace = $"{network.Prefix}-{options.Name}";
        Veth = $"{network.Prefix}h{index}";
        SegmentVeth = $"{network.Prefix}b{index}";
        Directory = Path.Join(network.StateDirectory, "hosts", options.Name);
    }

    public string Name => Options.Name;
    public TestHostOptions Options { get; }
    public string Address { get; }
    public int Port { get; } = 22;
    /// <summary>A bastion's address on the isolated segment (null for other hosts).</summary>
    public string? SegmentAddress { get; }
    public string Namespace { get; }
    /// <summary>The host's state dir on the machine (on the network's tmpfs).</summary>
    public string Directory { get; }
    /// <summary>The host's disk: the overlay upper dir, holding every file the host wrote or changed.</summary>
    public string UpperDirectory => Path.Join(Directory, "upper");
    public string ClientKeyPath => _network.ClientKeyPath;
    public IReadOnlyList<TestHostKey> HostKeys => _hostKeys;
    public TestHostKey HostKey => _hostKeys[0];
    public bool IsRunning => _boot is { HasExited: false };
    /// <summary>Where the host's console (sshd or systemd output) goes.</summary>
    public string ConsoleLog => Path.Join(Directory, "console.log");

    internal string Veth { get; }
    internal string SegmentVeth { get; }
    private string CgroupName => $"infra-testhosts/{Namespace}";
    private string RootDirectory => Path.Join(Directory, "root");
    private string WorkDirectory => Path.Join(Directory, "work");
    private string BootScript => Path.Join(Directory, "boot.sh");

    internal async Task CreateAsync(CancellationToken ct)
    {
        var inside = new StringBuilder()
            .AppendLine("link set lo up")
            .AppendLine(CultureInfo.InvariantCulture, $"addr add {Address}/25 dev eth0")
            .AppendLine("link set eth0 up")
            .AppendLine(CultureInfo.InvariantCulture, $"route add default via {(Options.Isolated ? $"10.213.{_network.SubnetOctet}.129" : _network.Gateway)}");
        if (SegmentAddress is not null)
        {
            inside.AppendLine(CultureInfo.InvariantCulture, $"addr add {SegmentAddress}/25 dev eth1").AppendLine("link set eth1 up");
        }
        await ProcessRunner.RunAsync("/usr/sbin/ip", ["-n", Namespace, "-batch", "-"], inside.ToString(), ct: ct);

        System.IO.Directory.CreateDirectory(Directory);
        if (Options.OwnFilesystem) await PrepareDiskAsync(ct);
        else await PrepareSharedAsync(ct);
        await File.WriteAllTextAsync(BootScript, BuildBootScript(), ct);
        await BootAsync(ct);
    }

    private const string SshdConfigBody = """
        Port 22
        AddressFamily inet
        ListenAddress 0.0.0.0
        PermitRootLogin prohibit-password
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        UseDNS no
        PrintMotd no
        PrintLastLog no
        MaxStartups 200:30:400
        MaxSessions 64
        Subsystem sftp internal-sftp

        """;

    /// <summary>First boot of an own-filesystem host: host keys, sshd config, identity, users, written into the upper dir.</summary>
    private async Task PrepareDiskAsync(CancellationToken ct)
    {
        foreach (var d in new[] { UpperDirectory, WorkDirectory, RootDirectory }) System.IO.Directory.CreateDirectory(d);
        var etc = Path.Join(UpperDirectory, "etc");
        var etcSsh = Path.Join(etc, "ssh");
        System.IO.Directory.CreateDirectory(etcSsh);

        await Task.WhenAll(Options.HostKeyTypes.Select(t => GenerateKeyAsync(t, Path.Join(etcSsh, $"ssh_host_{t}_key"), ct)));
        _hostKeys = [.. Options.HostKeyTypes.Select(t => TestHostKey.FromPublicLine(File.ReadAllText(Path.Join(etcSsh, $"ssh_host_{t}_key.pub"))))];
        // Hide the machine's host keys of other types, so the host presents and holds only its own.
        foreach (var t in new[] { "ed25519", "ecdsa", "rsa", "dsa" }.Except(Options.HostKeyTypes))
        {
            foreach (var f in new[] { $"ssh_host_{t}_key", $"ssh_host_{t}_key.pub" })
            {
                if (File.Exists(Path.Join("/etc/ssh", f))) NativeMethods.Whiteout(Path.Join(etcSsh, f));
            }
        }
        var config = new StringBuilder(SshdConfigBody);
        foreach (var t in Options.HostKeyTypes) config.AppendLine(CultureInfo.InvariantCulture, $"HostKey /etc/ssh/ssh_host_{t}_key");
        await File.WriteAllTextAsync(Path.Join(etcSsh, "sshd_config"), config.ToString(), ct);

        await File.WriteAllTextAsync(Path.Join(etc, "hostname"), Name + "\n", ct);
        await File.WriteAllTextAsync(Path.Join(etc, "hosts"), $"127.0.0.1\tlocalhost\n127.0.1.1\t{Name}\n{Address}\t{Name}\n", ct);
        await File.WriteAllTextAsync(Path.Join(etc, "machine-id"), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "\n", ct);

        // An empty /root of its own (the machine's has a slow shell init and unrelated files).
        var rootHome = Path.Join(UpperDirectory, "root");
        System.IO.Directory.CreateDirectory(rootHome);
        NativeMethods.MakeOpaque(rootHome);
        File.SetUnixFileMode(rootHome, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        WriteAuthorizedKeys(rootHome, 0, 0);

        if (Options.Systemd)
        {
            var unitDir = Path.Join(etc, "systemd", "system");
            System.IO.Directory.CreateDirectory(unitDir);
            await File.WriteAllTextAsync(Path.Join(unitDir, "infra-testhost.target"), """
                [Unit]
                Description=Infra test host (basic system and sshd)
                Requires=basic.target ssh.service
                After=basic.target ssh.service
                AllowIsolate=yes

                """, ct);
            // Units of a real machine that mean nothing in a test host and only cost boot time.
            foreach (var unit in MaskedUnits) File.CreateSymbolicLink(Path.Join(unitDir, unit), "/dev/null");
        }
        if (Options.SudoUser is { } user) await AddSudoUserAsync(user, etc, ct);
    }

    private static readonly string[] MaskedUnits =
    [
        "dev-hugepages.mount", "dev-mqueue.mount", "sys-kernel-debug.mount", "sys-kernel-tracing.mount",
        "sys-kernel-config.mount", "sys-fs-fuse-connections.mount", "proc-sys-fs-binfmt_misc.automount",
        "systemd-binfmt.service", "apt-daily.timer", "apt-daily-upgrade.timer", "dpkg-db-backup.timer",
        "e2scrub_all.timer", "man-db.timer", "fstrim.timer",
        // No kernel modules to load (all built in), no root to remount, no journal to move off /run.
        "modprobe@.service", "systemd-remount-fs.service", "systemd-journal-flush.service", "systemd-update-utmp.service",
    ];

    private void WriteAuthorizedKeys(string home, int uid, int gid)
    {
        var ssh = Path.Join(home, ".ssh");
        System.IO.Directory.CreateDirectory(ssh);
        File.SetUnixFileMode(ssh, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var keys = Path.Join(ssh, "authorized_keys");
        File.WriteAllText(keys, _network.ClientPublicKey + "\n");
        File.SetUnixFileMode(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (uid != 0)
        {
            NativeMethods.SetOwner(home, uid, gid);
            NativeMethods.SetOwner(ssh, uid, gid);
            NativeMethods.SetOwner(keys, uid, gid);
        }
    }

    /// <summary>A login user in the host's passwd/shadow (copies of the machine's, in the upper dir) with a sudoers rule.</summary>
    private async Task AddSudoUserAsync(SudoUser user, string etc, CancellationToken ct)
    {
        var passwd = await File.ReadAllLinesAsync("/etc/passwd", ct);
        if (passwd.Any(l => l.StartsWith(user.Name + ":", StringComparison.Ordinal)))
        {
            throw new ArgumentException($"test host '{Name}': user '{user.Name}' exists on the machine already");
        }
        var uid = 1 + passwd.Select(l => int.Parse(l.Split(':')[2], CultureInfo.InvariantCulture)).Where(u => u is >= 1000 and < 60000).DefaultIfEmpty(1000).Max();
        var hash = "*";
        if (user.Password is not null)
        {
            var r = await ProcessRunner.RunAsync("/usr/bin/openssl", ["passwd", "-6", "-stdin"], user.Password + "\n", ct: ct);
            hash = r.Stdout.Trim();
        }
        await AppendCopyAsync("passwd", $"{user.Name}:x:{uid}:{uid}::/home/{user.Name}:/bin/bash");
        await AppendCopyAsync("group", $"{user.Name}:x:{uid}:");
        await AppendCopyAsync("shadow", $"{user.Name}:{hash}:19000:0:99999:7:::");
        await AppendCopyAsync("gshadow", $"{user.Name}:!::");
        var sudoers = Path.Join(etc, "sudoers.d");
        System.IO.Directory.CreateDirectory(sudoers);
        var rule = Path.Join(sudoers, user.Name);
        await File.WriteAllTextAsync(rule, $"{user.Name} ALL=(ALL:ALL) {(user.Password is null ? "NOPASSWD: " : "")}ALL\n", ct);
        File.SetUnixFileMode(rule, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        var home = Path.Join(UpperDirectory, "home", user.Name);
        System.IO.Directory.CreateDirectory(home);
        WriteAuthorizedKeys(home, uid, uid);

        async Task AppendCopyAsync(string file, string line)
        {
            var target = Path.Join(etc, file);
            var source = Path.Join("/etc", file);
            var text = File.Exists(source) ? await File.ReadAllTextAsync(source, ct) : "";
            await File.WriteAllTextAsync(target, text.TrimEnd('\n') + "\n" + line + "\n", ct);
            if (File.Exists(source)) File.SetUnixFileMode(target, File.GetUnixFileMode(source));
        }
    }

    /// <summary>A host on the machine's files: sshd's config, key and pid file live in the host's state dir.</summary>
    private async Task PrepareSharedAsync(CancellationToken ct)
    {
        await Task.WhenAll(Options.HostKeyTypes.Select(t => GenerateKeyAsync(t, Path.Join(Directory, $"ssh_host_{t}_key"), ct)));
        _hostKeys = [.. Options.HostKeyTypes.Select(t => TestHostKey.FromPublicLine(File.ReadAllText(Path.Join(Directory, $"ssh_host_{t}_key.pub"))))];
        var config = new StringBuilder(SshdConfigBody).AppendLine(CultureInfo.InvariantCulture, $"PidFile {Directory}/sshd.pid");
        foreach (var t in Options.HostKeyTypes) config.AppendLine(CultureInfo.InvariantCulture, $"HostKey {Directory}/ssh_host_{t}_key");
        await File.WriteAllTextAsync(Path.Join(Directory, "sshd_config"), config.ToString(), ct);
        await File.WriteAllTextAsync(Path.Join(Directory, "authorized_keys"), _network.ClientPublicKey + "\n", ct);
    }

    private static async Task GenerateKeyAsync(string type, string path, CancellationToken ct) =>
        await ProcessRunner.RunAsync("/usr/bin/ssh-keygen", ["-q", "-t", type, .. type == "rsa" ? new[] { "-b", "2048" } : [], "-N", "", "-C", "", "-f", path], ct: ct);

    private string BuildBootScript()
    {
        var s = new StringBuilder("set -e\n");
        if (!Options.OwnFilesystem)
        {
            // Own /root (the machine's runs a slow shell init), own /proc for the PID namespace.
            s.Append(CultureInfo.InvariantCulture, $"""
                mount -t proc proc /proc
                mount -t tmpfs -o mode=0700 tmpfs /root
                mkdir -m 0700 /root/.ssh
                cp {Directory}/authorized_keys /root/.ssh/authorized_keys
                mkdir -p /run/sshd
                hostname {Name}
                exec /usr/sbin/sshd -D -e -f {Directory}/sshd_config

                """);
            return s.ToString();
        }
        var r = RootDirectory;
        if (Options.Systemd)
        {
            // Own cgroup in every hierarchy (cpuset needs cpus/mems before a process may join).
            s.Append(CultureInfo.InvariantCulture, $$"""
                for c in /sys/fs/cgroup/*; do
                  [ -d "$c" ] || continue
                  mkdir -p "$c/infra-testhosts/{{Namespace}}"
                  if [ -f "$c/cpuset.cpus" ]; then
                    for d in "$c/infra-testhosts" "$c/infra-testhosts/{{Namespace}}"; do
                      [ -s "$d/cpuset.cpus" ] || cat "$c/cpuset.cpus" > "$d/cpuset.cpus"
                      [ -s "$d/cpuset.mems" ] || cat "$c/cpuset.mems" > "$d/cpuset.mems"
                    done
                  fi
                  echo $$ > "$c/infra-testhosts/{{Namespace}}/cgroup.procs"
                done

                """);
        }
        s.Append(CultureInfo.InvariantCulture, $"""
            mount -t overlay overlay -o lowerdir=/,upperdir={UpperDirectory},workdir={WorkDirectory} {r}
            mount -t proc proc {r}/proc
            mount --rbind /dev {r}/dev
            mount -t sysfs -o {(Options.Systemd ? "ro" : "rw")} sysfs {r}/sys
            mount -t tmpfs -o mode=0755 tmpfs {r}/run
            mount -t tmpfs -o mode=1777 tmpfs {r}/tmp
            hostname {Name}

            """);
        if (Options.Systemd)
        {
            // systemd wants the cgroup hierarchies at their usual places (it works in its own subtree).
            s.Append(CultureInfo.InvariantCulture, $$"""
                mount -t tmpfs -o mode=0755 tmpfs {{r}}/sys/fs/cgroup
                for c in /sys/fs/cgroup/*; do
                  [ -d "$c" ] || continue
                  n=${c##*/}
                  mkdir -p {{r}}/sys/fs/cgroup/$n
                  case $n in
                    unified) mount -t cgroup2 cgroup2 {{r}}/sys/fs/cgroup/unified ;;
                    systemd) mount -t cgroup -o none,name=systemd cgroup {{r}}/sys/fs/cgroup/systemd ;;
                    *) mount -t cgroup -o $n cgroup {{r}}/sys/fs/cgroup/$n ;;
                  esac
                done
                export container=other
                exec chroot {{r}} /lib/systemd/systemd --system --unit=infra-testhost.target

                """);
        }
        else
        {
            s.Append(CultureInfo.InvariantCulture, $"mkdir -p {r}/run/sshd\nexec chroot {r} /usr/sbin/sshd -D -e\n");
        }
        return s.ToString();
    }

    /// <summary>Starts the host (again) on its disk and returns when its sshd listens.</summary>
    public async Task BootAsync(CancellationToken ct = default)
    {
        if (IsRunning) throw new InvalidOperationException($"test host '{Name}' is running");
        _boot?.Dispose();
        // A host that comes back at the same address is unreachable for ~20 s while a stale neighbour entry lasts.
        var script = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"ip link set {Veth} up")
            .AppendLine(CultureInfo.InvariantCulture, $"ip neigh flush to {Address} || true");
        foreach (var b in _network.Bastions.Where(b => b != this && b.IsRunning))
        {
            script.AppendLine(CultureInfo.InvariantCulture, $"ip -n {b.Namespace} neigh flush to {Address} || true");
        }
        await ProcessRunner.ShellAsync(script.ToString(), ct: ct);

        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"exec /usr/bin/nsenter --net=/run/netns/{Namespace} /usr/bin/unshare --mount --uts --pid --fork /bin/sh {BootScript} </dev/null >>{ConsoleLog} 2>&1");
        _boot = Process.Start(psi) ?? throw new InvalidOperationException($"could not boot test host '{Name}'");
        await WaitListeningAsync(previousInode: null, ct);
    }

    /// <summary>Power failure: SIGKILL every process of the host and unplug it; its disk (upper dir) stays.</summary>
    public async Task PowerOffAsync(CancellationToken ct = default)
    {
        var pids = await TestHostNetwork.NamespacePidsAsync(Namespace, ct);
        if (_boot is { HasExited: false } b) pids.Add(b.Id);
        if (InitPid() is { } init) pids.Add(init);
        await TestHostNetwork.KillAndWaitAsync(pids.Distinct().ToList(), ct);
        if (_boot is not null) await _boot.WaitForExitAsync(ct);
        await ProcessRunner.RunAsync("/usr/sbin/ip", ["link", "set", Veth, "down"], ct: ct);
        if (Options.Systemd)
        {
            foreach (var h in TestHostNetwork.CgroupHierarchies())
            {
                await TestHostNetwork.RemoveCgroupAsync(Path.Join(h, CgroupName), ct);
            }
        }
    }

    /// <summary>
    /// Cuts the host off the network without stopping anything on it: what a pulled cable or a power loss looks like
    /// from the other end (no reset, no FIN; packets vanish). <see cref="ReconnectNetworkAsync"/> undoes it.
    /// </summary>
    public Task CutNetworkAsync(CancellationToken ct = default) =>
        ProcessRunner.RunAsync("/usr/sbin/ip", ["link", "set", Veth, "down"], ct: ct);

    public Task ReconnectNetworkAsync(CancellationToken ct = default) =>
        ProcessRunner.RunAsync("/usr/sbin/ip", ["link", "set", Veth, "up"], ct: ct);

    /// <summary>Drops the handle of the boot process (the network's teardown has killed it).</summary>
    internal void Release()
    {
        _boot?.Dispose();
        _boot = null;
    }

    /// <summary>PID (in the machine's view) of the host's PID 1: sshd or systemd.</summary>
    public int? InitPid()
    {
        if (_boot is not { HasExited: false } b) return null;
        try
        {
            var children = File.ReadAllText($"/proc/{b.Id}/task/{b.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return children.Length == 0 ? null : int.Parse(children[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Waits until port 22 listens in the host's namespace (read from /proc, so isolated hosts too).</summary>
    private async Task WaitListeningAsync(string? previousInode, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_boot is not { HasExited: false } b)
            {
                throw new InvalidOperationException($"test host '{Name}' stopped while booting: {ConsoleTail()}");
            }
            var inode = ListenerInode(b.Id);
            if (inode is not null && inode != previousInode) return;
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"test host '{Name}' did not listen on port 22 within 60 s: {ConsoleTail()}");
            }
            await Task.Delay(10, ct);
        }
    }

    private static string? ListenerInode(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/net/tcp").Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // local_address 00000000:0016, st 0A (LISTEN), inode at column 9.
                if (f.Length > 9 && f[1].EndsWith(":0016", StringComparison.Ordinal) && f[3] == "0A") return f[9];
            }
        }
        catch (IOException)
        {
            // The process is going away or not yet in the namespace.
        }
        return null;
    }

    private string ConsoleTail() =>
        File.Exists(ConsoleLog) ? string.Join(" | ", File.ReadAllLines(ConsoleLog).TakeLast(8)) : "(no console output)";

    /// <summary>Runs a shell command inside the running host (all its namespaces and its root), as root, without SSH.</summary>
    public Task<ProcessResult> ExecInsideAsync(string command, string? stdin = null, bool check = true, CancellationToken ct = default)
    {
        var init = InitPid() ?? throw new InvalidOperationException($"test host '{Name}' is not running");
        return ProcessRunner.RunAsync("/usr/bin/nsenter",
            ["-t", init.ToString(CultureInfo.InvariantCulture), "-m", "-u", "-n", "-p", "-r", "-w", "/bin/sh", "-c", command], stdin, check: check, ct: ct);
    }

    /// <summary>Runs a shell command on the machine in the host's disk (its upper dir), e.g. to inspect what the tool wrote.</summary>
    public Task<ProcessResult> ExecOutsideAsync(string command, bool check = true, CancellationToken ct = default)
    {
        RequireOwnFilesystem();
        return ProcessRunner.ShellAsync(command, workingDirectory: UpperDirectory, check: check, ct: ct);
    }

    /// <summary>Where a path of the host lives on its disk (present only if the host wrote or changed it).</summary>
    public string DiskPath(string pathInHost)
    {
        RequireOwnFilesystem();
        return Path.Join(UpperDirectory, pathInHost.TrimStart('/'));
    }

    /// <summary>A file the host wrote, read from its disk (works while it is powered off); null if it never wrote it.</summary>
    public string? ReadDiskFile(string pathInHost)
    {
        var path = DiskPath(pathInHost);
        if (!File.Exists(path)) return null;
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException) when (new FileInfo(path).Length == 0)
        {
            // An overlay whiteout (a 0/0 character device that cannot be opened): the host deleted the file.
            return null;
        }
    }

    /// <summary>Adds a public key to a user's authorized_keys inside the running host.</summary>
    public Task AuthorizeKeyAsync(string publicKeyLine, string user = "root", CancellationToken ct = default) =>
        ExecInsideAsync(
            $"h=$(getent passwd {user} | cut -d: -f6) && mkdir -p \"$h/.ssh\" && cat >> \"$h/.ssh/authorized_keys\" && chown -R {user}: \"$h/.ssh\"",
            publicKeyLine.Trim() + "\n", ct: ct);

    /// <summary>
    /// Gives the host a new ed25519 host key (as a reinstalled machine would have) and makes sshd use it.
    /// Returns the new key; <see cref="HostKey"/> reflects it.
    /// </summary>
    public async Task<TestHostKey> ReplaceHostKeyAsync(CancellationToken ct = default)
    {
        var fresh = Path.Join(Directory, "replacement_key");
        File.Delete(fresh);
        File.Delete(fresh + ".pub");
        await GenerateKeyAsync("ed25519", fresh, ct);
        var key = TestHostKey.FromPublicLine(await File.ReadAllTextAsync(fresh + ".pub", ct));
        var keyPath = Options.OwnFilesystem ? "/etc/ssh/ssh_host_ed25519_key" : Path.Join(Directory, "ssh_host_ed25519_key");
        if (!Options.HostKeyTypes.Contains("ed25519"))
        {
            throw new InvalidOperationException($"test host '{Name}' has no ed25519 host key to replace");
        }
        if (!IsRunning && Options.OwnFilesystem)
        {
            File.Copy(fresh, DiskPath(keyPath), overwrite: true);
            File.Copy(fresh + ".pub", DiskPath(keyPath + ".pub"), overwrite: true);
        }
        else if (IsRunning)
        {
            var before = ListenerInode(_boot!.Id);
            await ExecInsideAsync($"cat > {keyPath}", await File.ReadAllTextAsync(fresh, ct), ct: ct);
            await ExecInsideAsync($"cat > {keyPath}.pub", await File.ReadAllTextAsync(fresh + ".pub", ct), ct: ct);
            // sshd re-executes on SIGHUP and reads its keys again.
            await ExecInsideAsync(Options.Systemd ? "systemctl reload ssh" : "kill -HUP 1", ct: ct);
            await WaitListeningAsync(before, ct);
        }
        else
        {
            File.Copy(fresh, keyPath, overwrite: true);
            File.Copy(fresh + ".pub", keyPath + ".pub", overwrite: true);
        }
        _hostKeys = [key, .. _hostKeys.Where(k => k.Type != "ssh-ed25519")];
        return key;
    }

    private void RequireOwnFilesystem()
    {
        if (!Options.OwnFilesystem) throw new InvalidOperationException($"test host '{Name}' has no disk of its own (OwnFilesystem is off)");
    }

    public override string ToString() => $"{Name} ({Address})";
}
