using System.Globalization;
using Infra.Core.Spec;

namespace Infra.Core.Workloads;

/// <summary>
/// Plans the baseline workloads of a cluster: CNI, Gateway API CRDs, cert-manager, metrics-server, ingress,
/// storage and policies, in apply order, each pinned by version and with images rewritten to the spec's mirrors.
/// Pure and deterministic.
/// </summary>
public static class BaselinePlanner
{
    /// <summary>Errors (refusals) and warnings for the workloads the spec asks for, without planning them.</summary>
    public static IReadOnlyList<WorkloadDiagnostic> Check(ClusterSpec spec)
    {
        var v = spec.Kubernetes.Version;
        var list = new List<WorkloadDiagnostic>();
        void Refuse(string component, string key, Pinned? pinned, string what)
        {
            var supported = pinned is null ? "" : $" {pinned.Support}.";
            list.Add(new WorkloadDiagnostic(WorkloadSeverity.Error, component, key,
                $"{what} does not support Kubernetes {v.MinorString}.{supported} Choose a supported Kubernetes minor " +
                $"({string.Join(", ", WorkloadVersions.SupportedMinors)}) or turn {key} off or to another choice."));
        }

        switch (spec.Network.Cni)
        {
            case Cni.Calico when !WorkloadVersions.Calico.Supports(v):
                Refuse("cni", "network.cni", WorkloadVersions.Calico, $"Calico {WorkloadVersions.Calico.Version}");
                break;
            case Cni.Cilium when WorkloadVersions.CiliumFor(v) is null:
                Refuse("cni", "network.cni", null, "no pinned Cilium release");
                break;
            case Cni.Flannel when !WorkloadVersions.Flannel.Supports(v):
                Refuse("cni", "network.cni", WorkloadVersions.Flannel, $"Flannel {WorkloadVersions.Flannel.Version}");
                break;
            case Cni.Flannel:
                list.Add(new WorkloadDiagnostic(WorkloadSeverity.Warning, "cni", "network.cni",
                    "Flannel does not enforce NetworkPolicies: the baseline's default-deny policies are rendered but have no effect. " +
                    "Choose calico or cilium to enforce them."));
                break;
        }
        if (spec.Workloads.CertManager && !WorkloadVersions.CertManager.Supports(v))
            Refuse("cert-manager", "workloads.certManager", WorkloadVersions.CertManager, $"cert-manager {WorkloadVersions.CertManager.Version}");
        if (spec.Workloads.MetricsServer && !WorkloadVersions.MetricsServer.Supports(v))
            Refuse("metrics-server", "workloads.metricsServer", WorkloadVersions.MetricsServer, "metrics-server chart " + WorkloadVersions.MetricsServer.Version);
        if (spec.Workloads.Ingress == IngressKind.EnvoyGateway && !WorkloadVersions.EnvoyGateway.Supports(v))
            Refuse("ingress", "workloads.ingress", WorkloadVersions.EnvoyGateway, "Envoy Gateway " + WorkloadVersions.EnvoyGateway.Version);
        if (spec.Workloads.Ingress == IngressKind.Traefik && !WorkloadVersions.Traefik.Supports(v))
            Refuse("ingress", "workloads.ingress", WorkloadVersions.Traefik, "Traefik chart " + WorkloadVersions.Traefik.Version);
        if (spec.Workloads.Monitoring.Enabled && !WorkloadVersions.KubePrometheusStack.Supports(v))
            Refuse("monitoring", "workloads.monitoring", WorkloadVersions.KubePrometheusStack, "kube-prometheus-stack " + WorkloadVersions.KubePrometheusStack.Version);
        list.AddRange(Monitoring.Warnings(spec));

        var storage = spec.Workloads.Storage;
        if (storage == StorageKind.LocalPath && spec.Target != Target.Baremetal)
            list.Add(new WorkloadDiagnostic(WorkloadSeverity.Error, "storage", "workloads.storage",
                $"local-path is for bare metal; on {spec.Target.Name()} use csi (the cloud's disk driver) or none."));
        if (storage == StorageKind.Csi && spec.Target == Target.Baremetal)
            list.Add(new WorkloadDiagnostic(WorkloadSeverity.Error, "storage", "workloads.storage",
                "csi means the cloud's disk driver and needs a cloud target; on bare metal use local-path or none."));
        return list;
    }

    /// <summary>The baseline for <paramref name="spec"/>; throws <see cref="WorkloadPlanException"/> listing every refusal.</summary>
    public static WorkloadPlan Plan(ClusterSpec spec)
    {
        var diagnostics = Check(spec);
        var errors = diagnostics.Where(d => d.Severity == WorkloadSeverity.Error).ToList();
        if (errors.Count > 0) throw new WorkloadPlanException(errors);

        var ctx = new PlanContext(spec);
        var builders = new List<Func<PlanContext, WorkloadComponent?>>
        {
            Namespaces.Component,
            Cnis.Crds,
            Cnis.Component,
            Ingresses.GatewayApiCrds,
            CertManagers.Component,
            MetricsServers.Component,
            Ingresses.Component,
            Storages.Component,
            Monitoring.Component,
            Policies.Component,
        };
        var components = new List<WorkloadComponent>();
        foreach (var build in builders)
        {
            var c = build(ctx);
            if (c is not null)
            {
                components.Add(c with
                {
                    Order = components.Count,
                    Chart = c.Chart is null ? null : ChartMirrors.Apply(c.Chart, spec.Packages.ChartMirrors),
                });
            }
        }
        return new WorkloadPlan
        {
            Components = components,
            Warnings = [.. diagnostics.Where(d => d.Severity == WorkloadSeverity.Warning).Select(d => d.ToString())],
        };
    }
}

/// <summary>What every component builder needs from the spec.</summary>
internal sealed class PlanContext
{
    public PlanContext(ClusterSpec spec)
    {
        Spec = spec;
        Mirrors = new ImageMirrors(spec.Packages.Mirrors);
        PsaVersion = "v" + spec.Kubernetes.Version.MinorString;
    }

    public ClusterSpec Spec { get; }
    public ImageMirrors Mirrors { get; }
    /// <summary>Pod Security Admission version labels are pinned to the cluster's minor.</summary>
    public string PsaVersion { get; }
    public bool Ipv6Pods => Spec.Network.PodCidr.Network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
    public string PodCidr => Spec.Network.PodCidr.ToString();

    public ImageRef Image(string reference) => Mirrors.Rewrite(reference);

    /// <summary>Kubernetes nodes: control planes and workers (on bare metal, the hosts that have those roles).</summary>
    public int NodeCount => Spec.Target == Target.Baremetal
        ? Spec.Hosts.Count(h => h.Has(Roles.ControlPlane) || h.Has(Roles.Worker))
        : Spec.ControlPlane.Count + Spec.Workers.Sum(w => w.Count);

    /// <summary>Workers of pools without taints: where pods without tolerations can run.</summary>
    public int UntaintedWorkers => Spec.Target == Target.Baremetal
        ? Spec.Hosts.Count(h => h.Has(Roles.Worker) && Spec.Workers.FirstOrDefault(w => w.Name == h.Pool)?.Taints.Count is null or 0)
        : Spec.Workers.Where(w => w.Taints.Count == 0).Sum(w => w.Count);

    public static string Port(int p) => p.ToString(CultureInfo.InvariantCulture);
}
