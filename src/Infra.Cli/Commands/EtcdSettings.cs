namespace Infra.Cli.Commands;

/// <summary>Options of every <c>infra etcd</c> command: the stack, secrets and SSH options of the host commands.</summary>
public class EtcdSettings : HostSettings
{
    public override Spectre.Console.ValidationResult Validate() =>
        Hosts is not null
            ? Spectre.Console.ValidationResult.Error("--hosts: etcd commands act on every member of the stack")
            : base.Validate();
}
