using System.ComponentModel;
using Infra.Ssh;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Infra.Cli.Commands;

public sealed class KubeconfigSettings : HostSettings
{
    [CommandOption("--out <FILE>")]
    [Description("Where to write the admin kubeconfig (mode 0600). Default: <stack>.kubeconfig here.")]
    public string? Out { get; init; }
}

/// <summary><c>infra kubeconfig</c>: the admin kubeconfig from the first control plane, written 0600, never printed.</summary>
internal sealed class KubeconfigCommand(CliEnvironment env, ClusterLoader loader) : AsyncCommand<KubeconfigSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, KubeconfigSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Out is not null) UserFile.CheckWritable(Path.GetFullPath(settings.Out, env.WorkingDirectory), settings.Out);
        var loaded = loader.Load(settings, createSecrets: false);
        loaded.Print(env, settings.Json);
        if (loaded.Context is not { } ctx) return loaded.ExitCode;
        var first = ctx.Plan.FirstControlPlane;
        await using var session = await SshHostSession.Factory(ctx.Plan.Spec.Ssh, ctx.ClientOptions(env))(first, cancellationToken);
        var r = await session.RunAsync("set -euo pipefail\ncat /etc/kubernetes/admin.conf\n", null,
            TimeSpan.FromSeconds(ctx.Plan.Spec.Ssh.CommandTimeoutSeconds), "read admin.conf", cancellationToken);
        if (!r.Succeeded)
        {
            env.Err.WriteLine($"{first.Name}: no admin kubeconfig (is the control plane initialized? run 'infra apply'): {ctx.Redactor.Redact(r.StderrTail(3))}");
            return ExitCodes.Failed;
        }
        var path = Path.GetFullPath(settings.Out ?? $"{ctx.StackName}.kubeconfig", env.WorkingDirectory);
        UserFile.CheckWritable(path, settings.Out ?? Path.GetFileName(path));
        SecretFile.Write(path, System.Text.Encoding.UTF8.GetBytes(r.Stdout));
        env.Out.WriteLine($"wrote the admin kubeconfig of {first.Name} to {path} (mode 0600)");
        return ExitCodes.Ok;
    }
}
