using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Infra.Core.Workloads;

// The project's own small typed models of the custom resources the baseline creates. They carry only the fields the
// tool sets; the tests decode rendered files strictly against them, so a misspelt field fails there.

/// <summary>Base of a custom resource: apiVersion, kind, metadata and spec, rendered in that order.</summary>
public abstract class CustomResource<TSpec> : IKubernetesObject<V1ObjectMeta>
    where TSpec : new()
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public TSpec Spec { get; set; } = new();
}

/// <summary>cert-manager.io/v1 ClusterIssuer (self-signed only).</summary>
public sealed class ClusterIssuer : CustomResource<ClusterIssuerSpec>
{
    public const string Api = "cert-manager.io/v1";
}

public sealed class ClusterIssuerSpec
{
    [JsonPropertyName("selfSigned")] public SelfSignedIssuer? SelfSigned { get; set; }
}

/// <summary>Empty by design: a self-signed issuer has no settings the baseline uses.</summary>
public sealed class SelfSignedIssuer;

/// <summary>gateway.networking.k8s.io/v1 GatewayClass.</summary>
public sealed class GatewayClass : CustomResource<GatewayClassSpec>
{
    public const string Api = "gateway.networking.k8s.io/v1";
}

public sealed class GatewayClassSpec
{
    [JsonPropertyName("controllerName")] public string ControllerName { get; set; } = "";
    [JsonPropertyName("parametersRef")] public GatewayParametersRef? ParametersRef { get; set; }
}

public sealed class GatewayParametersRef
{
    [JsonPropertyName("group")] public string Group { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
}

/// <summary>gateway.networking.k8s.io/v1 Gateway.</summary>
public sealed class Gateway : CustomResource<GatewaySpec>
{
    public const string Api = "gateway.networking.k8s.io/v1";
}

public sealed class GatewaySpec
{
    [JsonPropertyName("gatewayClassName")] public string GatewayClassName { get; set; } = "";
    [JsonPropertyName("listeners")] public IList<GatewayListener> Listeners { get; set; } = [];
}

public sealed class GatewayListener
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("protocol")] public string Protocol { get; set; } = "";
    [JsonPropertyName("port")] public int Port { get; set; }
    [JsonPropertyName("allowedRoutes")] public GatewayAllowedRoutes? AllowedRoutes { get; set; }
}

public sealed class GatewayAllowedRoutes
{
    [JsonPropertyName("namespaces")] public GatewayRouteNamespaces? Namespaces { get; set; }
}

public sealed class GatewayRouteNamespaces
{
    /// <summary>All, Same or Selector.</summary>
    [JsonPropertyName("from")] public string From { get; set; } = "";
}

/// <summary>gateway.envoyproxy.io/v1alpha1 EnvoyProxy: how Envoy Gateway runs the proxy pods it creates.</summary>
public sealed class EnvoyProxy : CustomResource<EnvoyProxySpec>
{
    public const string Api = "gateway.envoyproxy.io/v1alpha1";
}

public sealed class EnvoyProxySpec
{
    [JsonPropertyName("provider")] public EnvoyProxyProvider Provider { get; set; } = new();
}

public sealed class EnvoyProxyProvider
{
    [JsonPropertyName("type")] public string Type { get; set; } = "Kubernetes";
    [JsonPropertyName("kubernetes")] public EnvoyProxyKubernetes Kubernetes { get; set; } = new();
}

public sealed class EnvoyProxyKubernetes
{
    [JsonPropertyName("envoyDeployment")] public EnvoyDeploymentSpec EnvoyDeployment { get; set; } = new();
    [JsonPropertyName("envoyService")] public EnvoyServiceSpec? EnvoyService { get; set; }
    // The name is not camelCase of the property: YAML needs it spelled out as well as JSON.
    [JsonPropertyName("envoyPDB")]
    [YamlDotNet.Serialization.YamlMember(Alias = "envoyPDB")]
    public EnvoyPdbSpec? EnvoyPdb { get; set; }
}

/// <summary>EnvoyProxy <c>provider.kubernetes.envoyPDB</c>: the proxies' PodDisruptionBudget (minAvailable or maxUnavailable, not both).</summary>
public sealed class EnvoyPdbSpec
{
    [JsonPropertyName("maxUnavailable")] public int? MaxUnavailable { get; set; }
}

public sealed class EnvoyServiceSpec
{
    /// <summary>ClusterIP, LoadBalancer or NodePort.</summary>
    [JsonPropertyName("type")] public string Type { get; set; } = "";
}

