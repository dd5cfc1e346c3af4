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
            case BadInputException:
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
