using Infra.Core.Spec;
using Infra.TestHosts;
using Infra.TestKit;

namespace Infra.Ssh.Tests;

/// <summary>SSH targets for harness hosts.</summary>
internal static class TestTargets
{
    /// <summary>Fast retries: the harness answers in milliseconds.</summary>
    public static readonly SshClientOptions Options = new() { ConnectRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(100) };

    /// <summary>What the Pulumi provider hands its per-host engine, for the harness's client key.</summary>
    public static Core.Planning.NodeConnection NodeConnection(TestHostNetwork network, int commandTimeoutSeconds) => new()
    {
        PrivateKey = File.ReadAllText(network.ClientKeyPath),
        ConnectTimeoutSeconds = 5,
        CommandTimeoutSeconds = commandTimeoutSeconds,
    };

    public static HostKeyPin Pin(string text) =>
        HostKeyPin.TryParse(text, out var pin, out var problem) ? pin! : throw new ArgumentException(problem);

    public static SshTarget For(TestHost host, string user = "root", bool fullKey = false, string? identity = null) => new()
    {
        Name = host.Name,
        Address = host.Address,
        Port = host.Port,
        User = user,
        HostKey = Pin(fullKey ? host.HostKey.PublicKeyLine : host.HostKey.Fingerprint),
        IdentityFile = identity ?? host.ClientKeyPath,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        CommandTimeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>A harness host as the provider's engine gets it: its address, full host key pinned, Debian 12.</summary>
    public static Core.Model.PlannedHost Planned(TestHost host, string user, params string[] roles) => new()
    {
        Name = host.Name,
        Address = host.Address,
        Port = 22,
        User = user,
        HostKey = Pin(host.HostKey.PublicKeyLine),
        Roles = roles,
        Os = OsFamily.Debian12,
    };

    public static async Task<SshConnection> ConnectAsync(SshTarget target, SshClientOptions? options = null) =>
        await SshConnection.ConnectAsync(target, options ?? Options);
}

/// <summary>A network of harness hosts for one test class; torn down after the class.</summary>
public abstract class HostsFixture(string suffix, params TestHostOptions[] hosts) : IAsyncLifetime
{
    public TestHostNetwork Network { get; private set; } = null!;
    public TestHost this[string name] => Network[name];

    public async Task InitializeAsync()
    {
        if (TestTiers.RealHostSkipReason is not null) return; // the tests are skipped: start nothing
        Network = await TestHostNetwork.CreateAsync(TestHostNetwork.PrefixFor(suffix));
        await Network.StartHostsAsync(hosts, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (Network is not null) await Network.DisposeAsync();
    }
}
