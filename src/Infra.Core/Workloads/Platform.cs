using Infra.Core.Spec;
using k8s.Models;

namespace Infra.Core.Workloads;

/// <summary>Gateway API CRDs and the ingress controller: Traefik (Gateway API and Ingress) or Envoy Gateway (Gateway API only).</summary>
internal static class Ingresses
{
    public const string TraefikNamespace = "traefik";
    public const string EnvoyNamespace = "envoy-gateway-system";
    public const int HttpNodePort = 30080;
    public const int HttpsNodePort = 30443;

    /// <summary>Standard-channel Gateway API CRDs at the release the chosen controller documents.</summary>
    public static WorkloadComponent? GatewayApiCrds(PlanContext ctx)
    {
        var ingress = ctx.Spec.Workloads.Ingress;
        if (ingress == IngressKind.None) return null;
        var envoy = ingress == IngressKind.EnvoyGateway;
        var chartVersion = envoy ? WorkloadVersions.GatewayCrdsForEnvoy : WorkloadVersions.GatewayCrdsForTraefik;
        var apiVersion = envoy ? WorkloadVersions.GatewayApiForEnvoy : WorkloadVersions.GatewayApiForTraefik;
        IEnumerable<string> crds = ["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants"];
        var readiness = crds.Select(c => ReadinessCheck.Crd($"{c}.gateway.networking.k8s.io")).ToList();
        if (envoy) readiness.Add(ReadinessCheck.Crd("envoyproxies.gateway.envoyproxy.io"));
        return new WorkloadComponent
        {
            Name = "gateway-api",
            Order = 0,
            Chart = new ChartRelease
            {
                Name = "gateway-api-crds",
                Namespace = envoy ? EnvoyNamespace : TraefikNamespace,
                // Envoy Gateway's CRD chart packages the upstream Gateway API release ({apiVersion}, standard channel);
                // it is applied with helm template | kubectl apply --server-side as its documentation says, because
                // the CRDs are too large for a Helm release secret.
                Chart = "oci://docker.io/envoyproxy/gateway-crds-helm",
                Version = chartVersion,
                Mode = ChartInstallMode.TemplateApply,
                DependsOn = ["namespaces", "cni"],
                Values = ChartValues.Of(("crds", ChartValues.Of(
                    ("gatewayAPI", ChartValues.Of(("enabled", true), ("channel", "standard"))),
                    ("envoyGateway", ChartValues.Of(("enabled", envoy)))))),
            },
            Objects = [],
            Readiness = readiness,
            Images = [],
        };
    }

    public static WorkloadComponent? Component(PlanContext ctx) => ctx.Spec.Workloads.Ingress switch
    {
        IngressKind.Traefik => Traefik(ctx),
        IngressKind.EnvoyGateway => Envoy(ctx),
        _ => null,
    };

