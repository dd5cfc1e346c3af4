namespace Infra.Ssh;

/// <summary>What a command did on a host.</summary>
public sealed record SshCommandResult
{
    /// <summary>Exit status; 128 + signal number style is not guessed: a command killed by a signal has -1 and <see cref="ExitSignal"/>.</summary>
    public required int ExitCode { get; init; }
    public required string Stdout { get; init; }
    public required string Stderr { get; init; }
    public string? ExitSignal { get; init; }
    public required TimeSpan Duration { get; init; }

    public bool Succeeded => ExitCode == 0;

    /// <summary>The last lines of stderr, for error reports.</summary>
    public string StderrTail(int lines = 20) =>
        string.Join('\n', Stderr.TrimEnd('\n').Split('\n').TakeLast(lines));
}
