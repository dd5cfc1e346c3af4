using System.Globalization;
using System.Text;
using Infra.TestKit;

namespace Infra.TestHosts.Clusters;

/// <summary>One call of a stand-in, as it recorded itself on the host.</summary>
/// <param name="Start">Unix time (seconds, fractional) when the call began; hosts share the machine's clock.</param>
/// <param name="Arguments">The arguments, each shell-quoted as bash's <c>printf %q</c> writes them, joined by spaces.</param>
/// <param name="Files">Copies (paths on the host) of the files the call was given with --config or -f.</param>
public sealed record StandInCall(string Host, string Tool, double Start, double End, string Arguments, IReadOnlyList<string> Files)
{
    public bool Has(string argument) => (" " + Arguments + " ").Contains(" " + argument + " ", StringComparison.Ordinal);
}

/// <summary>
/// kubeadm, kubelet, kubectl, helm and the CNI plugins cannot run here (no Kubernetes API server, no kubelet on
/// cgroup v1 for 1.35+): minimal stand-ins on the hosts' PATH take their place. Each records its arguments and a
/// copy of every file it was given (under <see cref="LogDirectory"/>), answers the version queries the node
/// programs check, and fakes the effects the programs' checks look at (kubeadm init writes admin.conf and the
/// API server manifest, join writes kubelet.conf, reset removes them; the kubelet runs as a unit that sleeps).
/// Files under <see cref="ControlDirectory"/> steer them (see <see cref="DelayAsync"/> and <see cref="FailAsync"/>).
/// </summary>
public static class KubernetesStandIns
{
    public const string LogDirectory = "/var/log/infra-standin";
    public const string CallsFile = LogDirectory + "/calls";
    public const string ControlDirectory = "/etc/infra-standin";
    public const string BinDirectory = "/usr/local/bin";
    public const string CniDirectory = "/opt/cni/bin";
    public static readonly IReadOnlyList<string> CniPlugins = ["bridge", "host-local", "loopback", "portmap"];

    /// <summary>Shared head of every stand-in: argument and file recording, delay and failure injection.</summary>
    private static string Common(string tool) => $$"""
        #!/bin/bash
        # infra test stand-in for {{tool}}: records its calls, fakes what the node programs check.
        set -euo pipefail
        tool={{tool}}
        log={{LogDirectory}}
        control={{ControlDirectory}}
        start=$(date +%s.%N)
        args=("$@")
        saved=()
        save() {
          if [ "$1" != - ] && [ ! -f "$1" ]; then saved+=("missing:$1"); return; fi
          mkdir -p "$log/files"
          local copy
          copy="$log/files/$(date +%s%N)-$tool-$(basename "$1")"
          if [ "$1" = - ]; then cat > "$copy"; else cp "$1" "$copy"; fi
          saved+=("$copy")
        }
        for ((i = 0; i < ${#args[@]}; i++)); do
          case "${args[i]}" in
            --config|-f|--values) if [ $((i + 1)) -lt ${#args[@]} ]; then save "${args[i + 1]}"; fi ;;
            --config=*|-f=*) save "${args[i]#*=}" ;;
          esac
        done
        record() {
          mkdir -p "$log"
          local quoted=''
          if [ ${#args[@]} -gt 0 ]; then quoted=$(printf '%q ' "${args[@]}"); fi
          printf '%s\t%s\t%s\t%s\t%s\n' "$start" "$(date +%s.%N)" "$tool" "${quoted% }" "${saved[*]:-}" >> "$log/calls"
        }
        # delay-SUB, fail-SUB and keep-SUB steer a subcommand (the first argument that is neither a flag nor the value
        # of a global flag written apart from it, as the node programs write --kubeconfig, --server and --runtime-endpoint).
        sub=''
        value=''
        for a in "$@"; do
          if [ -n "$value" ]; then value=''; continue; fi
          case "$a" in
            --kubeconfig|--server|--tls-server-name|--runtime-endpoint) value=1 ;;
            -*) ;;
            *) sub=$a; break ;;
          esac
        done
        # A keep file lists host files copied at each such call (in the call's Files), to show what was in place then.
        if [ -n "$sub" ] && [ -f "$control/keep-$tool-$sub" ]; then
          while IFS= read -r kept; do save "$kept"; done < "$control/keep-$tool-$sub"
        fi
        # A delay file: seconds on the first line, and optionally a bash condition on the second that must hold.
        if [ -n "$sub" ] && [ -f "$control/delay-$tool-$sub" ]; then
          condition=$(sed -n 2p "$control/delay-$tool-$sub")
          if [ -z "$condition" ] || bash -c "$condition"; then
            mkdir -p "$log"
            touch "$log/delaying-$tool-$sub"
            sleep "$(head -n 1 "$control/delay-$tool-$sub")"
            rm -f "$log/delaying-$tool-$sub"
          fi
        fi
        # A fail file applies when its optional .when file (a bash condition; the call's arguments in $ARGS) holds.
        if [ -n "$sub" ] && [ -f "$control/fail-$tool-$sub" ] \
          && { [ ! -f "$control/fail-$tool-$sub.when" ] || ARGS="$*" bash -c "$(cat "$control/fail-$tool-$sub.when")"; }; then
          code=$(head -n 1 "$control/fail-$tool-$sub")
          # A line '@cat PATH' prints that file (as a tool that dumps its configuration in an error would);
          # '@config' prints the file the call was given.
          tail -n +2 "$control/fail-$tool-$sub" | while IFS= read -r line; do
            case "$line" in
              '@cat '*) cat "${line#@cat }" ;;
              @config) cat "${saved[0]}" ;;
              *) printf '%s\n' "$line" ;;
            esac
          done >&2
          record
          exit "$code"
        fi

        """;

