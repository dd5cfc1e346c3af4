namespace Infra.Cli.App;

public static class Program
{
    public static int Main(string[] args) => InfraApp.Run(args, CliEnvironment.FromProcess());
}
