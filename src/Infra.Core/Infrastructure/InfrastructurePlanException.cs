namespace Infra.Core.Infrastructure;

/// <summary>A cluster that cannot be laid out on its cloud: names the stack key and the reason.</summary>
public sealed class InfrastructurePlanException : Exception
{
    public InfrastructurePlanException(string key, string reason)
        : base($"{key}: {reason}")
    {
        Key = key;
        Reason = reason;
    }

    public InfrastructurePlanException() { Key = ""; Reason = ""; }

    public InfrastructurePlanException(string message) : base(message) { Key = ""; Reason = message; }

    public InfrastructurePlanException(string message, Exception inner) : base(message, inner) { Key = ""; Reason = message; }

    /// <summary>Key path in <c>infra:cluster</c>, e.g. "network.nodeCidr".</summary>
    public string Key { get; }
    public string Reason { get; }
}
