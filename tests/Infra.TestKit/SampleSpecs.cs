using Infra.Core.Spec;

namespace Infra.TestKit;

/// <summary>
/// Small valid clusters built in code, for tests and benchmarks of every project (the stack files under
/// <c>stacks/</c> are the user-facing examples).
/// </summary>
public static class SampleSpecs
{
    private static Cidr C(string s) => Cidr.TryParse(s, out var c) ? c! : throw new ArgumentException(s);
    private static HostKeyPin Pin(string s) => HostKeyPin.TryParse(s, out var p, out _) ? p! : throw new ArgumentException(s);

    /// <summary>A placeholder fingerprint (43 base64 characters) for hosts whose real key a test pins later.</summary>
    public const string DummyFingerprint = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    public static ClusterSpec BareMetal(int controlPlanes = 1, int workers = 2, EtcdTopology etcd = EtcdTopology.Stacked,
        LoadBalancerKind lb = LoadBalancerKind.External, string addressPrefix = "10.0.0.")
    {
        var hosts = new List<HostSpec>();
        for (var i = 1; i <= controlPlanes; i++) hosts.Add(Host($"cp-{i}", addressPrefix + (10 + i), Roles.ControlPlane, null));
        for (var i = 1; i <= workers; i++) hosts.Add(Host($"w-{i}", addressPrefix + (100 + i), Roles.Worker, "general"));
        // External etcd: three dedicated members.
        if (etcd == EtcdTopology.External)
        {
            for (var i = 1; i <= 3; i++) hosts.Add(Host($"etcd-{i}", addressPrefix + (50 + i), Roles.Etcd, null));
        }
        return Base(Target.Baremetal) with
        {
            ControlPlane = new ControlPlaneSpec
            {
                Count = controlPlanes,
                Endpoint = new Endpoint(lb == LoadBalancerKind.KubeVip ? addressPrefix + "5" : addressPrefix + "11", 6443),
                LoadBalancer = lb,
                DiskGb = 50,
            },
            Etcd = new EtcdSpec { Topology = etcd, Count = 0 },
            Hosts = hosts,
        };
    }

    public static ClusterSpec Cloud(Target target, int controlPlanes = 3, int workers = 3)
    {
        var (region, zones, size) = target switch
        {
            Target.Aws => ("eu-west-1", new[] { "eu-west-1a", "eu-west-1b", "eu-west-1c" }, "t3.large"),
            Target.Azure => ("westeurope", new[] { "1", "2", "3" }, "Standard_D2s_v5"),
            Target.Gcp => ("europe-west1", new[] { "europe-west1-b", "europe-west1-c", "europe-west1-d" }, "e2-standard-2"),
            _ => throw new ArgumentOutOfRangeException(nameof(target)),
        };
        var b = Base(target);
        return b with
        {
            ControlPlane = new ControlPlaneSpec { Count = controlPlanes, LoadBalancer = LoadBalancerKind.External, Size = size, DiskGb = 50 },
            Workers = [b.Workers[0] with { Count = workers, Size = size }],
            Hosts = [],
            Ssh = b.Ssh with { AdminUser = "infra", AdminPublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGmUcqRYyHW4ks0YsKDt0kSRDNhXX9Pmd2OyPGPrfrdM admin" },
            Cloud = new CloudSpec { Region = region, Zones = zones, Project = target == Target.Gcp ? "example-project" : null },
            Workloads = b.Workloads with { Storage = StorageKind.Csi },
        };
    }

    private static HostSpec Host(string name, string address, string role, string? pool) => new()
    {
        Name = name,
        Address = address,
        Port = 22,
        User = "root",
        HostKey = Pin(DummyFingerprint),
        Roles = [role],
        Pool = pool,
    };

    private static ClusterSpec Base(Target target) => new()
    {
        Name = "sample",
        Target = target,
        Kubernetes = new KubernetesSpec
        {
            Version = new KubernetesVersion(1, 36, 1),
            ImageRepository = "registry.k8s.io",
            DnsDomain = "cluster.local",
        },
        ControlPlane = new ControlPlaneSpec { Count = 1, LoadBalancer = LoadBalancerKind.External, DiskGb = 50 },
        Workers = [new WorkerPoolSpec { Name = "general", Count = 2, DiskGb = 50, Labels = new Dictionary<string, string>(), Taints = [] }],
        Network = new NetworkSpec
        {
            PodCidr = C("10.244.0.0/16"),
            ServiceCidr = C("10.96.0.0/12"),
            NodeCidr = C("10.0.0.0/16"),
            Cni = Cni.Calico,
            AdminCidrs = [C("203.0.113.0/24")],
            ApiCidrs = [C("0.0.0.0/0")],
        },
        Etcd = new EtcdSpec { Topology = EtcdTopology.Stacked, Count = 0 },
        Hosts = [],
        Ssh = new SshSpec { IdentityFile = "~/.ssh/id_ed25519", AdminUser = "root", ConnectTimeoutSeconds = 10, CommandTimeoutSeconds = 600 },
        Packages = new PackagesSpec { Source = PackageSource.Repository, Mirrors = new Dictionary<string, string>() },
        Workloads = new WorkloadsSpec { MetricsServer = true, Ingress = IngressKind.Traefik, CertManager = true, Storage = StorageKind.LocalPath, Policies = true },
        Os = OsDefaults.DefaultOs(target),
    };
}
