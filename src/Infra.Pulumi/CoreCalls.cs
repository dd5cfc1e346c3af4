using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;

namespace Infra.Pulumi;

/// <summary>
/// Every call this program makes into parts of Core that other issues provide, in one place:
/// the stack reader and validation (foundation issue), cloud-init, certificate requests and node programs
/// (node-programs issue), the workload baseline (workloads issue). The program itself decides nothing.
/// </summary>
internal static class CoreCalls
{
    /// <summary>Reads and validates a stack file; errors are <c>PATH:LINE:COLUMN: error CODE: message (key.path)</c> lines.</summary>
    public static (ClusterSpec? Spec, IReadOnlyList<string> Errors) ReadStackFile(string path)
    {
        var result = StackReader.ReadFile(path);
        return (result.Spec, [.. result.Diagnostics.Where(d => d.IsError).Select(d => d.ToString())]);
    }

    /// <summary>
    /// Validates <c>infra:cluster</c> as the engine hands it over (no file: stack config kept elsewhere), with the
    /// provider settings read from their own namespaces; errors carry the same codes and key paths.
    /// </summary>
    public static (ClusterSpec? Spec, IReadOnlyList<string> Errors) ReadConfig(string clusterJson, IReadOnlyDictionary<string, string> providerSettings)
    {
        var result = StackReader.ReadConfig(clusterJson, providerSettings);
        return (result.Spec, [.. result.Diagnostics.Where(d => d.IsError).Select(d => d.ToString())]);
    }

    /// <summary>cloud-init user data of a cloud VM: admin user and key, its kept host keys, the cloud agent's key regeneration off.</summary>
    public static string CloudInit(ClusterSpec spec, PlannedHost host, KeptSecrets secrets) => CloudInitRenderer.Render(spec, host, secrets);

    /// <summary>The leaf certificates the hosts need (kubelet serving, etcd), by name, as request documents.</summary>
    public static IReadOnlyDictionary<string, string> CertificateRequests(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts) =>
        PkiPlanner.Requests(spec, hosts).ToDictionary(kv => kv.Key, kv => kv.Value.ToJson(), StringComparer.Ordinal);

    /// <summary>Node programs in bootstrap order, given the hosts as they exist, the kept secrets and the API endpoint.</summary>
    public static IReadOnlyList<NodeProgram> NodePrograms(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, KeptSecrets secrets, Endpoint api) =>
        NodePlanner.Plan(spec, hosts, secrets, api);

    /// <summary>The baseline workloads in apply order: plain manifests (one YAML stream per component) and pinned Helm charts.</summary>
    public static IReadOnlyList<WorkloadItem> Workloads(ClusterSpec spec) =>
    [
        .. Infra.Core.Workloads.Baseline.Plan(spec).Items.Select(i => i.IsChart
            ? new WorkloadItem(i.Name, null, new ChartItem(i.Chart!.Name, i.Chart.Repository, i.Chart.Version, i.Chart.Namespace, i.Chart.ValuesYaml))
            : new WorkloadItem(i.Name, i.ManifestYaml, null)),
    ];
}

internal sealed record ChartItem(string Chart, string Repository, string Version, string Namespace, string ValuesYaml);

/// <summary>One step of the baseline: either a manifest stream or a chart.</summary>
internal sealed record WorkloadItem(string Name, string? ManifestYaml, ChartItem? Chart);
