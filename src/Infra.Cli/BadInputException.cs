namespace Infra.Cli;

/// <summary>A user error: printed without a stack trace, exit code 2, nothing changed.</summary>
public sealed class BadInputException(string message) : Exception(message);