    private static WorkloadComponent Traefik(PlanContext ctx)
    {
        var image = ctx.Image($"docker.io/traefik:{WorkloadVersions.TraefikImage}");
        // traefik's chart takes the registry and repository apart; the official image is docker.io/traefik.
        return new WorkloadComponent
        {
            Name = "ingress",
            Order = 0,
            Chart = new ChartRelease
            {
                Name = "traefik",
                Namespace = TraefikNamespace,
                Chart = "traefik",
                Repository = "https://traefik.github.io/charts",
                Version = WorkloadVersions.Traefik.Version,
                DependsOn = ["gateway-api"],
                Values = ChartValues.Of(
                    ("image", ChartValues.Of(("registry", image.Registry), ("repository", image.Repository), ("tag", image.Tag))),
                    ("providers", ChartValues.Of(
                        ("kubernetesCRD", ChartValues.Of(("enabled", true))),
                        ("kubernetesIngress", ChartValues.Of(("enabled", true))),
                        ("kubernetesGateway", ChartValues.Of(("enabled", true))))),
                    ("gateway", ChartValues.Of(
                        ("enabled", true),
                        ("listeners", ChartValues.Of(("web", ChartValues.Of(("namespacePolicy", ChartValues.Of(("from", "All"))))))))),
                    ("gatewayClass", ChartValues.Of(("enabled", true))),
                    ("ingressClass", ChartValues.Of(("enabled", true), ("isDefaultClass", true))),
                    // kubeadm clusters have no cloud controller for LoadBalancer Services: the load balancer or
                    // firewall in front forwards 80/443 to these node ports. Chart 41 copies service.spec into the
                    // Service's spec (traefik/values.yaml and templates/_service.tpl at v41.3.0); there is no service.type.
                    ("service", ChartValues.Of(("spec", ChartValues.Of(("type", "NodePort"))))),
                    ("ports", ChartValues.Of(
                        ("web", ChartValues.Of(("nodePort", HttpNodePort))),
                        ("websecure", ChartValues.Of(("nodePort", HttpsNodePort))))),
                    ("podSecurityContext", K.NonRootPodValues(65532)),
                    ("securityContext", K.RestrictedContainerValues()),
                    ("resources", K.ResourceValues("100m", "128Mi", "1", "512Mi"))),
            },
            Objects = [],
            Readiness =
            [
                ReadinessCheck.Deployment(TraefikNamespace, "traefik"),
                ReadinessCheck.ConditionOf("gatewayclass", null, "traefik", "Accepted"),
            ],
            Images = [image],
        };
    }

    private static WorkloadComponent Envoy(PlanContext ctx)
    {
        var version = WorkloadVersions.EnvoyGateway.Version;
        var controller = ctx.Image($"docker.io/envoyproxy/gateway:{version}");
        // Envoy Gateway v1.9 compatibility matrix: Envoy Proxy distroless-v1.39.0, rate limit 17b1956c.
        var proxy = ctx.Image("docker.io/envoyproxy/envoy:distroless-v1.39.0");
        var ratelimit = ctx.Image("docker.io/envoyproxy/ratelimit:17b1956c");
        var envoyProxy = new EnvoyProxy
        {
            ApiVersion = EnvoyProxy.Api,
            Kind = "EnvoyProxy",
            Metadata = K.Meta("default", EnvoyNamespace),
            Spec = new EnvoyProxySpec
            {
                Provider = new EnvoyProxyProvider
                {
                    Kubernetes = new EnvoyProxyKubernetes
                    {
                        EnvoyDeployment = new EnvoyDeploymentSpec
                        {
                            Replicas = 2,
                            Pod = new EnvoyPodSpec
                            {
                                SecurityContext = new V1PodSecurityContext
                                {
                                    RunAsNonRoot = true,
                                    RunAsUser = 65532,
                                    RunAsGroup = 65532,
                                    SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                                },
                            },
                            Container = new EnvoyContainerSpec
                            {
                                Resources = K.Resources("100m", "128Mi", "1", "1Gi"),
                                SecurityContext = K.RestrictedContainer(),
                            },
                        },
                        EnvoyService = new EnvoyServiceSpec { Type = "NodePort" },
                        // Two proxy replicas: drains keep one (Envoy Gateway makes the budget from envoyPDB). The proxies
                        // tolerate no taint; with fewer than two untainted workers a budget would block their drains.
                        EnvoyPdb = ctx.UntaintedWorkers >= 2 ? new EnvoyPdbSpec { MaxUnavailable = 1 } : null,
                    },
                },
            },
        };
        var gatewayClass = new GatewayClass
        {
            ApiVersion = GatewayClass.Api,
            Kind = "GatewayClass",
            Metadata = K.Meta("envoy-gateway"),
            Spec = new GatewayClassSpec
            {
                ControllerName = "gateway.envoyproxy.io/gatewayclass-controller",
                ParametersRef = new GatewayParametersRef { Group = "gateway.envoyproxy.io", Kind = "EnvoyProxy", Name = "default", Namespace = EnvoyNamespace },
            },
        };
        var gateway = new Gateway
        {
            ApiVersion = Gateway.Api,
            Kind = "Gateway",
            Metadata = K.Meta("default", EnvoyNamespace),
            Spec = new GatewaySpec
            {
                GatewayClassName = "envoy-gateway",
                Listeners = [new GatewayListener { Name = "http", Protocol = "HTTP", Port = 80, AllowedRoutes = new GatewayAllowedRoutes { Namespaces = new GatewayRouteNamespaces { From = "All" } } }],
            },
        };
        return new WorkloadComponent
        {
            Name = "ingress",
            Order = 0,
            Chart = new ChartRelease
            {
                Name = "envoy-gateway",
                Namespace = EnvoyNamespace,
                Chart = "oci://docker.io/envoyproxy/gateway-helm",
                Version = version,
                DependsOn = ["gateway-api"],
                Values = ChartValues.Of(
                    // The Gateway API and Envoy Gateway CRDs come from the gateway-api component.
                    ("crds", ChartValues.Of(("enabled", false))),
                    ("global", ChartValues.Of(("images", ChartValues.Of(
                        ("envoyGateway", ChartValues.Of(("image", controller.ToString()))),
                        ("envoyProxy", ChartValues.Of(("image", proxy.ToString()))),
                        ("ratelimit", ChartValues.Of(("image", ratelimit.ToString()))))))),
                    ("deployment", ChartValues.Of(("envoyGateway", ChartValues.Of(
                        ("resources", K.ResourceValues("100m", "256Mi", "1", "1Gi")),
                        ("securityContext", K.RestrictedContainerValues(65532))))))),
            },
            Objects =
            [
                new KubeObject(envoyProxy, "Proxy pods Envoy Gateway creates: two replicas (a budget keeps one through drains), non-root, with requests and limits, behind a NodePort Service."),
                new KubeObject(gatewayClass),
                new KubeObject(gateway, "A shared HTTP gateway; routes from any namespace may attach."),
            ],
            Readiness =
            [
                ReadinessCheck.Deployment(EnvoyNamespace, "envoy-gateway"),
                ReadinessCheck.ConditionOf("gatewayclass", null, "envoy-gateway", "Accepted"),
                ReadinessCheck.ConditionOf("gateway", EnvoyNamespace, "default", "Programmed"),
            ],
            Images = [controller, proxy, ratelimit],
        };
    }
}

