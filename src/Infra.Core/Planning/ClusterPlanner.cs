using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Pki;
using Infra.Core.Spec;
using Infra.Core.Workloads;

namespace Infra.Core.Planning;

/// <summary>Turns a validated cluster into its plan. Pure; deterministic given the kept secrets.</summary>
public static class ClusterPlanner
{
    /// <summary>The API endpoint of a cloud cluster before its load balancer exists.</summary>
    public const string CloudEndpointPlaceholder = "api-load-balancer.invalid";

    /// <summary>Validity start of throwaway secrets (the plan has no clock; real secrets carry their own times).</summary>
    private static readonly DateTimeOffset PlaceholderTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <param name="spec">A spec that passed validation.</param>
    /// <param name="secrets">The kept secrets; null plans with throwaway ones, shown as placeholders.</param>
    /// <param name="inventory">Cloud VMs as created (the Pulumi program's inventory); null plans the VMs.</param>
    /// <param name="bundle">The bundle folder's files, for packages.source bundle.</param>
    /// <param name="now">Time for throwaway secrets; kept secrets carry their own.</param>
    /// <exception cref="NodeProgramException">A program cannot be built (unsupported OS, bundle missing a file, …).</exception>
    /// <exception cref="Infrastructure.InfrastructurePlanException">A cloud's infrastructure cannot be planned.</exception>
    public static ClusterPlan Plan(ClusterSpec spec, KeptSecrets? secrets = null, IReadOnlyList<HostSpec>? inventory = null,
        BundleManifest? bundle = null, DateTimeOffset? now = null)
    {
        var hosts = inventory is null ? HostInventory.Plan(spec) : HostInventory.WithInventory(spec, inventory);
        var warnings = new List<string>();
        if (secrets is null)
        {
            warnings.Add("no kept secrets were given: keys and certificates in this plan are throwaway, and files written with --out mask every secret value " +
                "('infra secrets init' creates the real ones; with them, plans are byte-identical)");
        }
        var nodeSpec = spec;
        if (spec.Target != Target.Baremetal && spec.ControlPlane.Endpoint is null)
        {
            nodeSpec = spec with { ControlPlane = spec.ControlPlane with { Endpoint = new Endpoint(CloudEndpointPlaceholder, Endpoint.ApiServerPort) } };
            warnings.Add($"the API endpoint is the cloud load balancer's address, known once it exists; this plan shows {CloudEndpointPlaceholder}");
        }
        var effective = secrets ?? ClusterPki.Ensure(spec, hosts, null, now ?? PlaceholderTime);
        var nodes = NodeProgramBuilder.Build(nodeSpec, hosts, effective, bundle).ToList();

        var workloads = BaselinePlanner.Plan(spec);
        warnings.AddRange(workloads.Warnings);
        var firstIndex = nodes.FindIndex(n => n.Host.Has(Roles.ControlPlane));
        if (firstIndex >= 0)
        {
            var first = nodes[firstIndex];
            // Workloads come after the cluster's own phases and before the reset steps, which close every program.
            var resetAt = first.Steps.TakeWhile(s => s.Phase != Phase.Reset).Count();
            // Labels first: workloads may select nodes by them.
            IReadOnlyList<Step> labels = AfterJoinLabels.Step(spec, hosts, first.Host.Os) is { } step ? [step] : [];
            var receivers = AlertReceivers(spec, secrets, effective, first.Host.Os, warnings);
            nodes[firstIndex] = first with
            {
                Steps = [.. first.Steps.Take(resetAt), .. labels, .. WorkloadSteps.Build(workloads, first.Host.Os, spec.Packages.Source, bundle, alertReceivers: receivers),
                    .. first.Steps.Skip(resetAt)],
            };
        }
        return new ClusterPlan
        {
            Spec = nodeSpec,
            Hosts = hosts,
            Nodes = nodes,
            Execution = Model.ExecutionPlan.For(hosts),
            Workloads = workloads,
            Bundle = bundle,
            Infrastructure = spec.Target != Target.Baremetal && inventory is null ? Infrastructure.CloudPlanner.Plan(spec, hosts) : null,
            SecretsArePlaceholders = secrets is null,
            Secrets = secrets,
            SecretMaterial = effective,
            Warnings = warnings,
        };
    }

    /// <summary>
    /// The step that makes the Secret of the alert receivers' secrets, when the stack names receivers that need one. A
    /// value the kept secrets lack (or every value, without kept secrets) is a placeholder, and the plan says so: planning
    /// stays offline and needs no secret, while <c>infra apply</c> and <c>infra plan</c> with kept secrets refuse first
    /// (<see cref="AlertReceiverSecrets.MissingMessage"/>).
    /// </summary>
    private static Step? AlertReceivers(ClusterSpec spec, KeptSecrets? secrets, KeptSecrets effective, OsFamily os, List<string> warnings)
    {
        var monitoring = spec.Workloads.Monitoring;
        if (!monitoring.Enabled || monitoring.Alerts.SecretKeys.Count == 0) return null;
        var missing = AlertReceiverSecrets.Missing(monitoring, secrets?.AlertReceivers);
        if (missing.Count > 0)
        {
            warnings.Add($"the alert receivers' secrets {string.Join(", ", missing.Select(AlertReceiverSecrets.FileOf))} are not in the kept secrets: " +
                $"this plan shows placeholders, and 'infra apply' refuses until they are set ('{AlertReceiverSecrets.SetCommand(missing[0])}')");
        }
        var values = monitoring.Alerts.SecretKeys.ToDictionary(k => k,
            k => secrets?.AlertReceivers.GetValueOrDefault(k) ?? Placeholder(k), StringComparer.Ordinal);
        return WorkloadSteps.AlertReceiversStep(monitoring.Alerts, values, effective, os);
    }

    private static string Placeholder(string key) => key == AlertsSpec.EmailPasswordKey ? "placeholder" : $"https://{key}.invalid/placeholder";
}