    public static string Kubeadm(string version) => Common("kubeadm") + $$"""
        # The kubelet configuration kubeadm writes from the cluster's kubelet-config ConfigMap: the cluster's copy is what
        # the first control plane uploaded, which is the planned file the tool places on every node.
        kubelet_config() {
          mkdir -p /var/lib/kubelet
          { echo '# stand-in kubelet configuration'; cat /etc/kubernetes/infra/kubelet-settings.yaml 2>/dev/null || true; } > /var/lib/kubelet/config.yaml
        }
        case "$sub" in
          version) echo '{{version}}'; exit 0 ;;
          init)
            # The reconfigure procedure's phases: the manifest and certificate they name, made from the configuration given.
            if [ "${2:-}" = phase ] && [ "${3:-}" = control-plane ]; then
              mkdir -p /etc/kubernetes/manifests
              { echo "# stand-in $4 manifest from"; cat "${saved[0]}"; } > "/etc/kubernetes/manifests/kube-$4.yaml"
            elif [ "${2:-}" = phase ] && [ "${3:-}" = etcd ] && [ "${4:-}" = local ]; then
              mkdir -p /etc/kubernetes/manifests
              { echo '# stand-in etcd manifest from'; cat "${saved[0]}"; } > /etc/kubernetes/manifests/etcd.yaml
            elif [ "${2:-}" = phase ] && [ "${3:-}" = certs ] && [ "${4:-}" = apiserver ]; then
              mkdir -p /etc/kubernetes/pki
              { echo '# stand-in apiserver certificate for'; grep -E 'controlPlaneEndpoint|advertiseAddress' "${saved[0]}"; } > /etc/kubernetes/pki/apiserver.crt
              echo '# stand-in key' > /etc/kubernetes/pki/apiserver.key
            fi
            if [ "${2:-}" != phase ]; then
              mkdir -p /etc/kubernetes/manifests /etc/kubernetes/pki
              for f in admin.conf super-admin.conf kubelet.conf controller-manager.conf scheduler.conf; do
                echo "# stand-in kubeconfig written by kubeadm init" > "/etc/kubernetes/$f"
              done
              chmod 0600 /etc/kubernetes/*.conf
              echo '# stand-in' > /etc/kubernetes/manifests/kube-apiserver.yaml
              kubelet_config
              systemctl restart kubelet
            fi
            ;;
          join)
            mkdir -p /etc/kubernetes/manifests
            echo '# stand-in kubeconfig written by kubeadm join' > /etc/kubernetes/kubelet.conf
            # A control-plane join configuration has a controlPlane section.
            if grep -q '^controlPlane:' "${saved[0]}"; then
              echo '# stand-in' > /etc/kubernetes/manifests/kube-apiserver.yaml
              echo '# stand-in kubeconfig written by kubeadm join' > /etc/kubernetes/admin.conf
            fi
            kubelet_config
            systemctl restart kubelet
            ;;
          upgrade)
            # kubelet.settings: the node's configuration from the cluster's kubelet-config ConfigMap (see kubelet_config).
            if [ "${2:-}" = node ] && [ "${3:-}" = phase ] && [ "${4:-}" = kubelet-config ]; then kubelet_config; fi
            # kubeadm refuses a target its own binary is not at (the stand-in: not exactly at).
            if [ "${2:-}" = apply ] && [ "${3:-}" != '{{version}}' ]; then
              echo "[upgrade/version] FATAL: the kubeadm binary is {{version}}, ${3:-} was asked: upgrade kubeadm first" >&2
              record
              exit 1
            fi
            ;;
          reset)
            # What kubeadm reset removes: the kubelet stopped, the contents of these directories, its kubeconfigs.
            systemctl stop kubelet 2>/dev/null || true
            for d in /etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki /var/lib/etcd; do
              if [ -d "$d" ]; then find "$d" -mindepth 1 -delete; fi
            done
            rm -f /etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf /etc/kubernetes/kubelet.conf \
              /etc/kubernetes/controller-manager.conf /etc/kubernetes/scheduler.conf
            rm -rf /etc/kubernetes/tmp
            ;;
        esac
        record

        """;

