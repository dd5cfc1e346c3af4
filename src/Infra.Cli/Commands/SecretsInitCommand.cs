using Infra.Core.Pki;
using Infra.Core.Planning;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

/// <summary><c>infra secrets init</c>: creates the cluster's PKI and keys once; later runs add only what is missing.</summary>
internal sealed class SecretsInitCommand(CliEnvironment env, TimeProvider clock) : Command<SecretsSettings>
{
    public override int Execute(CommandContext context, SecretsSettings settings, CancellationToken cancellationToken)
    {
        var result = StackLoader.Load(settings, env);
        if (!DiagnosticsPrinter.Report(env, result, settings.Json)) return ExitCodes.BadInput;
        var spec = result.Spec!;
        var dir = SecretsFolder.Resolve(settings.SecretsDir, env, SecretsFolder.StackName(result.File, spec));
        var existing = SecretsFolder.Load(dir);
        var ensured = ClusterPki.EnsureWithChanges(spec, HostInventory.Plan(spec), existing, clock.GetUtcNow());
        if (ensured.Changes.Count > 0) SecretsFolder.Save(dir, ensured.Secrets);
        if (settings.Json)
        {
            SecretsJson.Write(env, new
            {
                folder = dir,
                complete = ensured.Changes.Count == 0,
                changes = ensured.Changes.Select(c => new { kind = c.Kind.ToString().ToLowerInvariant(), name = c.Name, reason = c.Reason }),
            });
            return ExitCodes.Ok;
        }
        if (ensured.Changes.Count == 0)
        {
            env.Out.MarkupLine($"kept secrets in {Markup.Escape(dir)} are complete: nothing to do");
            return ExitCodes.Ok;
        }
        foreach (var change in ensured.Changes)
        {
            env.Out.MarkupLine($"  {change.Kind.ToString().ToLowerInvariant()} {Markup.Escape(change.Name)}: {Markup.Escape(change.Reason)}");
        }
        env.Out.MarkupLine($"wrote kept secrets to {Markup.Escape(dir)} (mode 0700, files 0600)");
        return ExitCodes.Ok;
    }
}
