using Infra.Core.Spec;

namespace Infra.Core.Workloads;

/// <summary>The pod network: Calico (default, through the Tigera operator), Cilium or Flannel, on the spec's pod CIDR.</summary>
internal static class Cnis
{
    public static WorkloadComponent Component(PlanContext ctx) => ctx.Spec.Network.Cni switch
    {
        Cni.Calico => Calico(ctx),
        Cni.Cilium => Cilium(ctx),
        Cni.Flannel => Flannel(ctx),
        _ => throw new ArgumentOutOfRangeException(nameof(ctx)),
    };

    /// <summary>
    /// Calico's CRDs (crd.projectcalico.org and operator.tigera.io), before the operator: from v3.32 the tigera-operator
    /// chart ships none, and its README (projectcalico/calico charts/tigera-operator/README.md at v3.32.1) installs the
    /// crd.projectcalico.org.v1 chart first, with helm template | kubectl apply --server-side because some CRDs are too
    /// large for client-side apply. Waiting for the Installation CRD to be Established means the Installation applied
    /// after the operator cannot race it ("no matches for kind Installation").
    /// </summary>
    public static WorkloadComponent? Crds(PlanContext ctx) => ctx.Spec.Network.Cni != Cni.Calico ? null : new WorkloadComponent
    {
        Name = "cni-crds",
        Order = 0,
        Chart = new ChartRelease
        {
            Name = "calico-crds",
            Namespace = "tigera-operator",
            Chart = WorkloadVersions.CalicoCrdChart,
            Repository = CalicoCharts,
            Version = WorkloadVersions.Calico.Version,
            Mode = ChartInstallMode.TemplateApply,
            DependsOn = ["namespaces"],
            Values = ChartValues.Empty,
        },
        Objects = [],
        Readiness = [ReadinessCheck.Crd("installations.operator.tigera.io"), ReadinessCheck.Crd("tigerastatuses.operator.tigera.io")],
        Images = [],
    };

    private const string CalicoCharts = "https://docs.tigera.io/calico/charts";

    // The Calico images the operator runs for this Installation (docker.io/calico/NAME at the chart's version).
    private static readonly string[] CalicoComponents = ["node", "cni", "kube-controllers", "typha"];

    private static WorkloadComponent Calico(PlanContext ctx)
    {
        var version = WorkloadVersions.Calico.Version;
        // The operator's defaults: Calico images from docker.io/calico/*, the operator itself from quay.io.
        var calicoRegistry = ctx.Mirrors.Registry("docker.io");
        var installation = new CalicoInstallation
        {
            ApiVersion = CalicoInstallation.Api,
            Kind = "Installation",
            Metadata = K.Meta("default"),
            Spec = new CalicoInstallationSpec
            {
                Registry = calicoRegistry == "docker.io" ? null : calicoRegistry + "/",
                KubeletVolumePluginPath = "None",
                CalicoNetwork = new CalicoNetwork
                {
                    // Clouds route only VXLAN between nodes (their firewalls open neither BGP nor IP-in-IP): no BGP speaker there.
                    Bgp = ctx.Spec.Target == Target.Baremetal ? null : "Disabled",
                    IpPools =
                    [
                        new CalicoIpPool
                        {
                            Name = ctx.Ipv6Pods ? "default-ipv6-ippool" : "default-ipv4-ippool",
                            Cidr = ctx.PodCidr,
                            BlockSize = ctx.Ipv6Pods ? 122 : 26,
                            // Bare metal: encapsulate only across subnets; clouds drop unknown pod addresses, so always VXLAN.
                            Encapsulation = ctx.Spec.Target == Target.Baremetal ? "VXLANCrossSubnet" : "VXLAN",
                        },
                    ],
                },
                CalicoNodeDaemonSet = CalicoWorkloadOverride.Containers(
                    new CalicoContainerOverride { Name = "calico-node", Resources = K.Resources("250m", "256Mi", "1", "1Gi") }),
                CalicoKubeControllersDeployment = CalicoWorkloadOverride.Containers(
                    new CalicoContainerOverride { Name = "calico-kube-controllers", Resources = K.Resources("50m", "64Mi", "500m", "256Mi") }),
                TyphaDeployment = CalicoWorkloadOverride.Containers(
                    new CalicoContainerOverride { Name = "calico-typha", Resources = K.Resources("100m", "128Mi", "1", "512Mi") }),
            },
        };
        return new WorkloadComponent
        {
            Name = "cni",
            Order = 0,
            Chart = new ChartRelease
            {
                Name = "calico",
                Namespace = "tigera-operator",
                Chart = "tigera-operator",
                Repository = CalicoCharts,
                Version = version,
                DependsOn = ["namespaces", "cni-crds"],
                Values = ChartValues.Of(
                    // The Installation is the project's own typed object below, so the pod CIDR is checked.
                    ("installation", ChartValues.Of(("enabled", false))),
                    ("apiServer", ChartValues.Of(("enabled", false))),
                    ("goldmane", ChartValues.Of(("enabled", false))),
                    ("whisker", ChartValues.Of(("enabled", false))),
                    // Only the registry: the operator's image tag is the one the pinned chart names.
                    ("tigeraOperator", ChartValues.Of(("registry", ctx.Mirrors.Registry("quay.io")))),
                    ("resources", K.ResourceValues("100m", "128Mi", "500m", "512Mi"))),
            },
            Objects = [new KubeObject(installation, $"Calico {version}: one pool on the cluster's pod CIDR.")],
            Readiness =
            [
                ReadinessCheck.Deployment("tigera-operator", "tigera-operator"),
                ReadinessCheck.ConditionOf("tigerastatus", null, "calico", "Available"),
            ],
            Images =
            [
                ctx.Image($"quay.io/tigera/operator:{WorkloadVersions.TigeraOperatorImage}"),
                .. CalicoComponents.Select(c => ctx.Image($"docker.io/calico/{c}:{version}")),
            ],
        };
    }

