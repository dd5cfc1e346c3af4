using Infra.Core.Spec;
using Infra.Core.Workloads;
using Infra.TestKit;
using k8s;
using k8s.Models;
using static Infra.Core.Tests.Workloads.WorkloadTestKit;

namespace Infra.Core.Tests.Workloads;

public class BaselinePlannerTests
{
    [Theory]
    [InlineData(Target.Aws)]
    [InlineData(Target.Azure)]
    [InlineData(Target.Gcp)]
    public void Plan_CalicoOnCloud_VxlanWithoutBgpAndTheFirewallOpensExactlyThat(Target target)
    {
        var spec = SampleSpecs.Cloud(target);

        var installation = BaselinePlanner.Plan(spec).Components.SelectMany(c => c.Objects).Select(o => o.Object).OfType<CalicoInstallation>().Single();
        Assert.Equal("Disabled", installation.Spec.CalicoNetwork.Bgp);
        Assert.All(installation.Spec.CalicoNetwork.IpPools, p => Assert.Equal("VXLAN", p.Encapsulation));

        var firewall = Infra.Core.Infrastructure.CloudPlanner.Plan(spec, Infra.Core.Planning.HostInventory.Plan(spec)).Firewall;
        Assert.Contains(firewall, r => r.Name.EndsWith("-calico-vxlan", StringComparison.Ordinal) && r.Ports is { From: 4789, To: 4789 });
        Assert.DoesNotContain(firewall, r => r.Ports is { } p && p.From <= 179 && 179 <= p.To);
    }

    [Fact]
    public void Plan_CalicoOnBareMetal_BgpLeftOnForCrossSubnetRouting()
    {
        var installation = BaselinePlanner.Plan(SampleSpecs.BareMetal()).Components.SelectMany(c => c.Objects).Select(o => o.Object).OfType<CalicoInstallation>().Single();
        Assert.Null(installation.Spec.CalicoNetwork.Bgp);
        Assert.All(installation.Spec.CalicoNetwork.IpPools, p => Assert.Equal("VXLANCrossSubnet", p.Encapsulation));
    }

