using Infra.Core.Spec;

namespace Infra.Ssh;

/// <summary>Where and how to reach one host over SSH.</summary>
public sealed record SshTarget
{
    /// <summary>The host's name in messages (the stack's host name, or "bastion" for a bastion).</summary>
    public required string Name { get; init; }
    public required string Address { get; init; }
    public int Port { get; init; } = 22;
    public required string User { get; init; }
    /// <summary>Always verified; a full public key also fixes the algorithm the client offers.</summary>
    public required HostKeyPin HostKey { get; init; }
    /// <summary>A host to go through (itself pinned) when the target has no direct route.</summary>
    public SshTarget? Bastion { get; init; }
    /// <summary>OpenSSH private key file (ed25519, ECDSA or RSA); null: ~/.ssh/id_ed25519, id_ecdsa, id_rsa.</summary>
    public string? IdentityFile { get; init; }
    /// <summary>Budget of one connection attempt (TCP connect, key exchange, authentication).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Default budget of one command.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public override string ToString() => Bastion is null ? $"{Name} ({User}@{Address}:{Port})" : $"{Name} ({User}@{Address}:{Port} via {Bastion.Name})";

    /// <summary>The target for a host of a stack, with the stack's SSH settings.</summary>
    public static SshTarget For(HostSpec host, SshSpec ssh) => For(host.Name, host.Address, host.Port, host.User, host.HostKey, ssh);

    /// <summary>The target for a machine known by name, address and pinned key (a stack's host, a planned host), with the stack's SSH settings.</summary>
    public static SshTarget For(string name, string address, int port, string user, HostKeyPin hostKey, SshSpec ssh) => new()
    {
        Name = name,
        Address = address,
        Port = port,
        User = user,
        HostKey = hostKey,
        IdentityFile = ssh.IdentityFile,
        ConnectTimeout = TimeSpan.FromSeconds(ssh.ConnectTimeoutSeconds),
        CommandTimeout = TimeSpan.FromSeconds(ssh.CommandTimeoutSeconds),
        Bastion = ssh.Bastion is not { } b ? null : new SshTarget
        {
            Name = $"bastion {b.Address}",
            Address = b.Address,
            Port = b.Port,
            User = b.User,
            HostKey = b.HostKey,
            IdentityFile = ssh.IdentityFile,
            ConnectTimeout = TimeSpan.FromSeconds(ssh.ConnectTimeoutSeconds),
            CommandTimeout = TimeSpan.FromSeconds(ssh.CommandTimeoutSeconds),
        },
    };
}