/// <summary>cert-manager and a self-signed ClusterIssuer.</summary>
internal static class CertManagers
{
    public static WorkloadComponent? Component(PlanContext ctx)
    {
        if (!ctx.Spec.Workloads.CertManager) return null;
        var version = WorkloadVersions.CertManager.Version;
        ImageRef Img(string name) => ctx.Image($"quay.io/jetstack/cert-manager-{name}:{version}");
        var controller = Img("controller");
        var webhook = Img("webhook");
        var cainjector = Img("cainjector");
        var acmesolver = Img("acmesolver");
        static ChartValues Image(ImageRef i) => ChartValues.Of(("repository", i.Name), ("tag", i.Tag));
        var issuer = new ClusterIssuer
        {
            ApiVersion = ClusterIssuer.Api,
            Kind = "ClusterIssuer",
            Metadata = K.Meta("selfsigned"),
            Spec = new ClusterIssuerSpec { SelfSigned = new SelfSignedIssuer() },
        };
        return new WorkloadComponent
        {
            Name = "cert-manager",
            Order = 0,
            Chart = new ChartRelease
            {
                Name = "cert-manager",
                Namespace = "cert-manager",
                Chart = "cert-manager",
                Repository = "https://charts.jetstack.io",
                Version = version,
                DependsOn = ["cni"],
                Values = ChartValues.Of(
                    ("crds", ChartValues.Of(("enabled", true), ("keep", true))),
                    ("image", Image(controller)),
                    ("resources", K.ResourceValues("50m", "128Mi", "500m", "512Mi")),
                    ("securityContext", K.NonRootPodValues()),
                    ("webhook", ChartValues.Of(("image", Image(webhook)), ("resources", K.ResourceValues("20m", "64Mi", "200m", "256Mi")),
                        ("securityContext", K.NonRootPodValues()))),
                    ("cainjector", ChartValues.Of(("image", Image(cainjector)), ("resources", K.ResourceValues("20m", "128Mi", "200m", "512Mi")),
                        ("securityContext", K.NonRootPodValues()))),
                    ("acmesolver", ChartValues.Of(("image", Image(acmesolver)))),
                    // The readiness checks below replace the post-install API check job (one image less to mirror).
                    ("startupapicheck", ChartValues.Of(("enabled", false)))),
            },
            Objects = [new KubeObject(issuer, "Self-signed issuer for internal certificates; add an ACME or CA issuer for public names.")],
            Readiness =
            [
                ReadinessCheck.Deployment("cert-manager", "cert-manager"),
                ReadinessCheck.Deployment("cert-manager", "cert-manager-webhook"),
                ReadinessCheck.Deployment("cert-manager", "cert-manager-cainjector"),
                ReadinessCheck.ConditionOf("clusterissuer", null, "selfsigned", "Ready"),
            ],
            Images = [controller, webhook, cainjector, acmesolver],
        };
    }
}

