using System.Collections.Immutable;
using Pulumi;

namespace Infra.Pulumi;

/// <summary>
/// <c>kubeadm:index:ClusterSecrets</c>: the cluster's CAs, service-account keys, encryption key, host certificates
/// and cloud VM host keys, made by Core's PKI in the provider and kept (secret) in the stack's state. An update
/// creates only what is missing; nothing is ever replaced.
/// </summary>
public sealed class ClusterSecrets : CustomResource
{
    /// <summary>The kept secrets in Core's JSON form (the one <c>infra secrets import</c> reads).</summary>
    [Output("secrets")]
    public Output<string> Secrets { get; private set; } = null!;

    /// <summary>The encryption key the last raise of <c>encryptionKeyGeneration</c> replaced (empty when none); secret.</summary>
    [Output("previousEncryptionKey")]
    public Output<string> PreviousEncryptionKey { get; private set; } = null!;

    public ClusterSecrets(string name, ClusterSecretsArgs args, CustomResourceOptions? options = null)
        : base("kubeadm:index:ClusterSecrets", name, args, CustomResourceOptions.Merge(
            new CustomResourceOptions { AdditionalSecretOutputs = { "secrets", "seed", "previousEncryptionKey" } }, options))
    {
    }
}

public sealed class ClusterSecretsArgs : ResourceArgs
{
    /// <summary><c>infra:cluster</c> and the provider settings as a stack document (Core's PulumiConfig).</summary>
    [Input("stack", required: true)]
    public Input<string> Stack { get; set; } = null!;

    /// <summary>Cloud VMs as created (inventory JSON); empty: the planned hosts.</summary>
    [Input("inventory")]
    public Input<string>? Inventory { get; set; }

    /// <summary>Secrets to start from (the first resource's, whose host keys the VMs were made with); secret.</summary>
    [Input("seed")]
    public Input<string>? Seed { get; set; }

    /// <summary><c>infra:encryptionKeyGeneration</c>: raised by one, the encryption key is replaced by a new one (the
    /// <see cref="EncryptionKeyRotationResource"/> rolls it out). Set on the resource that makes the key only.</summary>
    [Input("encryptionKeyGeneration")]
    public Input<int>? EncryptionKeyGeneration { get; set; }
}

/// <summary>
/// <c>kubeadm:index:EncryptionKeyRotation</c>: when the kept encryption key changed (<c>infra:encryptionKeyGeneration</c>
/// raised), its update takes every control plane to the new key in the documented stages, one control plane at a time,
/// before any node updates. A failed update keeps the old key in its state: the next <c>pulumi up</c> runs it again.
/// </summary>
public sealed class EncryptionKeyRotationResource : CustomResource
{
    public EncryptionKeyRotationResource(string name, EncryptionKeyRotationArgs args, CustomResourceOptions? options = null)
        : base("kubeadm:index:EncryptionKeyRotation", name, args, CustomResourceOptions.Merge(
            new CustomResourceOptions { AdditionalSecretOutputs = { "secrets", "previousEncryptionKey", "connection" } }, options))
    {
    }
}

public sealed class EncryptionKeyRotationArgs : ResourceArgs
{
    /// <summary>The kept secrets the nodes are built from (ClusterSecrets' output); secret.</summary>
    [Input("secrets", required: true)]
    public Input<string> Secrets { get; set; } = null!;

    /// <summary>The key the generation's last raise replaced (ClusterSecrets' output); secret.</summary>
    [Input("previousEncryptionKey")]
    public Input<string>? PreviousEncryptionKey { get; set; }

    /// <summary>Shown by preview when it changes.</summary>
    [Input("encryptionKeyGeneration", required: true)]
    public Input<int> EncryptionKeyGeneration { get; set; } = null!;

    /// <summary>The stack document (as ClusterSecrets has it).</summary>
    [Input("stack", required: true)]
    public Input<string> Stack { get; set; } = null!;

    /// <summary>The hosts as they exist (inventory JSON).</summary>
    [Input("inventory", required: true)]
    public Input<string> Inventory { get; set; } = null!;

    /// <summary>The API endpoint the nodes use, host:port.</summary>
    [Input("endpoint", required: true)]
    public Input<string> Endpoint { get; set; } = null!;

    /// <summary>How to reach the hosts (as the nodes have it); secret.</summary>
    [Input("connection", required: true)]
    public Input<string> Connection { get; set; } = null!;
}

/// <summary>
/// <c>kubeadm:index:Node</c>: one host converged to its node program over SSH. Preview shows the steps whose input
/// hashes changed; destroy resets the host.
/// </summary>
public sealed class Node : CustomResource
{
    [Output("host")]
    public Output<string> Host { get; private set; } = null!;

    [Output("steps")]
    public Output<ImmutableDictionary<string, string>> Steps { get; private set; } = null!;

    /// <summary>Admin kubeconfig, from the first control plane only (empty elsewhere); secret.</summary>
    [Output("kubeconfig")]
    public Output<string> Kubeconfig { get; private set; } = null!;

