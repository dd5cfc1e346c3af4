using System.Text;
using Infra.Cli.App;
using Infra.TestKit;
using Spectre.Console;

namespace Infra.Cli.Tests;

/// <summary>Runs the infra command in-process with captured output.</summary>
internal sealed class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Err);

    /// <param name="terminal">stdout and stderr behave as a terminal that can redraw (ANSI, interactive).</param>
    /// <param name="clock">The run's clock (the system's when null).</param>
    public static Result Run(string workingDirectory, string[] args, bool interactive = false, string? answer = null,
        IReadOnlyDictionary<string, string>? variables = null, bool terminal = false, string? stdin = null, TimeProvider? clock = null)
    {
        var outText = new StringWriter(new StringBuilder());
        var errText = new StringWriter(new StringBuilder());
        // Never touch the real user's secrets folder: every run gets one that does not exist unless a test names one.
        var vars = new Dictionary<string, string>(variables ?? new Dictionary<string, string>());
        vars.TryAdd("INFRA_SECRETS_DIR", Path.Combine(Path.GetTempPath(), "infra-test-no-secrets-" + Guid.NewGuid().ToString("N")));
        var env = new CliEnvironment
        {
            Out = terminal ? Terminal(outText) : CliEnvironment.CreateConsole(outText, redirected: true, vars),
            Err = terminal ? Terminal(errText) : CliEnvironment.CreateConsole(errText, redirected: true, vars),
            Interactive = interactive,
            WorkingDirectory = workingDirectory,
            Variables = vars,
            ReadLine = () => answer,
            Stdin = () => new StringReader(stdin ?? ""),
        };
        var code = InfraApp.Run(args, env, clock);
        return new Result(code, outText.ToString(), errText.ToString());
    }

    public static Result Run(params string[] args) => Run(Repo.Root, args);

    /// <summary>An environment writing to <paramref name="output"/> as a command's stdout and stderr without a terminal (CI).</summary>
    public static CliEnvironment Plain(StringWriter output) => new()
    {
        Out = CliEnvironment.CreateConsole(output, redirected: true, new Dictionary<string, string>()),
        Err = CliEnvironment.CreateConsole(output, redirected: true, new Dictionary<string, string>()),
        Interactive = false,
        WorkingDirectory = Repo.Root,
        Variables = new Dictionary<string, string>(),
    };

    private static IAnsiConsole Terminal(TextWriter writer) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.Yes,
        ColorSystem = ColorSystemSupport.Standard,
        Interactive = InteractionSupport.Yes,
        Out = new AnsiConsoleOutput(writer),
    });
}

/// <summary>A temporary folder removed after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("infra-test-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() => Directory.Delete(Path, recursive: true);
}
