using System.ComponentModel;
using System.Globalization;
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
    [DefaultValue(10)]
    public int TimeoutSeconds { get; init; } = 10;
}

/// <summary>
/// <c>infra hosts scan</c>: prints the keys hosts present as <c>hostKey:</c> lines. Scanning is trust on first
/// use by nature: a person must check the fingerprints out of band before pasting them into a stack.
/// </summary>
public sealed class HostsScanCommand : AsyncCommand<HostsScanSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, HostsScanSettings settings, CancellationToken cancellationToken)
    {
        var env = CliEnvironment.Current;
        var failed = false;
        foreach (var target in settings.Addresses)
        {
            var (address, port) = Split(target);
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

    private static (string Address, int Port) Split(string target)
    {
        var colon = target.LastIndexOf(':');
        if (colon > 0 && !target.EndsWith(']') && target.Count(c => c == ':') == 1)
        {
            if (!int.TryParse(target[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new BadInputException($"'{target}': the port is not a number from 1 to 65535");
            }
            return (target[..colon], port);
        }
        return (target.Trim('[', ']'), 22);
    }
}
