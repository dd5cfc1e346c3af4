using Spectre.Console;

namespace Infra.Cli;

/// <summary>
/// Where a command writes (stdout and stderr, each an <see cref="IAnsiConsole"/>) and what it may ask; commands take it in
/// their constructors (<see cref="TypeRegistrar"/>), and tests run commands in-process with their own.
/// </summary>
public sealed class CliEnvironment
{
    public required IAnsiConsole Out { get; init; }
    public required IAnsiConsole Err { get; init; }
    /// <summary>A person can answer questions (stdin is a terminal).</summary>
    public required bool Interactive { get; init; }
    public required string WorkingDirectory { get; init; }
    public required IReadOnlyDictionary<string, string> Variables { get; init; }
    /// <summary>Reads one answer when <see cref="Interactive"/>.</summary>
    public Func<string?> ReadLine { get; init; } = Console.ReadLine;
    /// <summary>Standard input, for "--from -".</summary>
    public Func<TextReader> Stdin { get; init; } = () => Console.In;

    public string? Variable(string name) => Variables.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    public static CliEnvironment FromProcess()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            variables[(string)e.Key] = (string?)e.Value ?? "";
        }
        return new CliEnvironment
        {
            Out = CreateConsole(System.Console.Out, System.Console.IsOutputRedirected, variables),
            Err = CreateConsole(System.Console.Error, System.Console.IsErrorRedirected, variables),
            Interactive = !System.Console.IsInputRedirected,
            WorkingDirectory = Directory.GetCurrentDirectory(),
            Variables = variables,
        };
    }

    /// <summary>Colour only on a terminal, and never with NO_COLOR set.</summary>
    public static IAnsiConsole CreateConsole(TextWriter writer, bool redirected, IReadOnlyDictionary<string, string> variables)
    {
        var plain = redirected || variables.ContainsKey("NO_COLOR") || variables.GetValueOrDefault("TERM") == "dumb";
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = plain ? InteractionSupport.No : InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(writer),
        });
        // Lines that tools parse (diagnostics, plans in CI logs) must not be wrapped at 80 columns.
        if (redirected) console.Profile.Width = 4096;
        return console;
    }

    /// <summary>
    /// Asks before a command changes hosts. With --yes: proceed. With no terminal: refuse at once (exit 2) rather
    /// than wait. A "no" returns false (the command exits 1 with nothing changed).
    /// </summary>
    public bool Confirm(string question, bool yes)
    {
        if (yes) return true;
        if (!Interactive) throw new BadInputException($"{question} — no terminal to ask on: pass --yes to proceed");
        Err.Markup($"{Markup.Escape(question)} [[y/N]] ");
        var answer = ReadLine()?.Trim().ToLowerInvariant();
        return answer is "y" or "yes";
    }
}
