using System.Collections.Concurrent;
using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Ssh;
using Infra.Ssh.Engine;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Infra.Cli.Commands;

/// <summary>A loaded stack with its kept secrets, inventory and plan, ready for the engine.</summary>
/// <param name="Logger">Where the SSH layer logs (stderr with --verbose, else nowhere).</param>
internal sealed record ClusterContext(ClusterPlan Plan, string StackName, string SecretsDir, Redactor Redactor, string? BundleDirectory, ILogger Logger)
{
    public static IReadOnlyList<string> SplitList(string? list) =>
        list is null ? [] : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Prompts at most once per identity file and once per sudo user: connections ask for every host and sudo for
    /// every command, and hosts connect in parallel.
    /// </summary>
    public SshClientOptions ClientOptions(CliEnvironment env)
    {
        var answers = new ConcurrentDictionary<string, Lazy<string>>(StringComparer.Ordinal);
        var gate = new Lock();
        string Ask(string key, string what) => answers.GetOrAdd(key, _ => new Lazy<string>(() =>
        {
            lock (gate) return Prompt(env, what);
        })).Value;
        return new()
        {
            PassphrasePrompt = env.Interactive ? file => Ask("passphrase " + file, $"passphrase for {file}") : null,
            SudoPasswordPrompt = env.Interactive ? (_, user) => Ask("sudo " + user, $"sudo password for {user}") : null,
            Logger = Logger,
        };
    }

    private string Prompt(CliEnvironment env, string what)
    {
        var answer = env.Err.Prompt(new TextPrompt<string>($"{Markup.Escape(what)}:").Secret());
        Redactor.Add(answer);
        return answer;
    }

    public ConvergeOptions Options(HostSettings settings, IReadOnlyList<Phase> phases, bool dryRun) => new()
    {
        Phases = phases,
        Hosts = SplitList(settings.Hosts),
        Concurrency = settings.Concurrency,
        DryRun = dryRun,
        BreakLock = settings.BreakLock,
        LockHolder = LockHolder.ForThisProcess(),
        HolderIsGone = LockHolder.IsGoneHere,
        CommandTimeout = TimeSpan.FromSeconds(Plan.Spec.Ssh.CommandTimeoutSeconds),
        BundleDirectory = BundleDirectory,
    };
}
