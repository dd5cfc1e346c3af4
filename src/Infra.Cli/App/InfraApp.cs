using System.Reflection;
using Infra.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.App;

/// <summary>The <c>infra</c> command tree.</summary>
public static class InfraApp
{
    /// <summary>Every command's words (as typed after <c>infra</c>) and its settings type: for "did you mean" and the help tests.</summary>
    public static IReadOnlyDictionary<string, Type> Commands => CommandSettingsTypes;

    private static readonly Dictionary<string, Type> CommandSettingsTypes = new(StringComparer.Ordinal);

    /// <summary>The tool's version (the assembly's informational version without the source revision).</summary>
    public static string Version { get; } =
        (typeof(InfraApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    /// <summary>Runs one command line; commands get <paramref name="env"/> and the clock through their constructors.</summary>
    public static int Run(string[] args, CliEnvironment env, TimeProvider? clock = null)
    {
        var registrar = new TypeRegistrar();
        registrar.RegisterInstance(typeof(CliEnvironment), env);
        registrar.RegisterInstance(typeof(TimeProvider), clock ?? TimeProvider.System);
        registrar.Register(typeof(ClusterLoader), typeof(ClusterLoader));
        var app = new CommandApp(registrar);
        app.Configure(c =>
        {
            c.SetApplicationName("infra");
            c.SetApplicationVersion(Version);
            c.ConfigureConsole(env.Out);
            // An unknown option is an error, never ignored: a typo must not widen what a command does.
            c.UseStrictParsing();
            Add<ValidateCommand>(c, "validate", "Check a stack file offline and report every problem at once.")
                .WithExample("validate", "--stack", "dev");
            Add<PlanCommand>(c, "plan", "Show what the tool would do, offline; --out writes plan.json and every artifact.")
                .WithExample("plan", "--stack", "dev", "--out", "out/dev");
            Add<ApplyCommand>(c, "apply", "Converge the hosts over SSH: shows the changes per host and asks first (--yes in CI).")
                .WithExample("apply", "--stack", "dev", "--phase", "prepare");
            Add<StatusCommand>(c, "status", "Each host's journal, reachability and drift, and the cluster's health; changes nothing.");
            Add<ResetCommand>(c, "reset", "Undo what the tool did on hosts (kubeadm reset, services, files, journal).");
            Add<KubeconfigCommand>(c, "kubeconfig", "Write the admin kubeconfig from the first control plane (mode 0600).");
            c.AddBranch("hosts", b =>
            {
                b.SetDescription(Markup.Escape("Hosts outside any stack."));
                Add<HostsScanCommand>(b, "hosts scan", "Print the host keys hosts present, as hostKey: lines to check and paste.");
            });
            c.AddBranch("etcd", b =>
            {
                b.SetDescription(Markup.Escape("The cluster's etcd: members and health, snapshots, restore (external members or the control planes' stacked etcd)."));
                Add<EtcdStatusCommand>(b, "etcd status", "Members, leader, health, database size and alarms; exit 1 unless every member is healthy.");
                Add<EtcdSnapshotCommand>(b, "etcd snapshot", "Take a verified snapshot from a healthy member, written 0600.")
                    .WithExample("etcd", "snapshot", "--stack", "prod", "--out", "prod-etcd.db");
                Add<EtcdRestoreCommand>(b, "etcd restore", "Restore every member from a snapshot as a new cluster (asks first; --yes in scripts).")
                    .WithExample("etcd", "restore", "--stack", "prod", "--from", "prod-etcd.db");
                b.AddBranch("backups", bb =>
                {
                    bb.SetDescription(Markup.Escape("The scheduled snapshots the members keep (etcd.backup)."));
                    Add<EtcdBackupsListCommand>(bb, "etcd backups list", "Per member: the snapshots it keeps, their age, size and revision.");
                    Add<EtcdBackupsPullCommand>(bb, "etcd backups pull", "Copy the newest snapshot of the cluster into a folder, SHA-256 checked, written 0600.")
                        .WithExample("etcd", "backups", "pull", "--stack", "prod", "--out", "backups");
                });
            });
            c.AddBranch("certs", b =>
            {
                b.SetDescription(Markup.Escape("The certificates on the hosts: the tool's, kubeadm's and the CAs."));
                Add<CertsCheckCommand>(b, "certs check", "Every certificate on every host with its expiry; exit 1 when one expires within --within days (default 30).")
                    .WithExample("certs", "check", "--stack", "prod", "--within", "60");
                Add<CertsRenewCommand>(b, "certs renew", "Renew the leaf certificates from the kept CAs (kept secrets first), then restart what uses them one host at a time behind a health gate.")
                    .WithExample("certs", "renew", "--stack", "prod", "--yes");
            });
            c.AddBranch("secrets", b =>
            {
                b.SetDescription(Markup.Escape("The cluster's kept secrets (CAs, keys, cloud VM host keys), outside the repository."));
                Add<SecretsInitCommand>(b, "secrets init", "Create the kept secrets, or what is missing of them.");
                Add<SecretsImportCommand>(b, "secrets import", "Fill the secrets folder from a Pulumi stack's clusterSecrets output.");
                b.AddBranch("set", bb =>
                {
                    bb.SetDescription(Markup.Escape("Keep a secret the stack refers to but never holds."));
                    Add<SecretsSetAlertReceiverCommand>(bb, "secrets set alert-receiver",
                        "Keep an alert receiver's secret (webhook-url, slack-api-url, email-password), read from a file or stdin, never from the command line.")
                        .WithExample("secrets", "set", "alert-receiver", "webhook-url", "--stack", "prod", "--from-file", "-");
                });
                b.AddBranch("rotate", bb =>
                {
                    bb.SetDescription(Markup.Escape("Replace a kept key on a running cluster."));
                    Add<SecretsRotateEncryptionKeyCommand>(bb, "secrets rotate encryption-key",
                        "A new secrets-encryption key: added, made first, every Secret rewritten, the old one dropped; API servers restarted one at a time, resumable.")
                        .WithExample("secrets", "rotate", "encryption-key", "--stack", "prod", "--yes");
                });
            });
            c.SetExceptionHandler((ex, _) => HandleError(env, ex, args));
        });
        return app.Run(JoinStdinValues(args));
    }

    // Help text is Spectre markup: descriptions are escaped so that brackets in them print as written.
    private static ICommandConfigurator Add<TCommand>(IConfigurator c, string words, string description) where TCommand : class, ICommand =>
        Register<TCommand>(words, c.AddCommand<TCommand>(words).WithDescription(Markup.Escape(description)));

    private static ICommandConfigurator Add<TCommand>(IConfigurator<CommandSettings> b, string words, string description) where TCommand : class, ICommandLimiter<CommandSettings> =>
        Register<TCommand>(words, b.AddCommand<TCommand>(words.Split(' ')[^1]).WithDescription(Markup.Escape(description)));

    private static ICommandConfigurator Register<TCommand>(string words, ICommandConfigurator configured)
    {
        lock (CommandSettingsTypes) CommandSettingsTypes[words] = SettingsType(typeof(TCommand));
        return configured;
    }

    private static Type SettingsType(Type command)
    {
        for (var t = command; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericArguments() is [var settings] && typeof(CommandSettings).IsAssignableFrom(settings)) return settings;
        }
        throw new InvalidOperationException($"{command.Name} has no settings type");
    }

    /// <summary>The long option names a settings type accepts.</summary>
    public static IEnumerable<string> LongOptions(Type settings) =>
        settings.GetProperties().Select(p => p.GetCustomAttribute<CommandOptionAttribute>()).OfType<CommandOptionAttribute>()
            .SelectMany(o => o.LongNames).Append("help");

    /// <summary>
    /// "--from -" as README documents it: the parser reads a lone "-" as an option without a name, so an
    /// option's value "-" (stdin) is handed over joined, as "--from=-".
    /// </summary>
    private static string[] JoinStdinValues(string[] args)
    {
        var joined = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i].Length > 2 && !args[i].Contains('=', StringComparison.Ordinal)
                && i + 1 < args.Length && args[i + 1] == "-")
            {
                joined.Add(args[i] + "=-");
                i++;
                continue;
            }
            joined.Add(args[i]);
        }
        return [.. joined];
    }

    private static int HandleError(CliEnvironment env, Exception ex, string[] args)
    {
        switch (ex)
        {
            case BadInputException or Core.Model.NodeProgramException or Core.Workloads.WorkloadPlanException:
                env.Err.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return ExitCodes.BadInput;
            case CommandParseException or CommandRuntimeException:
                env.Err.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message.TrimEnd('.'))}{Markup.Escape(OptionSuggestion(ex.Message, args))}");
                env.Err.MarkupLine(Markup.Escape($"Run 'infra {CommandWords(args)}{(CommandWords(args).Length > 0 ? " " : "")}--help' for usage."));
                return ExitCodes.BadInput;
            case OperationCanceledException:
                env.Err.MarkupLine("[yellow]cancelled[/]");
                return ExitCodes.Failed;
            default:
                env.Err.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return ExitCodes.Failed;
        }
    }

    /// <summary>The command named by the leading words of the command line ("etcd status"), or "".</summary>
    private static string CommandWords(string[] args)
    {
        var words = "";
        foreach (var a in args.TakeWhile(a => !a.StartsWith('-')))
        {
            var next = words.Length == 0 ? a : words + " " + a;
            if (!CommandSettingsTypes.Keys.Any(k => k == next || k.StartsWith(next + " ", StringComparison.Ordinal))) break;
            words = next;
        }
        return words;
    }

    /// <summary>"; did you mean '--hosts'?" for an unknown option of a known command.</summary>
    private static string OptionSuggestion(string message, string[] args)
    {
        const string prefix = "Unknown option '";
        if (!message.StartsWith(prefix, StringComparison.Ordinal)) return "";
        var name = message[prefix.Length..].Split('\'')[0];
        if (!CommandSettingsTypes.TryGetValue(CommandWords(args), out var settings)) return "";
        return Core.Diagnostics.Suggest.Closest(name, LongOptions(settings)) is { } s ? $"; did you mean '--{s}'?" : "";
    }
}
