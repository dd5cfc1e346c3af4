using Infra.Core.Security;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Infra.Cli;

/// <summary>
/// <c>--verbose</c>: the SSH layer's log (connection attempts, each command with its exit code and time) on the
/// injected stderr console, one line per entry, through the redactor like every other line the tool prints.
/// </summary>
internal sealed class ConsoleLogger(IAnsiConsole console, Redactor redactor) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        var message = formatter(state, exception) + (exception is null ? "" : ": " + exception.Message);
        var (name, colour) = logLevel switch
        {
            LogLevel.Trace => ("trace", "grey"),
            LogLevel.Debug => ("debug", "grey"),
            LogLevel.Information => ("info", "default"),
            LogLevel.Warning => ("warning", "yellow"),
            _ => ("error", "red"),
        };
        console.MarkupLine($"[{colour}]{name}:[/] {Markup.Escape(redactor.Redact(message))}");
    }
}