    public static string Kubelet(string version) => Common("kubelet") + $$"""
        if [ "${1:-}" = --version ]; then echo 'Kubernetes {{version}}'; exit 0; fi
        record
        # The kubelet is a daemon: as a unit it stays up until stopped, answering its health endpoint (127.0.0.1:10248).
        exec perl -MIO::Socket::INET -e '
          my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 10248, Listen => 5, ReuseAddr => 1) or do { sleep; exit };
          while (my $c = $s->accept) {
            while (defined(my $l = <$c>)) { last if $l =~ /^\r?\n$/ }
            print $c "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nok";
            close $c;
          }'

        """;

    public static string Kubectl(string version) => Common("kubectl") + $$"""
        if [ "$sub" = version ]; then printf 'Client Version: {{version}}\nKustomize Version: v5.7.1\n'; exit 0; fi
        record
        # The version a node's kubelet reports: kubelet-version-NODE when a test set one, else this stand-in's own.
        if [ "$sub" = get ] && [ "${2:-}" = node ] && [[ "$*" == *kubeletVersion* ]]; then
          if [ -f "$control/kubelet-version-${3:-}" ]; then cat "$control/kubelet-version-${3:-}"; else printf '%s' '{{version}}'; fi
        fi
        # A control-plane mirror pod's config.hash follows its manifest on this host, as the kubelet's does.
        for c in kube-apiserver kube-controller-manager kube-scheduler etcd; do
          case " $* " in
            *" pod $c-"*) if [ -f "/etc/kubernetes/manifests/$c.yaml" ]; then md5sum < "/etc/kubernetes/manifests/$c.yaml" | cut -c1-32; fi ;;
          esac
        done
        # The kubelet-config ConfigMap's digest annotation (kubelet.settings): the first control plane uploaded the planned
        # file, which the tool places on every node.
        if [[ " $* " == *" get configmap kubelet-config "* ]] && [ -f /etc/kubernetes/infra/kubelet-settings.yaml ]; then
          sha256sum /etc/kubernetes/infra/kubelet-settings.yaml | cut -d ' ' -f 1 | tr -d '\n'
        fi
        # 'get nodes', 'get pods', 'get secrets' and 'get --raw' print what answer-kubectl-get-{nodes,pods,secrets,raw} holds (AnswerAsync).
        if [ "$sub" = get ]; then
          case " $* " in
            *" get nodes "*) answer=nodes ;;
            *" get pods "*) answer=pods ;;
            *" get secrets "*) answer=secrets ;;
            *" get --raw "*) answer=raw ;;
            *) answer='' ;;
          esac
          if [ -n "$answer" ] && [ -f "$control/answer-kubectl-get-$answer" ]; then cat "$control/answer-kubectl-get-$answer"; fi
        fi

        """;

