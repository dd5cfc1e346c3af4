namespace Infra.Core.Model;

/// <summary>Why a node program cannot be built; <see cref="Host"/> is null for a cluster-wide reason.</summary>
public sealed record NodeProgramProblem(string? Host, string Reason)
{
    public override string ToString() => Host is null ? Reason : $"{Host}: {Reason}";
}

/// <summary>
/// Node programs cannot be built (an OS a step does not support, a bundle missing a file, …). Raised before anything
/// runs; carries every problem found, never secret material.
/// </summary>
public sealed class NodeProgramException : Exception
{
    public IReadOnlyList<NodeProgramProblem> Problems { get; }

    public NodeProgramException(IReadOnlyList<NodeProgramProblem> problems)
        : base("node programs cannot be built:\n" + string.Join("\n", problems.Select(p => "  " + p)))
    {
        Problems = problems;
    }

    public NodeProgramException() : this([]) { }

    public NodeProgramException(string message) : this([new NodeProgramProblem(null, message)]) { }

    public NodeProgramException(string message, Exception innerException) : base(message, innerException)
    {
        Problems = [new NodeProgramProblem(null, message)];
    }
}
