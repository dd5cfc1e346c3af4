using Infra.Core.Diagnostics;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Security;
using Infra.Core.Spec;
using Infra.Ssh;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Infra.Cli.Commands;

/// <summary>
/// Loads a stack for the commands that reach hosts, in stages: the stack file, the inventory (cloud stacks), the host
/// filter, the kept secrets, the plan. Prints nothing: what there is to say is in the <see cref="LoadResult"/>.
/// </summary>
internal sealed class ClusterLoader(CliEnvironment env, TimeProvider clock)
{
    /// <summary>Loads and plans; creates missing kept secrets when <paramref name="createSecrets"/> (apply does).</summary>
    /// <param name="adjust">Changes the kept secrets before planning, in memory only (certs renew: the renewed leaves).</param>
    /// <param name="requireAlertReceivers">The run applies the workloads: every secret the stack's alert receivers need must be kept (checked before anything is created).</param>
    public LoadResult Load(HostSettings settings, bool createSecrets, Func<ClusterSpec, IReadOnlyList<PlannedHost>, KeptSecrets, KeptSecrets>? adjust = null,
        bool requireAlertReceivers = false)
    {
        var said = new LoadResult();
        try
        {
            var stack = StackLoader.Load(settings, env);
            said = said with { Stack = stack };
            if (!stack.IsValid) return said with { ExitCode = ExitCodes.BadInput };
            var spec = stack.Spec!;

            IReadOnlyList<HostSpec>? inventory = null;
            if (settings.Inventory is { } file)
            {
                var (hosts, endpoint, diagnostics) = ReadInventory(file);
                said = said with { InventoryDiagnostics = diagnostics };
                if (hosts is null) return said with { ExitCode = ExitCodes.BadInput };
                inventory = hosts;
                spec = WithEndpoint(spec, endpoint, file);
            }
            else if (spec.Target != Target.Baremetal)
            {
                throw new BadInputException($"{Summary.Article(spec.Target)} {spec.Target.Name()} stack reaches its VMs through the inventory the Pulumi program outputs: " +
                    "pass --inventory FILE ('pulumi stack output inventory > inventory.json')");
            }

            var planned = inventory is null ? HostInventory.Plan(spec) : HostInventory.WithInventory(spec, inventory);
            // Bad input changes nothing, not even the local secrets folder: check the host names first.
            CheckHostFilter(settings.Hosts, planned);
            var stackName = SecretsFolder.StackName(stack.File, spec);
            var secretsDir = SecretsFolder.Resolve(settings.SecretsDir, env, stackName);
            var (secrets, created) = EnsureSecrets(spec, planned, secretsDir, createSecrets, requireAlertReceivers);
            if (created > 0) said = said with { SecretsNote = $"kept secrets: {created} item(s) created in {secretsDir}" };
            if (adjust is not null) secrets = adjust(spec, planned, secrets);

            spec = SecretsFolder.WithKeptAdminKey(spec, secrets, secretsDir);
            var plan = ClusterPlanner.Plan(spec, secrets, inventory, BundleFolder.Read(spec, stack.File, env));
            var redactor = new Redactor();
            redactor.Add(env.Variable(SshClientOptions.SudoPasswordVariable));
            redactor.Add(env.Variable(SshClientOptions.PassphraseVariable));
            ILogger logger = settings.Verbose ? new ConsoleLogger(env.Err, redactor) : NullLogger.Instance;
            return said with { Context = new ClusterContext(plan, stackName, secretsDir, redactor, BundleFolder.Resolve(spec, stack.File, env), logger) };
        }
        catch (Exception e) when (e is BadInputException or Core.Model.NodeProgramException or Core.Workloads.WorkloadPlanException)
        {
            // Bad input found after the stack was read: said after what was found before it, as the command would have.
            return said with { ExitCode = ExitCodes.BadInput, Error = e.Message };
        }
    }

    private (IReadOnlyList<HostSpec>? Hosts, Endpoint? Endpoint, IReadOnlyList<Diagnostic> Diagnostics) ReadInventory(string file)
    {
        var full = Path.GetFullPath(file, env.WorkingDirectory);
        if (!File.Exists(full)) throw new BadInputException($"{file}: no such inventory file");
        return StackReader.ReadInventoryWithEndpoint(file, UserFile.ReadText(full, file, "inventory file"));
    }

    /// <summary>The nodes' kubeadm configuration names the cloud load balancer, which only the inventory knows.</summary>
    private static ClusterSpec WithEndpoint(ClusterSpec spec, Endpoint? endpoint, string file) =>
        spec.Target == Target.Baremetal ? spec : spec with
        {
            ControlPlane = spec.ControlPlane with
            {
                Endpoint = endpoint ?? throw new BadInputException($"{file}: no 'endpoint' (the API load balancer's host:port, which the Pulumi program's inventory output carries)"),
            },
        };

    private static void CheckHostFilter(string? filter, IReadOnlyList<PlannedHost> planned)
    {
        var names = planned.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var h in ClusterContext.SplitList(filter))
        {
            if (!names.Contains(h))
            {
                throw new BadInputException($"--hosts: no host '{h}' in the stack{Suggest.DidYouMean(h, names)}");
            }
        }
    }

    /// <summary>The kept secrets, with what is missing created and saved when <paramref name="create"/>; how many items were created.</summary>
    private (KeptSecrets Secrets, int Created) EnsureSecrets(ClusterSpec spec, IReadOnlyList<PlannedHost> planned, string secretsDir, bool create,
        bool requireAlertReceivers)
    {
        var existing = SecretsFolder.Load(secretsDir);
        if (requireAlertReceivers && AlertReceiverSecrets.MissingMessage(spec.Workloads.Monitoring, existing?.AlertReceivers, $"the kept secrets in {secretsDir}") is { } missing)
        {
            throw new BadInputException(missing);
        }
        if (!create)
        {
            return existing is null
                ? throw new BadInputException($"no kept secrets in {secretsDir}: run 'infra secrets init' (or 'infra apply', which creates them)")
                : (existing, 0);
        }
        var ensured = ClusterPki.EnsureWithChanges(spec, planned, existing, clock.GetUtcNow());
        if (ensured.Changes.Count > 0) SecretsFolder.Save(secretsDir, ensured.Secrets);
        return (ensured.Secrets, ensured.Changes.Count);
    }
}
