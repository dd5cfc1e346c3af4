using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Infra.Ssh;

/// <summary>How connections are made: retries and where secrets come from.</summary>
public sealed record SshClientOptions
{
    public const string PassphraseVariable = "INFRA_SSH_PASSPHRASE";
    public const string SudoPasswordVariable = "INFRA_SUDO_PASSWORD";

    /// <summary>Further attempts after a failed connection (network, timeout); never after a refused key or login.</summary>
    public int ConnectRetries { get; init; } = 3;
    /// <summary>Delay before the first retry; doubled for each further one, with up to 20 % jitter.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Asked for an encrypted identity file's passphrase (key path → passphrase) when the environment has none.</summary>
    public Func<string, string?>? PassphrasePrompt { get; init; }
    /// <summary>Asked for the sudo password (host name, user → password) when the environment has none.</summary>
    public Func<string, string, string?>? SudoPasswordPrompt { get; init; }
    public ILogger Logger { get; init; } = NullLogger.Instance;
    /// <summary>
    /// While a command runs, how often the connection is checked with a cheap command of its own. A host that lost
    /// power or network sends nothing (no reset), so without checks a command would wait for its whole timeout.
    /// </summary>
    public TimeSpan LivenessInterval { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Checks in a row without an answer (each waits the connect timeout) after which the host counts as gone.</summary>
    public int LivenessMisses { get; init; } = 3;

    internal string? Passphrase(string keyPath) =>
        Environment.GetEnvironmentVariable(PassphraseVariable) is { Length: > 0 } p ? p : PassphrasePrompt?.Invoke(keyPath);

    internal string? SudoPassword(string host, string user) =>
        Environment.GetEnvironmentVariable(SudoPasswordVariable) is { Length: > 0 } p ? p : SudoPasswordPrompt?.Invoke(host, user);
}