    private sealed record CiliumImages(string Agent, string AgentDigest, string OperatorDigest, string EnvoyTag, string EnvoyDigest);

    // Digests as the cilium/charts repository's values.yaml of each chart version publishes them.
    private static CiliumImages CiliumImagesFor(string version) => version switch
    {
        "1.19.6" => new("v1.19.6",
            "sha256:0df5b2750b64c49843aba1d649e9eaf61467cb0645ad3171db6f6962c095ac92",
            "sha256:0db4ca4e06969d8904ee036617795d0e9c3228cf7b8d902ba74fc2bb98d2d665",
            "v1.36.9-1782267392-edeb3f2af56c37c407efa1f63f0b32f595399bbc",
            "sha256:767101fb8a5e38f055778cb43b7aa8eed80450b37f8121effac3d9de9e06dc99"),
        "1.20.0" => new("v1.20.0",
            "sha256:383968cd5e8873f7976fa76aa6196045643558f4cc9518a207b9335cb24a0e93",
            "sha256:80744a8cc7c91c2f9e6347629406844eb35d79b30a732c6d41c15b17232a74f3",
            "v1.37.5-1782911245-7cffc778c923f68a77954a53b1a98d6b5353f004",
            "sha256:583057dd4f7d54cd41efff3c413aa0b148ac201f522e2c3336851fa89c78b039"),
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "no image digests recorded for this Cilium version"),
    };

    private static WorkloadComponent Cilium(PlanContext ctx)
    {
        var pinned = WorkloadVersions.CiliumFor(ctx.Spec.Kubernetes.Version)!;
        var img = CiliumImagesFor(pinned.Version);
        var agent = ctx.Image($"quay.io/cilium/cilium:{img.Agent}@{img.AgentDigest}");
        // The chart appends "-generic" to the operator repository for clusters outside a cloud IPAM.
        var operatorImage = ctx.Image($"quay.io/cilium/operator-generic:{img.Agent}@{img.OperatorDigest}");
        var envoy = ctx.Image($"quay.io/cilium/cilium-envoy:{img.EnvoyTag}@{img.EnvoyDigest}");
        var pool = ctx.Ipv6Pods
            ? ChartValues.Of(("clusterPoolIPv6PodCIDRList", ChartValues.List(ctx.PodCidr)), ("clusterPoolIPv6MaskSize", 120))
            : ChartValues.Of(("clusterPoolIPv4PodCIDRList", ChartValues.List(ctx.PodCidr)), ("clusterPoolIPv4MaskSize", 24));
        return new WorkloadComponent
        {
            Name = "cni",
            Order = 0,
            Chart = new ChartRelease
            {
                Name = "cilium",
                Namespace = "kube-system",
                Chart = "cilium",
                Repository = "https://helm.cilium.io",
                Version = pinned.Version,
                DependsOn = ["namespaces"],
                Values = ChartValues.Of(
                    ("image", ImageValues(agent, "digest")),
                    // The chart runs two operator replicas (operator.replicas); its budget keeps one through drains.
                    ("operator", ChartValues.Of(
                        ("image", ImageValues(operatorImage with { Repository = "cilium/operator" }, "genericDigest")),
                        ("resources", K.ResourceValues("50m", "128Mi", "500m", "512Mi")),
                        ("podDisruptionBudget", ChartValues.Of(("enabled", true), ("maxUnavailable", 1))))),
                    ("envoy", ChartValues.Of(
                        ("image", ImageValues(envoy, "digest")),
                        ("resources", K.ResourceValues("100m", "128Mi", "1", "1Gi")))),
                    ("ipam", ChartValues.Of(("mode", "cluster-pool"), ("operator", pool))),
                    ("ipv4", ChartValues.Of(("enabled", !ctx.Ipv6Pods))),
                    ("ipv6", ChartValues.Of(("enabled", ctx.Ipv6Pods))),
                    // kubeadm runs kube-proxy; Cilium keeps to pod networking and policy.
                    ("kubeProxyReplacement", "false"),
                    // Lets the baseline's ipBlock rules match node addresses (the API server, kubelets).
                    ("policyCIDRMatchMode", ChartValues.List("nodes")),
                    ("hubble", ChartValues.Of(("relay", ChartValues.Of(("enabled", false))), ("ui", ChartValues.Of(("enabled", false))))),
                    ("resources", K.ResourceValues("250m", "256Mi", "1", "1Gi"))),
            },
            Objects = [],
            Readiness =
            [
                ReadinessCheck.DaemonSet("kube-system", "cilium"),
                ReadinessCheck.DaemonSet("kube-system", "cilium-envoy"),
                ReadinessCheck.Deployment("kube-system", "cilium-operator"),
            ],
            Images = [agent, operatorImage, envoy],
        };
    }

    /// <summary>Cilium's image values: repository (mirror-rewritten), tag, and the digest the chart pins.</summary>
    private static ChartValues ImageValues(ImageRef image, string digestKey) => ChartValues.Of(
        ("repository", image.Name),
        ("tag", image.Tag),
        (digestKey, image.Digest),
        ("useDigest", image.Digest is not null));

    private static WorkloadComponent Flannel(PlanContext ctx)
    {
        var version = WorkloadVersions.Flannel.Version;
        var flannel = ctx.Image($"ghcr.io/flannel-io/flannel:{version}");
        var cniPlugin = ctx.Image($"ghcr.io/flannel-io/flannel-cni-plugin:{WorkloadVersions.FlannelCniPlugin}");
        return new WorkloadComponent
        {
            Name = "cni",
            Order = 0,
            Chart = new ChartRelease
            {
                Name = "flannel",
                Namespace = "kube-flannel",
                Chart = "flannel",
                Repository = "https://flannel-io.github.io/flannel/",
                Version = version,
                DependsOn = ["namespaces"],
                Values = ChartValues.Of(
                    ("podCidr", ctx.Ipv6Pods ? "" : ctx.PodCidr),
                    ("podCidrv6", ctx.Ipv6Pods ? ctx.PodCidr : null),
                    ("flannel", ChartValues.Of(
                        ("image", ChartValues.Of(("repository", flannel.Name), ("tag", flannel.Tag))),
                        ("flannel_cni", ChartValues.Of(("image", ChartValues.Of(("repository", cniPlugin.Name), ("tag", cniPlugin.Tag))))),
                        ("resources", K.ResourceValues("100m", "50Mi", "500m", "256Mi"))))),
            },
            Objects = [],
            Readiness = [ReadinessCheck.DaemonSet("kube-flannel", "kube-flannel-ds")],
            Images = [flannel, cniPlugin],
        };
    }
}