    /// <summary>
    /// crictl as the stacked-etcd commands call it (after --runtime-endpoint): <c>ps --name '^etcd$'</c> names a running
    /// etcd container, <c>exec … etcdctl … snapshot save FILE</c> writes FILE (the container sees the host's data folder),
    /// and <c>exec … snapshot status FILE -w json</c> prints a status of FILE. <c>etcdctl member list</c> prints the
    /// member list a test set (<see cref="EtcdMembersAsync"/>) and <c>member remove ID</c> takes that member out of it;
    /// <c>endpoint health</c> answers healthy.
    /// </summary>
    public static string Crictl() => Common("crictl") + """
        record
        if [[ " $* " == *" ps "* ]] && [[ "$*" == *etcd* ]]; then echo standin-etcd; fi
        if [[ " $* " == *" exec "* ]] && [[ " $* " == *" member list "* ]] && [ -f "$control/etcd-members" ]; then cat "$control/etcd-members"; fi
        if [[ " $* " == *" exec "* ]] && [[ " $* " == *" member remove "* ]] && [ -f "$control/etcd-members" ]; then
          id="${*: -1}"
          grep -v "^$id, " "$control/etcd-members" > "$control/etcd-members.new" || true
          mv "$control/etcd-members.new" "$control/etcd-members"
        fi
        if [[ " $* " == *" exec "* ]] && [[ " $* " == *" snapshot save "* ]]; then
          file="${*: -1}"
          mkdir -p "$(dirname "$file")"
          echo 'stand-in etcd snapshot' > "$file"
        fi
        if [[ " $* " == *" exec "* ]] && [[ " $* " == *" snapshot status "* ]]; then
          echo '{"hash":305419896,"revision":42,"totalKey":1,"totalSize":23,"version":"3.6.0"}'
        fi

        """;

    public static string Helm(string version) => Common("helm") + $$"""
        if [ "$sub" = version ]; then echo 'v3.19.0'; exit 0; fi
        record

        """;

    /// <summary>A CNI plugin called without CNI_COMMAND prints its name and version, as the real ones do.</summary>
    public static string CniPlugin(string name, string version) => $"""
        #!/bin/sh
        echo "CNI {name} plugin {version}"

        """;

