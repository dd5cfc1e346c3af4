using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Infra.Ssh;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class HostsScanSettings : CommandSettings
{
    [CommandArgument(0, "<ADDRESS>")]
    [Description("Hosts to scan: ADDRESS or ADDRESS:PORT, several allowed.")]
    public string[] Addresses { get; init; } = [];

    [CommandOption("--timeout <SECONDS>")]
    [Description("Seconds to wait for each host (1 to 300).")]
    [DefaultValue(10)]
    public int TimeoutSeconds { get; init; } = 10;

    public const int MaxTimeoutSeconds = 300;

    public override Spectre.Console.ValidationResult Validate() =>
        TimeoutSeconds is < 1 or > MaxTimeoutSeconds
            ? Spectre.Console.ValidationResult.Error($"--timeout is a number of seconds from 1 to {MaxTimeoutSeconds}, not {TimeoutSeconds}")
            : Spectre.Console.ValidationResult.Success();
}

/// <summary>
/// <c>infra hosts scan</c>: prints the keys hosts present as <c>hostKey:</c> lines. Scanning is trust on first
/// use by nature: a person must check the fingerprints out of band before pasting them into a stack.
/// </summary>
internal sealed class HostsScanCommand(CliEnvironment env) : AsyncCommand<HostsScanSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, HostsScanSettings settings, CancellationToken cancellationToken)
    {
        var failed = false;
        // Every address is checked before any host is asked.
        var targets = settings.Addresses.Select(t => (Target: t, Parsed: Split(t))).ToList();
        foreach (var (target, (address, port)) in targets)
        {
            try
            {
                var keys = await HostKeyScanner.ScanAsync(address, port, TimeSpan.FromSeconds(settings.TimeoutSeconds), cancellationToken);
                env.Out.WriteLine($"# {target}: check these fingerprints on the host itself (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) before use");
                foreach (var k in keys)
                {
                    env.Out.WriteLine($"#   {k.Algorithm} {k.Fingerprint}");
                    env.Out.WriteLine(k.StackLine);
                }
            }
            catch (SshTransportException e)
            {
                failed = true;
                env.Err.MarkupLine($"[red]{Markup.Escape(target)}:[/] {Markup.Escape(e.Message)}");
            }
        }
        return failed ? ExitCodes.Failed : ExitCodes.Ok;
    }

    /// <summary>ADDRESS, ADDRESS:PORT, [IPv6]:PORT, [IPv6] or a bare IPv6 address (port 22).</summary>
    internal static (string Address, int Port) Split(string target)
    {
        string host;
        string? port = null;
        if (target.StartsWith('['))
        {
            var close = target.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) throw new BadInputException($"'{StackNames.Shorten(target)}': no ']' after the IPv6 address; write [ADDRESS]:PORT");
            host = target[1..close];
            var rest = target[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':') throw new BadInputException($"'{StackNames.Shorten(target)}': after ']' comes ':PORT' or nothing");
                port = rest[1..];
            }
            if (!IPAddress.TryParse(host, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6 || host.Contains('%', StringComparison.Ordinal))
            {
                throw new BadInputException($"'{StackNames.Shorten(target)}': '{StackNames.Shorten(host)}' in brackets is not an IPv6 address (zone ids are not accepted)");
            }
        }
        else if (target.Count(c => c == ':') == 1)
        {
            var colon = target.IndexOf(':', StringComparison.Ordinal);
            host = target[..colon];
            port = target[(colon + 1)..];
        }
        else
        {
            host = target;
            if (target.Contains(':', StringComparison.Ordinal)
                && (!IPAddress.TryParse(target, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6 || target.Contains('%', StringComparison.Ordinal)))
            {
                throw new BadInputException($"'{StackNames.Shorten(target)}': not an address; write ADDRESS, ADDRESS:PORT or [IPv6]:PORT");
            }
        }
        if (host.Length == 0 || host.Length > 253 || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or '\\' or '@' or '[' or ']'))
        {
            throw new BadInputException($"'{StackNames.Shorten(target)}': '{StackNames.Shorten(host)}' is not a host name or address");
        }
        var number = 22;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number is < 1 or > 65535))
        {
            throw new BadInputException($"'{StackNames.Shorten(target)}': the port is not a number from 1 to 65535");
        }
        return (host, number);
    }
}
