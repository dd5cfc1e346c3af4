using Infra.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli;

/// <summary>The <c>infra</c> command tree.</summary>
public static class InfraApp
{
    public static int Run(string[] args, CliEnvironment env)
    {
        CliEnvironment.Current = env;
        var app = new CommandApp();
        app.Configure(c =>
        {
            c.SetApplicationName("infra");
            c.ConfigureConsole(env.Out);
            c.AddCommand<ValidateCommand>("validate")
                .WithDescription("Check a stack file offline and report every problem at once.")
                .WithExample("validate", "--stack", "dev");
            c.AddCommand<PlanCommand>("plan")
                .WithDescription("Show what the tool would do, offline; --out writes plan.json and every artifact.")
                .WithExample("plan", "--stack", "dev", "--out", "out/dev");
            c.AddCommand<ApplyCommand>("apply")
                .WithDescription("Converge the hosts over SSH: shows the changes per host and asks first (--yes in CI).")
                .WithExample("apply", "--stack", "dev", "--phase", "prepare");
            c.AddCommand<StatusCommand>("status").WithDescription("Each host's journal, reachability and drift; changes nothing.");
            c.AddCommand<ResetCommand>("reset").WithDescription("Undo what the tool did on hosts (kubeadm reset, services, files, journal).");
            c.AddCommand<KubeconfigCommand>("kubeconfig").WithDescription("Write the admin kubeconfig from the first control plane (mode 0600).");
            c.AddBranch("hosts", b =>
            {
                b.SetDescription("Hosts outside any stack.");
                b.AddCommand<HostsScanCommand>("scan").WithDescription("Print the host keys hosts present, as hostKey: lines to check and paste.");
            });
            c.AddBranch("etcd", b =>
            {
                b.SetDescription("The cluster's etcd: members and health, snapshots, restore (external members or the control planes' stacked etcd).");
                b.AddCommand<EtcdStatusCommand>("status").WithDescription("Members, leader, health, database size and alarms; exit 1 unless every member is healthy.");
                b.AddCommand<EtcdSnapshotCommand>("snapshot").WithDescription("Take a verified snapshot from a healthy member, written 0600.")
                    .WithExample("etcd", "snapshot", "--stack", "prod", "--out", "prod-etcd.db");
                b.AddCommand<EtcdRestoreCommand>("restore").WithDescription("Restore every member from a snapshot as a new cluster (asks first; --yes in scripts).")
                    .WithExample("etcd", "restore", "--stack", "prod", "--from", "prod-etcd.db");
            });
            c.AddBranch("secrets", b =>
            {
                b.SetDescription("The cluster's kept secrets (CAs, keys, cloud VM host keys), outside the repository.");
                b.AddCommand<SecretsInitCommand>("init").WithDescription("Create the kept secrets, or what is missing of them.");
                b.AddCommand<SecretsImportCommand>("import").WithDescription("Fill the secrets folder from a Pulumi stack's clusterSecrets output.");
            });
            c.SetExceptionHandler((ex, _) => HandleError(env, ex));
        });
        return app.Run(args);
    }

    private static int HandleError(CliEnvironment env, Exception ex)
    {
        switch (ex)
        {
            case BadInputException or Core.NodePrograms.NodeProgramException or Core.Workloads.WorkloadPlanException:
                env.Err.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return ExitCodes.BadInput;
            case CommandParseException or CommandRuntimeException:
                env.Err.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                env.Err.MarkupLine("Run 'infra --help' for usage.");
                return ExitCodes.BadInput;
            case OperationCanceledException:
                env.Err.MarkupLine("[yellow]cancelled[/]");
                return ExitCodes.Failed;
            default:
                env.Err.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return ExitCodes.Failed;
        }
    }
}