    /// <summary>Every stand-in by its path on the host.</summary>
    public static IReadOnlyDictionary<string, string> Files(string kubernetesVersion, string cniVersion)
    {
        var v = kubernetesVersion.StartsWith('v') ? kubernetesVersion : "v" + kubernetesVersion;
        var c = cniVersion.StartsWith('v') ? cniVersion : "v" + cniVersion;
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [$"{BinDirectory}/kubeadm"] = Kubeadm(v),
            [$"{BinDirectory}/kubelet"] = Kubelet(v),
            [$"{BinDirectory}/kubectl"] = Kubectl(v),
            [$"{BinDirectory}/helm"] = Helm(v),
            // prepare checks crictl is there for bundle and preinstalled sources; 'infra etcd' on stacked etcd calls it.
            [$"{BinDirectory}/crictl"] = Crictl(),
        };
        foreach (var p in CniPlugins) files[$"{CniDirectory}/{p}"] = CniPlugin(p, c);
        return files;
    }

    /// <summary>Puts the stand-ins on a running host (as an administrator would have preinstalled them).</summary>
    public static async Task InstallAsync(TestHost host, string kubernetesVersion, string cniVersion, CancellationToken ct = default)
    {
        var script = new StringBuilder("set -e\n");
        var i = 0;
        foreach (var (path, content) in Files(kubernetesVersion, cniVersion))
        {
            var tag = $"INFRA_STANDIN_{i++}";
            script.Append(CultureInfo.InvariantCulture, $"mkdir -p {Path.GetDirectoryName(path)}\ncat > {path} <<'{tag}'\n{content}{tag}\nchmod 0755 {path}\n");
        }
        await host.ExecInsideAsync(script.ToString(), ct: ct);
    }

    /// <summary>What the stand-in kubectl prints for <c>get nodes</c>, <c>get pods</c>, <c>get secrets</c> or <c>get --raw</c> (<paramref name="query"/>: nodes, pods, secrets, raw).</summary>
    public static Task AnswerAsync(TestHost host, string query, string answer, CancellationToken ct = default) =>
        host.ExecInsideAsync($"mkdir -p {ControlDirectory} && cat > {ControlDirectory}/answer-kubectl-get-{query}", answer + "\n", ct: ct);

    /// <summary>
    /// Makes the stand-in's <paramref name="tool"/> <paramref name="subcommand"/> fail with this exit code and stderr, in
    /// which a line <c>@cat PATH</c> stands for that file's content and <c>@config</c> for the file the call was given.
    /// </summary>
    public static Task FailAsync(TestHost host, string tool, string subcommand, int exitCode, string stderr, CancellationToken ct = default) =>
        host.ExecInsideAsync($"mkdir -p {ControlDirectory} && cat > {ControlDirectory}/fail-{tool}-{subcommand}",
            $"{exitCode.ToString(CultureInfo.InvariantCulture)}\n{stderr}\n", ct: ct);

    /// <summary>Makes a <see cref="FailAsync"/> failure apply only to calls whose arguments (<c>$ARGS</c>) meet a bash condition.</summary>
    public static Task FailWhenAsync(TestHost host, string tool, string subcommand, string condition, CancellationToken ct = default) =>
        host.ExecInsideAsync($"mkdir -p {ControlDirectory} && cat > {ControlDirectory}/fail-{tool}-{subcommand}.when", condition + "\n", ct: ct);

    /// <summary>
    /// Makes every <paramref name="tool"/> <paramref name="subcommand"/> call copy these host files (in its
    /// <see cref="StandInCall.Files"/>, after the files it was given), so a test reads what was in place at that call.
    /// </summary>
    public static Task KeepAsync(TestHost host, string tool, string subcommand, IEnumerable<string> paths, CancellationToken ct = default) =>
        host.ExecInsideAsync($"mkdir -p {ControlDirectory} && cat > {ControlDirectory}/keep-{tool}-{subcommand}", string.Join("\n", paths) + "\n", ct: ct);

    /// <summary>The etcd member list the stand-in etcdctl (through crictl) prints on this host, in etcdctl's simple format.</summary>
    public static Task EtcdMembersAsync(TestHost host, IEnumerable<string> lines, CancellationToken ct = default) =>
        host.ExecInsideAsync($"mkdir -p {ControlDirectory} && cat > {ControlDirectory}/etcd-members", string.Join("\n", lines) + "\n", ct: ct);

    /// <summary>The kubelet version the stand-in kubectl reports for <paramref name="node"/> (else its own version).</summary>
    public static Task ReportKubeletVersionAsync(TestHost host, string node, string version, CancellationToken ct = default) =>
        host.ExecInsideAsync($"mkdir -p {ControlDirectory} && printf '%s' {version} > {ControlDirectory}/kubelet-version-{node}", ct: ct);

    /// <summary>
    /// Makes <paramref name="tool"/> <paramref name="subcommand"/> sleep first, when <paramref name="condition"/> (bash)
    /// holds or is null; while it sleeps, <see cref="IsDelaying"/> is true.
    /// </summary>
    public static Task DelayAsync(TestHost host, string tool, string subcommand, double seconds, string? condition = null, CancellationToken ct = default) =>
        host.ExecInsideAsync($"mkdir -p {ControlDirectory} && cat > {ControlDirectory}/delay-{tool}-{subcommand}",
            seconds.ToString(CultureInfo.InvariantCulture) + "\n" + (condition ?? "") + "\n", ct: ct);

    public static bool IsDelaying(TestHost host, string tool, string subcommand) =>
        File.Exists(host.DiskPath($"{LogDirectory}/delaying-{tool}-{subcommand}"));

    /// <summary>Waits until a stand-in sleeps in its delay (see <see cref="DelayAsync"/>).</summary>
    public static async Task WaitDelayingAsync(TestHost host, string tool, string subcommand, TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!IsDelaying(host, tool, subcommand))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{host.Name}: {tool} {subcommand} did not start its delay within {timeout.TotalSeconds} s");
            await Task.Delay(20, ct);
        }
    }

    public static Task ClearControlsAsync(TestHost host, CancellationToken ct = default) =>
        host.ExecInsideAsync($"rm -rf {ControlDirectory}", ct: ct);

    /// <summary>The calls the stand-ins recorded on a host, read from its disk (also while it is powered off).</summary>
    public static IReadOnlyList<StandInCall> Calls(TestHost host)
    {
        var text = host.ReadDiskFile(CallsFile);
        if (text is null) return [];
        var calls = new List<StandInCall>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            calls.Add(new StandInCall(host.Name, f[2],
                double.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[1], CultureInfo.InvariantCulture), f[3],
                f.Length > 4 && f[4].Length > 0 ? f[4].Split(' ') : []));
        }
        return calls;
    }

    /// <summary>A file a stand-in saved (a path from <see cref="StandInCall.Files"/>), read from the host's disk.</summary>
    public static string SavedFile(TestHost host, string path) =>
        host.ReadDiskFile(path) ?? throw new FileNotFoundException($"{host.Name}: the stand-in saved no {path}");
}

