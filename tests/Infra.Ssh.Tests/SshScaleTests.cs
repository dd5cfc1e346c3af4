using System.Diagnostics;
using Infra.TestHosts;
using Infra.TestKit;
using Xunit.Abstractions;

namespace Infra.Ssh.Tests;

public sealed class TwentyHosts() : HostsFixture("scale",
    [.. Enumerable.Range(1, 20).Select(i => new TestHostOptions { Name = $"node{i}" })]);

public sealed class SshScaleTests(TwentyHosts hosts, ITestOutputHelper output) : IClassFixture<TwentyHosts>
{
    [RealHostFact]
    public async Task RunAsync_TwentyHostsTenCommandsEach_AllSucceedOnOneConnectionPerHost()
    {
        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(hosts.Network.Hosts.Select(async host =>
        {
            await using var ssh = await TestTargets.ConnectAsync(TestTargets.For(host));
            var outputs = new List<string>();
            for (var i = 0; i < 10; i++)
            {
                var r = await ssh.RunAsync($"echo \"$(hostname) {i} $SSH_CONNECTION\"");
                Assert.Equal(0, r.ExitCode);
                outputs.Add(r.Stdout);
            }
            return (host.Name, outputs);
        }));
        watch.Stop();
        output.WriteLine($"20 hosts x 10 commands: {watch.ElapsedMilliseconds} ms");

        foreach (var (name, outputs) in results)
        {
            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"{name} {i}"), outputs.Select(o => string.Join(' ', o.Split(' ').Take(2))));
            Assert.Single(outputs.Select(o => o.Split(' ')[3]).Distinct());
        }
    }
}
