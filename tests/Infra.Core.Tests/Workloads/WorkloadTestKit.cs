using System.Reflection;
using Infra.Core.Spec;
using Infra.Core.Tests.NodePrograms;
using Infra.Core.Workloads;
using Infra.TestKit;
using k8s;
using k8s.Models;

namespace Infra.Core.Tests.Workloads;

/// <summary>Specs, real tools (yamllint, shellcheck) and golden files for the workload tests.</summary>
internal static class WorkloadTestKit
{
    public static readonly string[] Targets = ["baremetal", "aws", "azure", "gcp"];

    public static ClusterSpec SpecFor(string target) => target switch
    {
        "baremetal" => SampleSpecs.BareMetal(),
        "aws" => SampleSpecs.Cloud(Target.Aws),
        "azure" => SampleSpecs.Cloud(Target.Azure),
        "gcp" => SampleSpecs.Cloud(Target.Gcp),
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    public static ClusterSpec WithMinor(ClusterSpec spec, int minor) =>
        spec with { Kubernetes = spec.Kubernetes with { Version = new KubernetesVersion(1, minor, 0) } };

    public static ClusterSpec With(ClusterSpec spec, Cni cni, IngressKind ingress) =>
        spec with { Network = spec.Network with { Cni = cni }, Workloads = spec.Workloads with { Ingress = ingress } };

    /// <summary>Monitoring with every optional part on: Grafana and all three alert receivers.</summary>
    public static ClusterSpec WithFullMonitoring(ClusterSpec spec) => spec with
    {
        Workloads = spec.Workloads with
        {
            Monitoring = new MonitoringSpec
            {
                Enabled = true,
                Grafana = true,
                Retention = "30d",
                VolumeSize = "50Gi",
                Alerts = new AlertsSpec
                {
                    Webhook = true,
                    Slack = new SlackAlertSpec("#ops"),
                    Email = new EmailAlertSpec("ops@example.com", "alertmanager@example.com", "smtp.example.com:587", "alertmanager"),
                },
            },
        },
    };

    /// <summary>Every combination the rules must hold for: each target with each CNI and ingress choice.</summary>
    public static IEnumerable<(string Name, ClusterSpec Spec)> Variants()
    {
        foreach (var t in Targets)
        {
            foreach (var cni in Enum.GetValues<Cni>())
            {
                foreach (var ingress in Enum.GetValues<IngressKind>())
                {
                    foreach (var minor in new[] { 34, 35, 36 })
                    {
                        yield return ($"{t}-{cni}-{ingress}-1.{minor}", WithMinor(With(SpecFor(t), cni, ingress), minor));
                    }
                }
            }
        }
    }

    /// <summary>Registry host → mirror for every registry the baseline pulls from.</summary>
    public static readonly IReadOnlyDictionary<string, string> AllMirrors = new Dictionary<string, string>
    {
        ["docker.io"] = "mirror.example.com/dockerhub",
        ["quay.io"] = "mirror.example.com/quay",
        ["registry.k8s.io"] = "mirror.example.com/k8s",
        ["ghcr.io"] = "mirror.example.com/ghcr",
        ["public.ecr.aws"] = "mirror.example.com/ecr",
        ["mcr.microsoft.com"] = "mirror.example.com/mcr",
    };

    /// <summary>apiVersion/kind → type for every built-in kind of KubernetesClient and the project's custom models.</summary>
    public static IDictionary<string, Type> TypeMap()
    {
        var map = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var t in typeof(V1Pod).Assembly.GetTypes())
        {
            var e = t.GetCustomAttribute<KubernetesEntityAttribute>();
            if (e is null || t.IsAbstract) continue;
            var apiVersion = string.IsNullOrEmpty(e.Group) ? e.ApiVersion : $"{e.Group}/{e.ApiVersion}";
            map.TryAdd($"{apiVersion}/{e.Kind}", t);
        }
        map[$"{ClusterIssuer.Api}/ClusterIssuer"] = typeof(ClusterIssuer);
        map[$"{GatewayClass.Api}/GatewayClass"] = typeof(GatewayClass);
        map[$"{Gateway.Api}/Gateway"] = typeof(Gateway);
        map[$"{EnvoyProxy.Api}/EnvoyProxy"] = typeof(EnvoyProxy);
        map[$"{CalicoInstallation.Api}/Installation"] = typeof(CalicoInstallation);
        return map;
    }

    public static readonly HashSet<Type> CustomTypes =
        [typeof(ClusterIssuer), typeof(GatewayClass), typeof(Gateway), typeof(EnvoyProxy), typeof(CalicoInstallation)];

    public static List<object> DecodeStrict(string yaml) => KubernetesYaml.LoadAllFromString(yaml, TypeMap(), strict: true);

    public static (int Exit, string Output) Run(string tool, IEnumerable<string> args, string? stdin = null, string? workDir = null,
        IReadOnlyDictionary<string, string>? env = null)
    {
        var r = ProcessRunner.Run(tool, args, stdin, workDir ?? Environment.CurrentDirectory, env, aptPackage: tool);
        return (r.ExitCode, r.Stdout + r.Stderr);
    }

    public static string YamllintConfig => Path.Combine(TestPaths.ProjectDir, "Workloads", "yamllint.yaml");

    /// <summary>Compare with the golden file; with INFRA_UPDATE_GOLDEN=1 rewrite it instead.</summary>
    public static void Golden(string relativePath, string actual) => TestPaths.VerifyGolden(relativePath, actual);
}