    [Fact]
    public void Plan_CertManagerOnUnsupportedMinor_RefusedWithReason()
    {
        var spec = WithMinor(SpecFor("baremetal"), 37) with { Network = SpecFor("baremetal").Network with { Cni = Cni.Flannel } };
        var e = Assert.Throws<WorkloadPlanException>(() => BaselinePlanner.Plan(spec));
        var certManager = Assert.Single(e.Errors, d => d.Component == "cert-manager");
        Assert.Equal(WorkloadSeverity.Error, certManager.Severity);
        Assert.Equal("workloads.certManager", certManager.Key);
        Assert.Contains("cert-manager v1.21.1 does not support Kubernetes 1.37", certManager.Message, StringComparison.Ordinal);
        Assert.Contains("1.33 → 1.36", certManager.Message, StringComparison.Ordinal);
        Assert.Contains("workloads.certManager", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_CertManagerOffOnUnsupportedMinor_CertManagerNotRefused()
    {
        var b = SpecFor("baremetal");
        var spec = WithMinor(b, 37) with { Network = b.Network with { Cni = Cni.Flannel }, Workloads = b.Workloads with { CertManager = false } };
        var errors = BaselinePlanner.Check(spec).Where(d => d.Severity == WorkloadSeverity.Error).ToList();
        Assert.DoesNotContain(errors, d => d.Component == "cert-manager");
    }

    [Theory]
    [InlineData(Cni.Calico)]
    [InlineData(Cni.Cilium)]
    public void Plan_CniOnUnpinnedMinor_RefusedNamingNetworkCni(Cni cni)
    {
        var spec = WithMinor(With(SpecFor("aws"), cni, IngressKind.Traefik), 33);
        var e = Assert.Throws<WorkloadPlanException>(() => BaselinePlanner.Plan(spec));
        Assert.Contains(e.Errors, d => d.Key == "network.cni" && d.Message.Contains("1.33", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_Flannel_WarnsThatPoliciesAreNotEnforced()
    {
        var plan = BaselinePlanner.Plan(With(SpecFor("baremetal"), Cni.Flannel, IngressKind.Traefik));
        var warning = Assert.Single(plan.Warnings);
        Assert.Contains("network.cni", warning, StringComparison.Ordinal);
        Assert.Contains("does not enforce NetworkPolicies", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_Calico_HasNoWarnings() => Assert.Empty(BaselinePlanner.Plan(SpecFor("baremetal")).Warnings);

    [Theory]
    [InlineData("aws", StorageKind.LocalPath, "local-path is for bare metal")]
    [InlineData("baremetal", StorageKind.Csi, "needs a cloud target")]
    public void Plan_StorageNotForTarget_Refused(string target, StorageKind storage, string reason)
    {
        var s = SpecFor(target);
        var e = Assert.Throws<WorkloadPlanException>(() => BaselinePlanner.Plan(s with { Workloads = s.Workloads with { Storage = storage } }));
        Assert.Contains(e.Errors, d => d.Key == "workloads.storage" && d.Message.Contains(reason, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TargetNames))]
    public void Plan_Defaults_ComponentsInApplyOrder(string target)
    {
        var plan = BaselinePlanner.Plan(SpecFor(target));
        Assert.Equal(["namespaces", "cni-crds", "cni", "gateway-api", "cert-manager", "metrics-server", "ingress", "storage", "monitoring", "policies"],
            plan.Components.Select(c => c.Name));
        Assert.Equal(Enumerable.Range(0, plan.Components.Count), plan.Components.Select(c => c.Order));
        var names = plan.Components.Select(c => c.Name).ToList();
        foreach (var c in plan.Components.Where(c => c.Chart is not null))
        {
            foreach (var dep in c.Chart!.DependsOn)
            {
                Assert.True(names.IndexOf(dep) is >= 0 and var i && i < names.IndexOf(c.Name), $"{c.Name} depends on {dep}, which must come first");
            }
        }
    }

    public static TheoryData<string> TargetNames() => [.. Targets];

    [Fact]
    public void Plan_EverythingOff_OnlyNamespacesAndCniWithItsCrds()
    {
        var s = SpecFor("baremetal");
        var plan = BaselinePlanner.Plan(s with
        {
            Workloads = new WorkloadsSpec
            {
                MetricsServer = false,
                Ingress = IngressKind.None,
                CertManager = false,
                Storage = StorageKind.None,
                Policies = false,
                Monitoring = MonitoringSpec.Off,
            },
        });
        Assert.Equal(["namespaces", "cni-crds", "cni"], plan.Components.Select(c => c.Name));
        var nsNames = plan.Components[0].Objects.Where(o => o.Kind == "Namespace").Select(o => o.Name).ToList();
        Assert.Equal(["kube-system", "tigera-operator"], nsNames);
    }

    [Fact]
    public void Plan_SameSpecTwice_ByteIdenticalOutput()
    {
        var a = BaselinePlanner.Plan(SpecFor("gcp"));
        var b = BaselinePlanner.Plan(SpecFor("gcp"));
        Assert.Equal(WorkloadRenderer.RenderChartsJson(a), WorkloadRenderer.RenderChartsJson(b));
        Assert.Equal(WorkloadRenderer.RenderManifests(a), WorkloadRenderer.RenderManifests(b));
    }

    public static TheoryData<string, string> PodCidrs() => new()
    {
        { "10.32.0.0/12", "calico" }, { "10.32.0.0/12", "cilium" }, { "10.32.0.0/12", "flannel" },
        { "fd00:10:244::/56", "calico" }, { "fd00:10:244::/56", "cilium" }, { "fd00:10:244::/56", "flannel" },
    };

    [Theory]
    [MemberData(nameof(PodCidrs))]
    public void Plan_Cni_CidrEqualsPodCidr(string cidr, string cni)
    {
        Assert.True(Cidr.TryParse(cidr, out var pod));
        var s = SpecFor("baremetal");
        s = s with { Network = s.Network with { PodCidr = pod!, Cni = Enum.Parse<Cni>(cni, ignoreCase: true) } };
        var c = BaselinePlanner.Plan(s).Components.Single(c => c.Name == "cni");
        var v6 = cidr.Contains(':', StringComparison.Ordinal);
        var found = cni switch
        {
            "calico" => c.Objects.Select(o => o.Object).OfType<CalicoInstallation>().Single().Spec.CalicoNetwork.IpPools.Select(p => p.Cidr).ToList(),
            "cilium" => [.. ((IReadOnlyList<object>)c.Chart!.Values.Get(v6 ? "ipam.operator.clusterPoolIPv6PodCIDRList" : "ipam.operator.clusterPoolIPv4PodCIDRList")!).Cast<string>()],
            _ => new List<string> { (string)c.Chart!.Values.Get(v6 ? "podCidrv6" : "podCidr")! },
        };
        Assert.Equal([pod!.ToString()], found);
    }

    [Fact]
    public void Plan_AllMirrors_EveryImageAndRenderedFileUsesMirrors()
    {
        foreach (var (name, spec) in Variants().Where(v => v.Name.EndsWith("1.36", StringComparison.Ordinal)))
        {
            var plan = BaselinePlanner.Plan(spec with { Packages = spec.Packages with { Mirrors = AllMirrors } });
            foreach (var image in plan.Components.SelectMany(c => c.Images))
            {
                Assert.StartsWith("mirror.example.com/", image.Registry, StringComparison.Ordinal);
            }
            var rendered = string.Join("\n", WorkloadRenderer.RenderManifests(plan).Select(m => m.Yaml))
                + string.Join("\n", plan.Components.Where(c => c.Chart is not null).Select(c => c.Chart!.Values.ToJson()));
            foreach (var host in AllMirrors.Keys)
            {
                Assert.False(ContainsHost(rendered, host), $"{name}: '{host}' is still referenced after mirroring");
            }
        }
    }

    // A host occurs as an image registry when it starts a value or follows whitespace, a quote or '/' is not before it.
    private static bool ContainsHost(string text, string host)
    {
        var i = 0;
        while ((i = text.IndexOf(host, i, StringComparison.Ordinal)) >= 0)
        {
            var before = i == 0 ? ' ' : text[i - 1];
            if (before is not '/' and not '.' and not '-') return true;
            i += host.Length;
        }
        return false;
    }

    [Fact]
    public void Plan_NoMirrors_ImagesUseUpstreamRegistries()
    {
        var plan = BaselinePlanner.Plan(SpecFor("aws"));
        Assert.Contains(plan.Components.SelectMany(c => c.Images), i => i.Registry == "public.ecr.aws");
        Assert.DoesNotContain(plan.Components.SelectMany(c => c.Images), i => i.Registry.StartsWith("mirror.", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_Cilium_PinsImagesByUpstreamDigest()
    {
        var plan = BaselinePlanner.Plan(With(SpecFor("baremetal"), Cni.Cilium, IngressKind.Traefik));
        var images = plan.Components.Single(c => c.Name == "cni").Images;
        Assert.All(images, i => Assert.Matches("^sha256:[0-9a-f]{64}$", i.Digest!));
        Assert.Equal("1.20.0", plan.Components.Single(c => c.Name == "cni").Chart!.Version);
        var onOlder = BaselinePlanner.Plan(WithMinor(With(SpecFor("baremetal"), Cni.Cilium, IngressKind.Traefik), 35));
        Assert.Equal("1.19.6", onOlder.Components.Single(c => c.Name == "cni").Chart!.Version);
    }

    [Fact]
    public void Plan_MetricsServer_TrustsClusterCaWithoutInsecureTls()
    {
        var values = BaselinePlanner.Plan(SpecFor("baremetal")).Components.Single(c => c.Name == "metrics-server").Chart!.Values;
        var leaves = values.Leaves().ToList();
        Assert.DoesNotContain(leaves, l => l.Value is string s && s.Contains("insecure-tls", StringComparison.Ordinal));
        Assert.Contains(leaves, l => l.Value is "--kubelet-certificate-authority=/etc/kubelet-ca/ca.crt");
        Assert.Equal("kube-root-ca.crt", ((ChartValues)((IReadOnlyList<object>)values.Get("extraVolumes")!)[0]).Get("configMap.name"));
        Assert.Equal(false, values.Get("apiService.insecureSkipTLSVerify"));
    }

    [Theory]
    [Trait("Item", "11.2")]
    [InlineData(Cni.Calico, true)]
    [InlineData(Cni.Cilium, false)]
    [InlineData(Cni.Flannel, false)]
    public void Plan_Cni_CalicoCrdChartPinnedBeforeTheOperatorOnlyForCalico(Cni cni, bool expected)
    {
        // projectcalico/calico v3.32.1: charts/tigera-operator ships no crds/; charts/crd.projectcalico.org.v1 holds them
        // (its README: install it before the tigera-operator chart, with helm template | kubectl apply --server-side).
        var b = SpecFor("baremetal");
        var plan = BaselinePlanner.Plan(b with { Network = b.Network with { Cni = cni } });
        var crds = plan.Components.SingleOrDefault(c => c.Name == "cni-crds");
        Assert.Equal(expected, crds is not null);
        if (crds is null) return;
        var chart = crds.Chart!;
        Assert.Equal(("crd.projectcalico.org.v1", "https://docs.tigera.io/calico/charts", ChartInstallMode.TemplateApply),
            (chart.Chart, chart.Repository, chart.Mode));
        var cniChart = plan.Components.Single(c => c.Name == "cni").Chart!;
        Assert.Equal(cniChart.Version, chart.Version);
        Assert.Contains("cni-crds", cniChart.DependsOn);
        Assert.Contains(crds.Readiness, r => r is { Kind: ReadinessKind.CrdEstablished, Name: "installations.operator.tigera.io" });
    }

    [Fact]
    [Trait("Item", "11.7")]
    public void Plan_Traefik_ServiceTypeNodePortUnderServiceSpec()
    {
        // traefik/traefik-helm-chart v41.3.0: values.yaml service.spec.type (default LoadBalancer); templates/_service.tpl
        // copies service.spec into the Service. service.type is no key of chart 41.
        var values = BaselinePlanner.Plan(SpecFor("baremetal")).Components.Single(c => c.Name == "ingress").Chart!.Values;
        Assert.Equal("NodePort", values.Get("service.spec.type"));
        Assert.Null(values.Get("service.type"));
    }

    [Fact]
    [Trait("Item", "11.3")]
    public void Plan_AzureDisk_NodeIdFromInstanceMetadata()
    {
        // kubernetes-sigs/azuredisk-csi-driver v1.34.5: values.yaml node.getNodeIDFromIMDS (default false) becomes
        // --get-nodeid-from-imds; pkg/azuredisk/nodeserver.go reports the VM name from IMDS only with it and
        // useInstanceMetadata. VMs are named <cluster>-<host>, nodes <host>.
        var values = BaselinePlanner.Plan(SpecFor("azure")).Components.Single(c => c.Name == "storage").Chart!.Values;
        Assert.Equal(true, values.Get("node.getNodeIDFromIMDS"));
    }

    // ---- project rules, over every target × CNI × ingress × supported minor ----

    public static TheoryData<string> VariantNames() => [.. Variants().Select(v => v.Name)];

    private static WorkloadPlan PlanFor(string variant) => BaselinePlanner.Plan(Variants().Single(v => v.Name == variant).Spec);

    [Theory]
    [MemberData(nameof(VariantNames))]
    public void Rules_EveryContainer_HasRequestsAndLimits(string variant)
    {
        var plan = PlanFor(variant);
        foreach (var (where, pod) in PodSpecs(plan))
        {
            foreach (var c in pod.Containers.Concat(pod.InitContainers ?? []))
            {
                AssertResources($"{where}/{c.Name}", c.Resources);
            }
        }
        foreach (var c in plan.Components)
        {
            foreach (var o in c.Objects.Select(o => o.Object))
            {
                if (o is CalicoInstallation ci)
                {
                    foreach (var ov in new[] { ci.Spec.CalicoNodeDaemonSet, ci.Spec.CalicoKubeControllersDeployment, ci.Spec.TyphaDeployment })
                    {
                        Assert.NotNull(ov);
                        foreach (var co in ov!.Spec.Template.Spec.Containers) AssertResources("Installation/" + co.Name, co.Resources);
                    }
                }
                if (o is EnvoyProxy ep) AssertResources("EnvoyProxy/default", ep.Spec.Provider.Kubernetes.EnvoyDeployment.Container.Resources);
            }
            if (c.Chart is null || c.Chart.Mode == ChartInstallMode.TemplateApply) continue;
            var resourceNodes = ResourceNodes(c.Chart.Values, "").ToList();
            Assert.True(resourceNodes.Count > 0, $"{c.Name}: the chart values set no resources");
            foreach (var (path, node) in resourceNodes)
            {
                foreach (var key in new[] { "requests.cpu", "requests.memory", "limits.cpu", "limits.memory" })
                {
                    Assert.True(node.Get(key) is string, $"{c.Name}: values {path}.{key} is not set");
                }
            }
        }
    }

    private static void AssertResources(string where, V1ResourceRequirements? r)
    {
        Assert.True(r?.Requests is not null && r.Requests.ContainsKey("cpu") && r.Requests.ContainsKey("memory"), $"{where}: no cpu/memory requests");
        Assert.True(r!.Limits is not null && r.Limits.ContainsKey("cpu") && r.Limits.ContainsKey("memory"), $"{where}: no cpu/memory limits");
    }

    private static IEnumerable<(string Path, ChartValues Node)> ResourceNodes(ChartValues v, string path)
    {
        foreach (var (k, child) in v.Entries)
        {
            if (child is not ChartValues cv) continue;
            var p = path.Length == 0 ? k : $"{path}.{k}";
            // A volume claim's requests (storage only) are no container's resources.
            if (cv.Get("requests") is ChartValues claim && cv.Get("limits") is null && claim.Entries.All(e => e.Key == "storage")) continue;
            if (cv.Get("requests") is not null || cv.Get("limits") is not null) yield return (p, cv);
            else foreach (var r in ResourceNodes(cv, p)) yield return r;
        }
    }

    /// <summary>Workloads that must run as root, each with the reason; everything else must not.</summary>
    private static readonly Dictionary<string, string> RootAllowed = new()
    {
        ["local-path-storage/ConfigMap/local-path-config/helper-pod"] = "creates and removes volume directories on the host",
        ["gce-pd-csi-driver/DaemonSet/csi-gce-pd-node"] = "formats and mounts disks on the host (privileged)",
        ["gce-pd-csi-driver/Deployment/csi-gce-pd-controller"] = "upstream's images run as root; reads VM credentials on the host network",
    };

    [Theory]
    [MemberData(nameof(VariantNames))]
    public void Rules_Containers_RunAsNonRootWhereAllowed(string variant)
    {
        var plan = PlanFor(variant);
        foreach (var (where, pod) in PodSpecs(plan))
        {
            if (RootAllowed.ContainsKey(where)) continue;
            foreach (var c in pod.Containers)
            {
                var nonRoot = c.SecurityContext?.RunAsNonRoot ?? pod.SecurityContext?.RunAsNonRoot;
                Assert.True(nonRoot == true, $"{where}/{c.Name} does not set runAsNonRoot");
                Assert.NotEqual(true, c.SecurityContext?.Privileged);
            }
        }
        var restricted = plan.Components[0].Objects.Select(o => o.Object).OfType<V1Namespace>()
            .Where(n => n.Metadata.Labels["pod-security.kubernetes.io/warn"] == "restricted").Select(n => n.Metadata.Name).ToHashSet();
        foreach (var c in plan.Components.Where(c => c.Chart is { Mode: ChartInstallMode.Release } && restricted.Contains(c.Chart.Namespace)))
        {
            Assert.Contains(c.Chart!.Values.Leaves(), l => l.Path.EndsWith("runAsNonRoot", StringComparison.Ordinal) && l.Value is true);
            Assert.DoesNotContain(c.Chart!.Values.Leaves(), l => l.Path.EndsWith("runAsNonRoot", StringComparison.Ordinal) && l.Value is false);
        }
    }

    [Theory]
    [MemberData(nameof(VariantNames))]
    public void Rules_Images_PinnedNeverLatest(string variant)
    {
        var plan = PlanFor(variant);
        var images = plan.Components.SelectMany(c => c.Images).Select(i => i.ToString())
            .Concat(PodSpecs(plan).SelectMany(p => p.Pod.Containers.Select(c => c.Image)))
            .Concat(plan.Components.Where(c => c.Chart is not null).SelectMany(c => c.Chart!.Values.Leaves())
                .Where(l => l.Path.EndsWith(".image", StringComparison.Ordinal) && l.Value is string).Select(l => (string)l.Value));
        foreach (var text in images)
        {
            var image = ImageRef.Parse(text);
            Assert.False(string.IsNullOrEmpty(image.Tag), $"{text}: no tag");
            Assert.NotEqual("latest", image.Tag);
            if (image.Digest is not null) Assert.Matches("^sha256:[0-9a-f]{64}$", image.Digest);
        }
        foreach (var c in plan.Components.Where(c => c.Chart is not null))
        {
            foreach (var (path, value) in c.Chart!.Values.Leaves().Where(l => l.Path.EndsWith(".tag", StringComparison.Ordinal)))
            {
                Assert.True(value is string s && s.Length > 0 && s != "latest", $"{c.Name}: {path} is '{value}'");
            }
            Assert.Matches(@"^v?\d+\.\d+\.\d+$", c.Chart.Version);
        }
    }

    [Theory]
    [MemberData(nameof(VariantNames))]
    public void Rules_EveryNamespace_HasPsaLabelsAndIsCreated(string variant)
    {
        var plan = PlanFor(variant);
        var spec = Variants().Single(v => v.Name == variant).Spec;
        var namespaces = plan.Components.SelectMany(c => c.Objects).Select(o => o.Object).OfType<V1Namespace>().ToList();
        Assert.All(namespaces, n =>
        {
            foreach (var mode in new[] { "enforce", "warn", "audit" })
            {
                Assert.Contains(n.Metadata.Labels[$"pod-security.kubernetes.io/{mode}"], new[] { "privileged", "baseline", "restricted" });
                Assert.Equal("v" + spec.Kubernetes.Version.MinorString, n.Metadata.Labels[$"pod-security.kubernetes.io/{mode}-version"]);
            }
        });
        var created = namespaces.Select(n => n.Metadata.Name).ToHashSet();
        var used = plan.Components.SelectMany(c => c.Objects).Select(o => o.Namespace).OfType<string>()
            .Concat(plan.Components.Where(c => c.Chart is not null).Select(c => c.Chart!.Namespace));
        Assert.All(used, ns => Assert.Contains(ns, created));
    }

    [Theory]
    [MemberData(nameof(VariantNames))]
    public void Rules_CustomResources_MatchTheirModels(string variant)
    {
        var plan = PlanFor(variant);
        var spec = Variants().Single(v => v.Name == variant).Spec;
        foreach (var o in plan.Components.SelectMany(c => c.Objects).Select(o => o.Object))
        {
            switch (o)
            {
                case ClusterIssuer ci:
                    Assert.Equal(("cert-manager.io/v1", "ClusterIssuer"), (ci.ApiVersion, ci.Kind));
                    Assert.NotNull(ci.Spec.SelfSigned);
                    break;
                case GatewayClass gc:
                    Assert.Equal(("gateway.networking.k8s.io/v1", "GatewayClass"), (gc.ApiVersion, gc.Kind));
                    Assert.Matches("^[a-z0-9.-]+/[a-zA-Z0-9/_.-]+$", gc.Spec.ControllerName);
                    break;
                case Gateway g:
                    Assert.Equal(("gateway.networking.k8s.io/v1", "Gateway"), (g.ApiVersion, g.Kind));
                    Assert.NotEmpty(g.Spec.Listeners);
                    Assert.All(g.Spec.Listeners, l =>
                    {
                        Assert.InRange(l.Port, 1, 65535);
                        Assert.Contains(l.Protocol, new[] { "HTTP", "HTTPS", "TLS", "TCP", "UDP" });
                        Assert.Contains(l.AllowedRoutes!.Namespaces!.From, new[] { "All", "Same", "Selector" });
                    });
                    Assert.Contains(plan.Components.SelectMany(c => c.Objects).Select(x => x.Object).OfType<GatewayClass>(),
                        gc => gc.Metadata.Name == g.Spec.GatewayClassName);
                    break;
                case CalicoInstallation inst:
                    Assert.Equal(("operator.tigera.io/v1", "Installation", "default"), (inst.ApiVersion, inst.Kind, inst.Metadata.Name));
                    Assert.All(inst.Spec.CalicoNetwork.IpPools, p =>
                    {
                        Assert.Equal(spec.Network.PodCidr.ToString(), p.Cidr);
                        Assert.Contains(p.Encapsulation, new[] { "IPIP", "VXLAN", "IPIPCrossSubnet", "VXLANCrossSubnet", "None" });
                        Assert.Contains(p.NatOutgoing, new[] { "Enabled", "Disabled" });
                    });
                    break;
                case EnvoyProxy ep:
                    Assert.Equal("Kubernetes", ep.Spec.Provider.Type);
                    Assert.True(ep.Spec.Provider.Kubernetes.EnvoyDeployment.Container.SecurityContext!.RunAsNonRoot);
                    break;
            }
        }
    }

    /// <summary>Every pod template the plan renders (and the local-path helper pod kept inside its ConfigMap).</summary>
    internal static IEnumerable<(string Where, V1PodSpec Pod)> PodSpecs(WorkloadPlan plan)
    {
        foreach (var o in plan.Components.SelectMany(c => c.Objects).Select(o => o.Object))
        {
            var where = $"{o.Metadata.NamespaceProperty}/{o.Kind}/{o.Metadata.Name}";
            switch (o)
            {
                case V1Deployment d: yield return (where, d.Spec.Template.Spec); break;
                case V1DaemonSet ds: yield return (where, ds.Spec.Template.Spec); break;
                case V1StatefulSet ss: yield return (where, ss.Spec.Template.Spec); break;
                case V1ConfigMap cm when cm.Data?.ContainsKey("helperPod.yaml") == true:
                    yield return (where + "/helper-pod", KubernetesYaml.Deserialize<V1Pod>(cm.Data["helperPod.yaml"], strict: true).Spec);
                    break;
            }
        }
    }
}