/// <summary>
/// metrics-server, verifying kubelets' serving certificates against the cluster CA: kubelets get serving
/// certificates signed by the cluster CA (serverTLSBootstrap), and the CA is read from the kube-root-ca.crt
/// ConfigMap that Kubernetes publishes in every namespace. No --kubelet-insecure-tls.
/// </summary>
internal static class MetricsServers
{
    public const string Namespace = "metrics-server";

    public static WorkloadComponent? Component(PlanContext ctx)
    {
        if (!ctx.Spec.Workloads.MetricsServer) return null;
        var image = ctx.Image($"registry.k8s.io/metrics-server/metrics-server:{WorkloadVersions.MetricsServerImage}");
        return new WorkloadComponent
        {
            Name = "metrics-server",
            Order = 0,
            Chart = new ChartRelease
            {
                Name = "metrics-server",
                Namespace = Namespace,
                Chart = "metrics-server",
                Repository = "https://kubernetes-sigs.github.io/metrics-server/",
                Version = WorkloadVersions.MetricsServer.Version,
                DependsOn = ["cni"],
                Values = ChartValues.Of(
                    ("image", ChartValues.Of(("repository", image.Name), ("tag", image.Tag))),
                    ("args", ChartValues.List("--kubelet-certificate-authority=/etc/kubelet-ca/ca.crt")),
                    ("extraVolumes", ChartValues.List(ChartValues.Of(
                        ("name", "kubelet-ca"),
                        ("configMap", ChartValues.Of(
                            ("name", "kube-root-ca.crt"),
                            ("items", ChartValues.List(ChartValues.Of(("key", "ca.crt"), ("path", "ca.crt"))))))))),
                    ("extraVolumeMounts", ChartValues.List(ChartValues.Of(
                        ("name", "kubelet-ca"), ("mountPath", "/etc/kubelet-ca"), ("readOnly", true)))),
                    // The API server verifies metrics-server with a certificate the chart generates, not blindly.
                    ("tls", ChartValues.Of(("type", "helm"))),
                    ("apiService", ChartValues.Of(("insecureSkipTLSVerify", false))),
                    ("securityContext", K.RestrictedContainerValues(1000)),
                    ("resources", K.ResourceValues("100m", "200Mi", "1", "512Mi"))),
            },
            Objects = [],
            Readiness =
            [
                ReadinessCheck.Deployment(Namespace, "metrics-server"),
                ReadinessCheck.ConditionOf("apiservice", null, "v1beta1.metrics.k8s.io", "Available"),
            ],
            Images = [image],
        };
    }
}
