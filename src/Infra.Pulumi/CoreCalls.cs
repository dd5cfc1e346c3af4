using Infra.Core.CloudInit;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Core.Workloads;

namespace Infra.Pulumi;

/// <summary>The calls this program makes into Core, in one place; the program itself decides nothing.</summary>
internal static class CoreCalls
{
    /// <summary>Reads and validates a stack file; errors are <c>PATH:LINE:COLUMN: error CODE: message (key.path)</c> lines.</summary>
    public static (ClusterSpec? Spec, IReadOnlyList<string> Errors) ReadStackFile(string path)
    {
        var result = StackFile.Read(path, File.ReadAllText(path));
        return (result.Spec, [.. result.Errors.Select(d => d.ToString())]);
    }

    /// <summary>Validates <c>infra:cluster</c> as the engine hands it over; errors carry the same codes and key paths.</summary>
    public static (ClusterSpec? Spec, IReadOnlyList<string> Errors) ReadConfig(string clusterJson, IReadOnlyDictionary<string, string> providerSettings)
    {
        var result = PulumiConfig.Read(clusterJson, providerSettings);
        return (result.Spec, [.. result.Errors.Select(d => d.ToString())]);
    }

    /// <summary>cloud-init user data of a cloud VM: admin user and key, its kept host key, the cloud agent's key regeneration off.</summary>
    public static string CloudInit(ClusterSpec spec, PlannedHost host, KeptSecrets secrets) =>
        CloudInitRenderer.Render(spec, host, secrets.HostKeys.TryGetValue(host.Name, out var key)
            ? key
            : throw new InvalidOperationException($"host {host.Name}: the cluster secrets hold no host key for it"),
            AdminPublicKey(spec, secrets));

    /// <summary>The admin user's public key: the stack's <c>ssh.adminPublicKey</c>, else the one the cluster secrets keep.</summary>
    public static string AdminPublicKey(ClusterSpec spec, KeptSecrets secrets) =>
        KeptSecrets.AdminPublicKeyFor(spec, secrets)
            ?? throw new InvalidOperationException("the stack names no ssh.adminPublicKey and the cluster secrets hold no admin key");

    /// <summary>Node programs in bootstrap order for the hosts as they exist, with the API endpoint they join through.</summary>
    public static IReadOnlyList<NodeProgram> NodePrograms(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, KeptSecrets secrets, Endpoint api) =>
        NodeProgramBuilder.Build(spec with { ControlPlane = spec.ControlPlane with { Endpoint = api } }, hosts, secrets);

    /// <summary>What restarts the users of a node's certificates after an Update placed renewed ones.</summary>
    public static IReadOnlyList<Step> RenewalRestarts(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, NodeProgram program, Endpoint api) =>
        CertificateRenewalPlan.RestartsOf(spec with { ControlPlane = spec.ControlPlane with { Endpoint = api } }, hosts, program);

    /// <summary>The order of work for the hosts: node resources and the workloads depend on each other as its waves run.</summary>
    public static ExecutionPlan Execution(IReadOnlyList<PlannedHost> hosts) => ExecutionPlan.For(hosts);

    /// <summary>The baseline workloads in apply order.</summary>
    public static IReadOnlyList<WorkloadComponent> Workloads(ClusterSpec spec) =>
        [.. BaselinePlanner.Plan(spec).Components.OrderBy(c => c.Order)];

    public static string Manifest(WorkloadComponent component) => WorkloadRenderer.RenderManifest(component);

    /// <summary>Every alert receiver secret with its Pulumi secret config key (project <c>infra</c>), e.g. webhook-url: alertWebhookUrl.</summary>
    public static IReadOnlyList<(string Key, string ConfigKey)> AlertReceiverConfigKeys =>
        [.. AlertReceiverSecrets.Keys.Select(k => (k, AlertReceiverSecrets.PulumiConfigKey(k)))];

    /// <summary>The keys the stack's receivers need (the Secret's keys), none when monitoring is off.</summary>
    public static IReadOnlyList<string> AlertReceiverKeys(ClusterSpec spec) =>
        spec.Workloads.Monitoring.Enabled ? spec.Workloads.Monitoring.Alerts.SecretKeys : [];

    /// <summary>Why the stack cannot run with the secret config keys it has (each missing key and how to set it); null when it can.</summary>
    public static string? MissingAlertReceiverConfig(ClusterSpec spec, IEnumerable<string> configured) =>
        AlertReceiverSecrets.PulumiMissingMessage(spec.Workloads.Monitoring, configured);

    /// <summary>A receiver's secret from config, checked as the kept file is; bad input names the config key, never the value.</summary>
    public static string AlertReceiverValue(string key, string raw) => AlertReceiverSecrets.FromPulumiConfig(key, raw);

    /// <summary>The relabel procedure as the first control plane's one-step program (the same step as infra apply's); null without a worker.</summary>
    public static NodeProgram? PoolLabelsProgram(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts) =>
        Infra.Core.Planning.AfterJoinLabels.Program(spec, hosts);

    /// <summary>Per node, the pool labels the kubelet may not set itself: applied once the node joined.</summary>
    public static IReadOnlyList<NodeLabels> AfterJoinLabels(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts) =>
        Infra.Core.Planning.AfterJoinLabels.Of(spec, hosts);
}
