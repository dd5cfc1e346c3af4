using System.Diagnostics;
using System.Text;
using Infra.TestHosts;
using Infra.TestKit;

namespace Infra.Cli.Tests.Etcd;

/// <summary>
/// Six harness hosts: cp-1 (a control plane the stack needs; only its cluster lock is used) and etcd-1..etcd-5
/// with systemd, Debian's etcd-server 3.4 preinstalled. etcd-1..3 form the cluster through <c>infra apply</c> when
/// the fixture starts; etcd-4 and etcd-5 are spares for replacement tests. The stack file is rewritten from
/// <see cref="Members"/>, which tests that change membership update, so that every test starts from a healthy
/// cluster of the current members whatever the order.
/// </summary>
public sealed class EtcdHostsFixture : IAsyncLifetime
{
    public const string Prefix = "etcd";
    public static readonly string[] EtcdHosts = ["etcd-1", "etcd-2", "etcd-3", "etcd-4", "etcd-5"];

    public TestHostNetwork Network { get; private set; } = null!;
    internal TempDir Dir { get; } = new();
    public string StackFile => Dir.File("Pulumi.etcdtest.yaml");
    public string SecretsDir => Dir.File("secrets");
    /// <summary>The members the stack names now, in order.</summary>
    public List<string> Members { get; } = ["etcd-1", "etcd-2", "etcd-3"];
    public TimeSpan TimeToHealthyCluster { get; private set; }
    /// <summary>Output of the first apply (progress lines show the etcd phase's warnings).</summary>
    internal CliRunner.Result FirstApply { get; private set; } = null!;

    public TestHost this[string name] => Network[name];

    public async Task InitializeAsync()
    {
        if (TestTiers.RealHostSkipReason is not null) return; // the tests are skipped: start nothing
        Network = await TestHostNetwork.CreateAsync(TestHostNetwork.PrefixFor(Prefix));
        await Network.StartHostsAsync([
            new TestHostOptions { Name = "cp-1" },
            .. EtcdHosts.Select(h => new TestHostOptions { Name = h, Systemd = true }),
        ], CancellationToken.None);
        // A real machine boots multi-user.target, which holds the units the tool enables for boot. The test hosts boot
        // a minimal target: make it pull multi-user.target, without the machine's unrelated services.
        await Task.WhenAll(EtcdHosts.Select(h => Network[h].ExecInsideAsync("""
            set -e
            d=/etc/systemd/system
            mkdir -p $d/infra-testhost.target.d
            printf '[Unit]\nWants=multi-user.target\n' > $d/infra-testhost.target.d/boot-multi-user.conf
            for u in postgresql.service containerd.service e2scrub_reap.service getty.target systemd-logind.service; do
              ln -sf /dev/null $d/$u
            done
            systemctl daemon-reload
            """)));
        WriteStack(Members);
        var watch = Stopwatch.StartNew();
        FirstApply = ApplyMembers();
        TimeToHealthyCluster = watch.Elapsed;
        Assert.True(FirstApply.ExitCode == 0, "first apply failed:\n" + FirstApply.Out + FirstApply.Err);
    }

    public async Task DisposeAsync()
    {
        if (Network is not null) await Network.DisposeAsync();
        Dir.Dispose();
    }

    /// <summary>Writes the stack with <paramref name="members"/> as the etcd hosts (and whatever else a test adds).</summary>
    public void WriteStack(IEnumerable<string> members, Func<string, string>? edit = null)
    {
        var sb = new StringBuilder($$"""
            config:
              infra:cluster:
                name: etcdtest
                target: baremetal
                kubernetes:
                  version: "1.36.1"
                controlPlane:
                  loadBalancer: external
                network:
                  podCidr: 10.244.0.0/16
                  serviceCidr: 10.96.0.0/12
                  nodeCidr: 10.213.0.0/16
                  cni: calico
                etcd:
                  topology: external
                hosts:

            """);
        foreach (var name in members.Prepend("cp-1"))
        {
            var h = Network[name];
            sb.Append($"""
                      - name: {name}
                        address: {h.Address}
                        hostKey: "{h.HostKey.Fingerprint}"
                        roles: [{(name == "cp-1" ? "control-plane" : "etcd")}]

                """);
        }
        sb.Append($"""
                ssh:
                  identityFile: {Network.ClientKeyPath}
                  connectTimeoutSeconds: 3
                  commandTimeoutSeconds: 180
                packages:
                  source: preinstalled
                  mirrors: {"{}"}

            """);
        var text = sb.ToString();
        File.WriteAllText(StackFile, edit is null ? text : edit(text));
    }

    /// <summary>Runs infra with the fixture's stack and secrets folder.</summary>
    internal CliRunner.Result Infra(params string[] args) =>
        CliRunner.Run(Dir.Path, [.. args, "--file", StackFile, "--secrets-dir", SecretsDir], variables: new Dictionary<string, string> { ["NO_COLOR"] = "1" });

    /// <summary>apply of the prepare and etcd phases on the current members.</summary>
    internal CliRunner.Result ApplyMembers(IEnumerable<string>? hosts = null) =>
        Infra("apply", "--phase", "prepare,etcd", "--hosts", string.Join(",", hosts ?? Members), "--yes");

    /// <summary>etcdctl inside a member host, with the member's health-check client certificate.</summary>
    public async Task<ProcessResult> EtcdctlAsync(string host, string args, bool check = true, IEnumerable<string>? endpoints = null)
    {
        var eps = string.Join(",", (endpoints ?? Members).Select(m => $"https://{Network[m].Address}:2379"));
        return await Network[host].ExecInsideAsync(
            $"etcdctl --endpoints={eps} --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/healthcheck-client.crt " +
            $"--key=/etc/etcd/pki/healthcheck-client.key --dial-timeout=2s --command-timeout=5s {args}", check: check);
    }

    /// <summary>Names of the started members, sorted.</summary>
    public async Task<IReadOnlyList<string>> MemberNamesAsync(string host, IEnumerable<string>? endpoints = null)
    {
        var r = await EtcdctlAsync(host, "member list -w simple", endpoints: endpoints);
        return [.. r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(", ")[2]).Order(StringComparer.Ordinal)];
    }

    /// <summary>Waits until every current member passes a quorum read.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        ProcessResult? last = null;
        while (watch.Elapsed < timeout)
        {
            last = await EtcdctlAsync(Members[0], "endpoint health", check: false);
            if (last.ExitCode == 0) return;
            await Task.Delay(200);
        }
        Assert.Fail($"the members did not all become healthy within {timeout.TotalSeconds} s: {last?.Stdout}{last?.Stderr}");
    }
}
