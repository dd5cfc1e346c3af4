using System.ComponentModel;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

/// <summary>Options of every command that reaches hosts.</summary>
public class HostSettings : SecretsSettings
{
    [CommandOption("--hosts <NAMES>")]
    [Description("Only these hosts (comma-separated names).")]
    public string? Hosts { get; init; }

    [CommandOption("--inventory <FILE>")]
    // Help text is Spectre markup: [[ ]] print as [ ].
    [Description("Cloud stacks: the hosts the Pulumi program created ({\"hosts\": [[...]]}, its 'inventory' output).")]
    public string? Inventory { get; init; }

    [CommandOption("-y|--yes")]
    [Description("Do not ask before changing hosts.")]
    public bool Yes { get; init; }

    [CommandOption("--concurrency <N>")]
    [Description("Hosts worked on at once (1 to 1000).")]
    [DefaultValue(20)]
    public int Concurrency { get; init; } = 20;

    [CommandOption("--verbose")]
    [Description("Also print the SSH layer's log on stderr: connection attempts and retries, each command with its exit code and time.")]
    public bool Verbose { get; init; }

    [CommandOption("--break-lock")]
    [Description("Remove a lock left by a run that is gone (the lock says who held it and since when).")]
    public bool BreakLock { get; init; }

    public const int MaxConcurrency = 1000;

    public override Spectre.Console.ValidationResult Validate()
    {
        if (Concurrency is < 1 or > MaxConcurrency) return Spectre.Console.ValidationResult.Error($"--concurrency is a number from 1 to {MaxConcurrency}, not {Concurrency}");
        // An empty filter (an unset CI variable) must never mean "every host".
        if (Hosts is not null && ClusterContext.SplitList(Hosts).Count == 0)
        {
            return Spectre.Console.ValidationResult.Error("--hosts: no host names given; leave --hosts out to act on every host");
        }
        if (Hosts is not null && Hosts.Split(',').Any(h => h.Trim().Length == 0))
        {
            return Spectre.Console.ValidationResult.Error($"--hosts: '{StackNames.Shorten(Hosts)}' has an empty name; give names separated by single commas");
        }
        return base.Validate();
    }
}
