using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

/// <summary><c>infra validate</c>: every problem at once on stderr and exit 2, or a one-line summary and exit 0.</summary>
internal sealed class ValidateCommand(CliEnvironment env) : Command<StackSettings>
{
    public override int Execute(CommandContext context, StackSettings settings, CancellationToken cancellationToken)
    {
        var result = StackLoader.Load(settings, env, allowEmbeddedDefault: true);
        if (settings.NamesNoStack && !settings.Json) env.Err.MarkupLine(Markup.Escape($"no --stack or --file: read the built-in dev stack ({result.File})"));
        if (settings.Json) env.Out.Profile.Out.Writer.WriteLine(DiagnosticsPrinter.Json(result));
        else DiagnosticsPrinter.Print(env, result);
        if (!result.IsValid)
        {
            if (!settings.Json) env.Err.MarkupLine($"[red]{Markup.Escape(result.File)}: {result.Errors.Count()} error(s)[/]");
            return ExitCodes.BadInput;
        }
        if (!settings.Json)
        {
            var s = result.Spec!;
            env.Out.MarkupLine($"[green]valid:[/] {Markup.Escape(Summary.Line(s, result.File))}");
        }
        return ExitCodes.Ok;
    }
}
