namespace Infra.Ssh.Tests;

/// <summary>
/// Test classes that set INFRA_SUDO_PASSWORD / INFRA_SSH_PASSPHRASE, or that give a sudo password another way
/// (the variable wins over a prompt): one at a time, since the environment belongs to the whole process.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ProcessEnvironmentGroup
{
    public const string Name = "process environment";
}