/// <summary>
/// A <c>packages.source: bundle</c> folder made of the stand-ins: kubeadm, kubelet, kubectl, the CNI plugins' and
/// Helm's archives, the machine's own runc, and a containerd archive whose <c>bin/containerd</c> runs the machine's
/// containerd (Debian's 1.6) under the version the plan expects.
/// </summary>
public static class StandInBundle
{
    /// <param name="chartArchives">The chart archives the workloads phase installs (names only: the stand-in helm never reads them).</param>
    public static async Task WriteAsync(string folder, string kubernetesVersion, string cniVersion, string containerdVersion, string helmVersion,
        IEnumerable<string>? chartArchives = null, CancellationToken ct = default)
    {
        Directory.CreateDirectory(folder);
        foreach (var chart in chartArchives ?? [])
        {
            await File.WriteAllTextAsync(Path.Join(folder, chart), $"stand-in for the chart archive {chart}\n", ct);
        }
        var files = KubernetesStandIns.Files(kubernetesVersion, cniVersion);
        foreach (var tool in new[] { "kubeadm", "kubelet", "kubectl" })
        {
            await File.WriteAllTextAsync(Path.Join(folder, tool), files[$"{KubernetesStandIns.BinDirectory}/{tool}"], ct);
        }
        File.Copy("/usr/sbin/runc", Path.Join(folder, "runc.amd64"), overwrite: true);
        var work = Directory.CreateTempSubdirectory("infra-bundle-").FullName;
        try
        {
            var cni = Path.Join(work, "cni");
            Directory.CreateDirectory(cni);
            foreach (var p in KubernetesStandIns.CniPlugins)
            {
                await File.WriteAllTextAsync(Path.Join(cni, p), files[$"{KubernetesStandIns.CniDirectory}/{p}"], ct);
                File.SetUnixFileMode(Path.Join(cni, p), (UnixFileMode)0b111_101_101);
            }
            var containerd = Path.Join(work, "containerd", "bin");
            Directory.CreateDirectory(containerd);
            await File.WriteAllTextAsync(Path.Join(containerd, "containerd"), $$"""
                #!/bin/sh
                # infra test stand-in for containerd {{containerdVersion}} from a bundle: the machine's containerd runs.
                if [ "${1:-}" = --version ]; then
                  echo 'containerd github.com/containerd/containerd/v2 v{{containerdVersion}} stand-in'
                  exit 0
                fi
                exec /usr/bin/containerd "$@"

                """, ct);
            File.SetUnixFileMode(Path.Join(containerd, "containerd"), (UnixFileMode)0b111_101_101);
            var helm = Path.Join(work, "helm", "linux-amd64");
            Directory.CreateDirectory(helm);
            await File.WriteAllTextAsync(Path.Join(helm, "helm"), files[$"{KubernetesStandIns.BinDirectory}/helm"], ct);
            File.SetUnixFileMode(Path.Join(helm, "helm"), (UnixFileMode)0b111_101_101);
            await ProcessRunner.RunAsync("/usr/bin/tar", ["-czf", Path.Join(folder, $"helm-{helmVersion}-linux-amd64.tar.gz"), "-C", Path.Join(work, "helm"), "linux-amd64"], ct: ct);
            var cniVersionTag = cniVersion.TrimStart('v');
            await ProcessRunner.RunAsync("/usr/bin/tar", ["-czf", Path.Join(folder, $"cni-plugins-linux-amd64-v{cniVersionTag}.tgz"), "-C", cni, "."], ct: ct);
            await ProcessRunner.RunAsync("/usr/bin/tar", ["-czf", Path.Join(folder, $"containerd-{containerdVersion}-linux-amd64.tar.gz"), "-C", Path.Join(work, "containerd"), "bin"], ct: ct);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