public sealed class EnvoyDeploymentSpec
{
    [JsonPropertyName("replicas")] public int? Replicas { get; set; }
    [JsonPropertyName("pod")] public EnvoyPodSpec? Pod { get; set; }
    [JsonPropertyName("container")] public EnvoyContainerSpec Container { get; set; } = new();
}

public sealed class EnvoyPodSpec
{
    [JsonPropertyName("securityContext")] public V1PodSecurityContext? SecurityContext { get; set; }
}

public sealed class EnvoyContainerSpec
{
    [JsonPropertyName("resources")] public V1ResourceRequirements? Resources { get; set; }
    [JsonPropertyName("securityContext")] public V1SecurityContext? SecurityContext { get; set; }
}

/// <summary>operator.tigera.io/v1 Installation: what the Tigera operator deploys for Calico.</summary>
public sealed class CalicoInstallation : CustomResource<CalicoInstallationSpec>
{
    public const string Api = "operator.tigera.io/v1";
}

public sealed class CalicoInstallationSpec
{
    [JsonPropertyName("variant")] public string Variant { get; set; } = "Calico";
    /// <summary>Registry prefix with a trailing slash ("mirror.example.com/docker/"); null: the operator's default.</summary>
    [JsonPropertyName("registry")] public string? Registry { get; set; }
    [JsonPropertyName("cni")] public CalicoCni Cni { get; set; } = new();
    [JsonPropertyName("calicoNetwork")] public CalicoNetwork CalicoNetwork { get; set; } = new();
    /// <summary>"None" turns off Calico's CSI node driver (only used by Calico's L7 features).</summary>
    [JsonPropertyName("kubeletVolumePluginPath")] public string? KubeletVolumePluginPath { get; set; }
    [JsonPropertyName("calicoNodeDaemonSet")] public CalicoWorkloadOverride? CalicoNodeDaemonSet { get; set; }
    [JsonPropertyName("calicoKubeControllersDeployment")] public CalicoWorkloadOverride? CalicoKubeControllersDeployment { get; set; }
    [JsonPropertyName("typhaDeployment")] public CalicoWorkloadOverride? TyphaDeployment { get; set; }
}

public sealed class CalicoCni
{
    [JsonPropertyName("type")] public string Type { get; set; } = "Calico";
}

public sealed class CalicoNetwork
{
    /// <summary>Enabled or Disabled; null leaves the operator's default (Enabled).</summary>
    [JsonPropertyName("bgp")] public string? Bgp { get; set; }
    [JsonPropertyName("ipPools")] public IList<CalicoIpPool> IpPools { get; set; } = [];
}

public sealed class CalicoIpPool
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("cidr")] public string Cidr { get; set; } = "";
    [JsonPropertyName("blockSize")] public int? BlockSize { get; set; }
    /// <summary>IPIP, VXLAN, IPIPCrossSubnet, VXLANCrossSubnet or None.</summary>
    [JsonPropertyName("encapsulation")] public string Encapsulation { get; set; } = "";
    [JsonPropertyName("natOutgoing")] public string NatOutgoing { get; set; } = "Enabled";
    [JsonPropertyName("nodeSelector")] public string NodeSelector { get; set; } = "all()";
}

/// <summary>The operator's override shape: spec.template.spec.containers[] with name and resources.</summary>
public sealed class CalicoWorkloadOverride
{
    [JsonPropertyName("spec")] public CalicoWorkloadOverrideSpec Spec { get; set; } = new();

    public static CalicoWorkloadOverride Containers(params CalicoContainerOverride[] containers) =>
        new() { Spec = new CalicoWorkloadOverrideSpec { Template = new CalicoPodTemplateOverride { Spec = new CalicoPodSpecOverride { Containers = containers } } } };
}

public sealed class CalicoWorkloadOverrideSpec
{
    [JsonPropertyName("template")] public CalicoPodTemplateOverride Template { get; set; } = new();
}

public sealed class CalicoPodTemplateOverride
{
    [JsonPropertyName("spec")] public CalicoPodSpecOverride Spec { get; set; } = new();
}

public sealed class CalicoPodSpecOverride
{
    [JsonPropertyName("containers")] public IList<CalicoContainerOverride> Containers { get; set; } = [];
}

public sealed class CalicoContainerOverride
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("resources")] public V1ResourceRequirements Resources { get; set; } = new();
}
