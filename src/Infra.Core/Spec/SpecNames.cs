namespace Infra.Core.Spec;

/// <summary>
/// The stack's own spelling of every choice, one table per kind: <see cref="StackReader"/> reads with it, and
/// everything that shows a choice (plan, plan.json, the Pulumi outputs, messages) writes with it, so a value is
/// always shown as the user writes it ("kube-vip", "debian-12"), never as a C# enum name.
/// </summary>
public static class SpecNames
{
    internal static readonly Dictionary<string, Target> Targets = new()
    {
        ["baremetal"] = Target.Baremetal,
        ["aws"] = Target.Aws,
        ["azure"] = Target.Azure,
        ["gcp"] = Target.Gcp,
    };
    internal static readonly Dictionary<string, EtcdTopology> Topologies = new()
    {
        ["stacked"] = EtcdTopology.Stacked,
        ["external"] = EtcdTopology.External,
    };
    internal static readonly Dictionary<string, LoadBalancerKind> LoadBalancers = new()
    {
        ["external"] = LoadBalancerKind.External,
        ["kube-vip"] = LoadBalancerKind.KubeVip,
    };
    internal static readonly Dictionary<string, PackageSource> Sources = new()
    {
        ["repository"] = PackageSource.Repository,
        ["bundle"] = PackageSource.Bundle,
        ["preinstalled"] = PackageSource.Preinstalled,
    };
    internal static readonly Dictionary<string, Cni> Cnis = new()
    {
        ["calico"] = Cni.Calico,
        ["cilium"] = Cni.Cilium,
        ["flannel"] = Cni.Flannel,
    };
    internal static readonly Dictionary<string, IngressKind> Ingresses = new()
    {
        ["traefik"] = IngressKind.Traefik,
        ["envoy-gateway"] = IngressKind.EnvoyGateway,
        ["none"] = IngressKind.None,
    };
    internal static readonly Dictionary<string, StorageKind> Storages = new()
    {
        ["local-path"] = StorageKind.LocalPath,
        ["csi"] = StorageKind.Csi,
        ["none"] = StorageKind.None,
    };
    internal static readonly Dictionary<string, OsFamily> OsNames = new()
    {
        ["debian-12"] = OsFamily.Debian12,
        ["ubuntu-22.04"] = OsFamily.Ubuntu2204,
        ["ubuntu-24.04"] = OsFamily.Ubuntu2404,
    };

    public static string Name(this Target value) => NameIn(Targets, value);
    public static string Name(this EtcdTopology value) => NameIn(Topologies, value);
    public static string Name(this LoadBalancerKind value) => NameIn(LoadBalancers, value);
    public static string Name(this PackageSource value) => NameIn(Sources, value);
    public static string Name(this Cni value) => NameIn(Cnis, value);
    public static string Name(this IngressKind value) => NameIn(Ingresses, value);
    public static string Name(this StorageKind value) => NameIn(Storages, value);
    public static string Name(this OsFamily value) => NameIn(OsNames, value);

    private static string NameIn<T>(Dictionary<string, T> table, T value) where T : struct, Enum =>
        table.First(kv => EqualityComparer<T>.Default.Equals(kv.Value, value)).Key;
}
