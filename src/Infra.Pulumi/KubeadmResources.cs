using System.Collections.Immutable;
using Pulumi;

namespace Infra.Pulumi;

/// <summary>
/// <c>kubeadm:index:ClusterSecrets</c>: the cluster's CAs, service-account keys, encryption key and cloud VM host
/// keys, made once by the provider and kept (secret) in the stack's state. Never replaced by a later <c>up</c>.
/// </summary>
public sealed class ClusterSecrets : CustomResource
{
    /// <summary>The kept secrets as Core's wire JSON.</summary>
    [Output("secrets")]
    public Output<string> Secrets { get; private set; } = null!;

    public ClusterSecrets(string name, ClusterSecretsArgs args, CustomResourceOptions? options = null)
        : base("kubeadm:index:ClusterSecrets", name, args, CustomResourceOptions.Merge(
            new CustomResourceOptions { AdditionalSecretOutputs = { "secrets" } }, options))
    {
    }
}

public sealed class ClusterSecretsArgs : ResourceArgs
{
    [Input("cluster", required: true)]
    public Input<string> Cluster { get; set; } = null!;

    [Input("hostKeyHosts")]
    private InputList<string>? _hostKeyHosts;

    /// <summary>Hosts that get a host key made by the tool (cloud VMs).</summary>
    public InputList<string> HostKeyHosts
    {
        get => _hostKeyHosts ??= new();
        set => _hostKeyHosts = value;
    }
}

/// <summary>
/// <c>kubeadm:index:Certificates</c>: leaf certificates issued from the kept CAs once the hosts' addresses are
/// known (kubelet serving, etcd members). An unchanged request keeps its certificate.
/// </summary>
public sealed class Certificates : CustomResource
{
    /// <summary>name → certificate and key, Core's wire JSON.</summary>
    [Output("issued")]
    public Output<string> Issued { get; private set; } = null!;

    public Certificates(string name, CertificatesArgs args, CustomResourceOptions? options = null)
        : base("kubeadm:index:Certificates", name, args, CustomResourceOptions.Merge(
            new CustomResourceOptions { AdditionalSecretOutputs = { "issued" } }, options))
    {
    }
}

public sealed class CertificatesArgs : ResourceArgs
{
    /// <summary>The kept secrets (for the CAs), secret.</summary>
    [Input("authority", required: true)]
    public Input<string> Authority { get; set; } = null!;

    [Input("requests", required: true)]
    private InputMap<string>? _requests;

    public InputMap<string> Requests
    {
        get => _requests ??= new();
        set => _requests = value;
    }
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
}
