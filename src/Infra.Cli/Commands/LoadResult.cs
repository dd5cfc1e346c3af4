using Infra.Core.Diagnostics;
using Infra.Core.Spec;
using Spectre.Console;

namespace Infra.Cli.Commands;

/// <summary>
/// What loading a stack for the host commands came to: a <see cref="Context"/> ready for the engine, or the
/// <see cref="ExitCode"/> to end with; either way with what the user is told (<see cref="Print"/>), in the order it was found.
/// </summary>
internal sealed record LoadResult
{
    /// <summary>The loaded cluster; null when loading stopped.</summary>
    public ClusterContext? Context { get; init; }

    /// <summary><see cref="ExitCodes.Ok"/> with a <see cref="Context"/>; otherwise why loading stopped (bad input: 2).</summary>
    public int ExitCode { get; init; } = ExitCodes.Ok;

    /// <summary>The stack as read, with its diagnostics (warnings too); null when no stack file could be read.</summary>
    public StackReadResult? Stack { get; init; }

    public IReadOnlyList<Diagnostic> InventoryDiagnostics { get; init; } = [];

    /// <summary>Kept secrets this load created, and where.</summary>
    public string? SecretsNote { get; init; }

    /// <summary>Bad input found after the stack was read (a host name not in the stack, a missing inventory, …).</summary>
    public string? Error { get; init; }

    /// <summary>Diagnostics on stderr (as JSON on stdout with --output json, when the stack is invalid), then the notes and the error.</summary>
    public void Print(CliEnvironment env, bool json)
    {
        if (Stack is not null) DiagnosticsPrinter.Report(env, Stack, json);
        foreach (var d in InventoryDiagnostics) env.Err.MarkupLine($"[red]{Markup.Escape(d.ToString())}[/]");
        if (SecretsNote is not null) env.Err.MarkupLine(Markup.Escape(SecretsNote));
        if (Error is not null) env.Err.MarkupLine($"[red]error:[/] {Markup.Escape(Error)}");
    }
}
