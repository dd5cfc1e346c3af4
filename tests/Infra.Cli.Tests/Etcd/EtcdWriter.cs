using System.Diagnostics;
using System.Globalization;
using Infra.TestHosts;

namespace Infra.Cli.Tests.Etcd;

/// <summary>
/// A writer on one etcd host, a client of every member: each key is tried up to 5 times (a bounded retry), and only a
/// write etcd acknowledged is counted as acknowledged (the writer of <see cref="CertsRenewTests"/> and <see cref="EtcdRollingRestartTests"/>).
/// Keys are <paramref name="prefix"/>N, so that tests sharing the members count only their own.
/// </summary>
internal sealed class EtcdWriter(TestHost host, IEnumerable<string> endpoints, string directory, string prefix)
{
    public async Task StartAsync(int acknowledgedFirst = 20)
    {
        await host.ExecInsideAsync($$"""
            rm -rf {{directory}} && mkdir -p {{directory}}
            cat > {{directory}}/run.sh <<'EOF'
            i=0
            while [ ! -e {{directory}}/stop ]; do
              i=$((i + 1))
              echo "$i" >> {{directory}}/attempted
              for try in 1 2 3 4 5; do
                if etcdctl --endpoints={{string.Join(",", endpoints)}} --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/healthcheck-client.crt \
                    --key=/etc/etcd/pki/healthcheck-client.key --dial-timeout=2s --command-timeout=3s put "{{prefix}}$i" "$i" >/dev/null 2>>{{directory}}/errors; then
                  echo "$i" >> {{directory}}/acknowledged
                  break
                fi
                echo "$i $try" >> {{directory}}/retried
                sleep 0.2
              done
            done
            EOF
            setsid bash {{directory}}/run.sh </dev/null >/dev/null 2>&1 &
            """);
        var started = Stopwatch.StartNew();
        while (await LinesAsync("acknowledged") < acknowledgedFirst)
        {
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"the writer acknowledged fewer than {acknowledgedFirst} writes in 30 s");
            await Task.Delay(200);
        }
    }

    public async Task<int> LinesAsync(string file) =>
        int.Parse((await host.ExecInsideAsync($"cat {directory}/{file} 2>/dev/null | wc -l")).Stdout.Trim(), CultureInfo.InvariantCulture);

    public Task StopAsync() => host.ExecInsideAsync($"touch {directory}/stop; sleep 1");

    public async Task<IReadOnlyList<string>> AcknowledgedKeysAsync() =>
        [.. (await host.ExecInsideAsync($"cat {directory}/acknowledged")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(i => prefix + i)];
}
