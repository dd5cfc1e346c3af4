using System.Collections.Concurrent;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh;
using Infra.Ssh.Engine;
using Spectre.Console;

namespace Infra.Cli.Commands;

/// <summary>A loaded stack with its kept secrets, inventory and plan, ready for the engine.</summary>
internal sealed record ClusterContext(ClusterPlan Plan, string StackName, string SecretsDir, Redactor Redactor, string? BundleDirectory)
{
    /// <summary>Loads and plans; creates missing kept secrets when <paramref name="createSecrets"/> (apply does).</summary>
    public static ClusterContext? Load(HostSettings settings, CliEnvironment env, bool createSecrets, out int exitCode)
    {
        exitCode = ExitCodes.Ok;
        var result = StackLoader.Load(settings, env);
        if (!DiagnosticsPrinter.Report(env, result, settings.Json)) { exitCode = ExitCodes.BadInput; return null; }
        var spec = result.Spec!;
        var stackName = SecretsFolder.StackName(result.File, spec);

        IReadOnlyList<HostSpec>? inventory = null;
        if (settings.Inventory is { } inv)
        {
            var full = Path.GetFullPath(inv, env.WorkingDirectory);
            if (!File.Exists(full)) throw new BadInputException($"{inv}: no such inventory file");
            var (hosts, endpoint, diagnostics) = StackReader.ReadInventoryWithEndpoint(inv, UserFile.ReadText(full, inv, "inventory file"));
            foreach (var d in diagnostics) env.Err.MarkupLine($"[red]{Markup.Escape(d.ToString())}[/]");
            if (hosts is null) { exitCode = ExitCodes.BadInput; return null; }
            inventory = hosts;
            if (spec.Target != Target.Baremetal)
            {
                // The nodes' kubeadm configuration names the cloud load balancer, which only the inventory knows.
                spec = spec with
                {
                    ControlPlane = spec.ControlPlane with
                    {
                        Endpoint = endpoint ?? throw new BadInputException($"{inv}: no 'endpoint' (the API load balancer's host:port, which the Pulumi program's inventory output carries)"),
                    },
                };
            }
        }
        else if (spec.Target != Target.Baremetal)
        {
            throw new BadInputException($"{Summary.Article(spec.Target)} {spec.Target.ToString().ToLowerInvariant()} stack reaches its VMs through the inventory the Pulumi program outputs: " +
                "pass --inventory FILE ('pulumi stack output inventory > inventory.json')");
        }

        var planned = inventory is null ? HostInventory.Plan(spec) : HostInventory.WithInventory(spec, inventory);
        // Bad input changes nothing, not even the local secrets folder: check the host names first.
        var names = planned.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var h in SplitList(settings.Hosts))
        {
            if (!names.Contains(h))
            {
                throw new BadInputException($"--hosts: no host '{h}' in the stack{Core.Diagnostics.Suggest.DidYouMean(h, names)}");
            }
        }
        var secretsDir = SecretsFolder.Resolve(settings.SecretsDir, env, stackName);
        var existing = SecretsFolder.Load(secretsDir);
        KeptSecrets? secrets = existing;
        if (createSecrets)
        {
            var ensured = ClusterPki.EnsureWithChanges(spec, planned, existing, DateTimeOffset.UtcNow);
            if (ensured.Changes.Count > 0)
            {
                SecretsFolder.Save(secretsDir, ensured.Secrets);
                env.Err.MarkupLine($"kept secrets: {ensured.Changes.Count} item(s) created in {Markup.Escape(secretsDir)}");
            }
            secrets = ensured.Secrets;
        }
        else if (secrets is null)
        {
            throw new BadInputException($"no kept secrets in {secretsDir}: run 'infra secrets init' (or 'infra apply', which creates them)");
        }

        spec = SecretsFolder.WithKeptAdminKey(spec, secrets, secretsDir);
        var plan = ClusterPlanner.Plan(spec, secrets, inventory, BundleFolder.Read(spec, result.File, env));
        var redactor = new Redactor();
        redactor.Add(env.Variable(SshClientOptions.SudoPasswordVariable));
        redactor.Add(env.Variable(SshClientOptions.PassphraseVariable));
        return new ClusterContext(plan, stackName, secretsDir, redactor, BundleFolder.Resolve(spec, result.File, env));
    }

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
