using Infra.Core.Model;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>
/// How the engine reaches hosts: the SSH private key (never logged), optional bastion and timeouts. Per-host user,
/// port and pinned host key travel with each node program's <see cref="PlannedHost"/>.
/// </summary>
public sealed record NodeConnection
{
    /// <summary>OpenSSH private key file content.</summary>
    public required string PrivateKey { get; init; }
    public string? Passphrase { get; init; }
    public BastionSpec? Bastion { get; init; }
    public required int ConnectTimeoutSeconds { get; init; }
    public required int CommandTimeoutSeconds { get; init; }

    /// <summary>Keeps key material out of logs and exception messages.</summary>
    public override string ToString() =>
        $"NodeConnection {{ PrivateKey = <redacted>, Bastion = {Bastion?.Address ?? "none"}, ConnectTimeoutSeconds = {ConnectTimeoutSeconds} }}";
}