    public Node(string name, NodeArgs args, CustomResourceOptions? options = null)
        : base("kubeadm:index:Node", name, args, CustomResourceOptions.Merge(
            new CustomResourceOptions { AdditionalSecretOutputs = { "kubeconfig", "program", "connection" } }, options))
    {
    }
}

public sealed class NodeArgs : ResourceArgs
{
    [Input("host", required: true)]
    public Input<string> Host { get; set; } = null!;

    [Input("address", required: true)]
    public Input<string> Address { get; set; } = null!;

    [Input("roles", required: true)]
    private InputList<string>? _roles;

    public InputList<string> Roles
    {
        get => _roles ??= new();
        set => _roles = value;
    }

    [Input("kubernetesVersion", required: true)]
    public Input<string> KubernetesVersion { get; set; } = null!;

    [Input("podCidr", required: true)]
    public Input<string> PodCidr { get; set; } = null!;

    [Input("serviceCidr", required: true)]
    public Input<string> ServiceCidr { get; set; } = null!;

    [Input("etcdTopology", required: true)]
    public Input<string> EtcdTopology { get; set; } = null!;

    /// <summary>Step id → input hash: what preview compares.</summary>
    [Input("steps", required: true)]
    private InputMap<string>? _steps;

    public InputMap<string> Steps
    {
        get => _steps ??= new();
        set => _steps = value;
    }

    /// <summary>The node program (scripts and files, some secret) as Core's wire JSON.</summary>
    [Input("program", required: true)]
    public Input<string> Program { get; set; } = null!;

    /// <summary>How to reach the host: user, port, private key, bastion; secret.</summary>
    [Input("connection", required: true)]
    public Input<string> Connection { get; set; } = null!;

    /// <summary>The host where <c>kubeadm init</c> runs; its resource outputs the admin kubeconfig.</summary>
    [Input("firstControlPlane")]
    public Input<bool>? FirstControlPlane { get; set; }

    /// <summary>The first control plane (Core's PlannedHost as wire JSON), where a joining host's join token is made.</summary>
    [Input("joinVia")]
    public Input<string>? JoinVia { get; set; }

    /// <summary>
    /// What the node's Update needs to run its part of an upgrade when <c>kubernetesVersion</c> moves (Core's
    /// NodeUpgradeSettings as wire JSON: kubernetes.upgrade settings, etcd topology, the cluster's nodes).
    /// </summary>
    [Input("upgrade")]
    public Input<string>? Upgrade { get; set; }

    /// <summary>
    /// What restarts the users of the node's certificates once its Update placed renewed ones (Core's
    /// CertificateRenewalPlan.RestartsOf, steps as wire JSON): etcd member, static pods, kubelet, each behind a health gate.
    /// </summary>
    [Input("restarts")]
    public Input<string>? Restarts { get; set; }

    /// <summary>The cluster's name, DNS domain and API endpoint: the provider refuses a change of the name, the domain or the endpoint's port.</summary>
    [Input("clusterName")]
    public Input<string>? ClusterName { get; set; }

    [Input("dnsDomain")]
    public Input<string>? DnsDomain { get; set; }

    [Input("endpoint")]
    public Input<string>? Endpoint { get; set; }
}

/// <summary>
/// <c>kubeadm:index:PoolLabels</c>: the relabel procedure (Core's AfterJoinLabels, step <c>workloads.node-labels</c>) run
/// on the first control plane once every node's resource is done: the pools' labels and taints made true on the running
/// workers with <c>kubectl label/taint --overwrite</c>, those the step set earlier and the stack no longer has removed.
/// Preview shows the step's input hash changing; deleting it leaves the nodes as they are.
/// </summary>
public sealed class PoolLabels : CustomResource
{
    [Output("steps")]
    public Output<ImmutableDictionary<string, string>> Steps { get; private set; } = null!;

    public PoolLabels(string name, PoolLabelsArgs args, CustomResourceOptions? options = null)
        : base("kubeadm:index:PoolLabels", name, args, CustomResourceOptions.Merge(
            new CustomResourceOptions { AdditionalSecretOutputs = { "program", "connection" } }, options))
    {
    }
}

public sealed class PoolLabelsArgs : ResourceArgs
{
    /// <summary>The first control plane, where the step runs.</summary>
    [Input("host", required: true)]
    public Input<string> Host { get; set; } = null!;

    /// <summary>Step id → input hash: what preview compares.</summary>
    [Input("steps", required: true)]
    private InputMap<string>? _steps;

    public InputMap<string> Steps
    {
        get => _steps ??= new();
        set => _steps = value;
    }

    /// <summary>The first control plane's one-step program as Core's wire JSON.</summary>
    [Input("program", required: true)]
    public Input<string> Program { get; set; } = null!;

    /// <summary>How to reach the host; secret.</summary>
    [Input("connection", required: true)]
    public Input<string> Connection { get; set; } = null!;
}
