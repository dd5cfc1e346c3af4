namespace Infra.TestHosts;

/// <summary>A non-root login user on a host, allowed to sudo: with a password, or passwordless when it is null.</summary>
public sealed record SudoUser(string Name, string? Password);

/// <summary>How one test host is made.</summary>
public sealed record TestHostOptions
{
    /// <summary>Host name: lower-case letters, digits and '-', at most 20 characters, unique in its network.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// Own root filesystem: an overlay of the machine's <c>/</c> with the upper dir (the host's disk) on the
    /// harness's tmpfs, fresh <c>/proc</c>, <c>/run</c>, <c>/tmp</c> and an empty <c>/root</c>. Off: the host
    /// shares the machine's files (only its <c>/root</c> is its own) and cannot have systemd or a sudo user.
    /// </summary>
    public bool OwnFilesystem { get; init; } = true;

    /// <summary>Run <c>/lib/systemd/systemd</c> as the host's PID 1 (a target of basic + ssh) instead of bare sshd.</summary>
    public bool Systemd { get; init; }

    /// <summary>An extra login user with sudo rights (root can always log in with the network's client key).</summary>
    public SudoUser? SudoUser { get; init; }

    /// <summary>Only on the isolated segment: no route from the machine, reachable through a bastion host.</summary>
    public bool Isolated { get; init; }

    /// <summary>A second interface on the isolated segment, so the host can serve as a bastion.</summary>
    public bool Bastion { get; init; }

    /// <summary>Host key types sshd offers, first one is <see cref="TestHost.HostKey"/>: ed25519, ecdsa, rsa.</summary>
    public IReadOnlyList<string> HostKeyTypes { get; init; } = ["ed25519"];
}
