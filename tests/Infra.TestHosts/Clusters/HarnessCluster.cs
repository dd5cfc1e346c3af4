using System.Globalization;
using System.Text;
using Infra.Core.NodePrograms;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.TestHosts.Clusters;

/// <summary>A harness host in a cluster: its roles and, for a worker, its pool.</summary>
public sealed record ClusterMember(TestHost Host, IReadOnlyList<string> Roles)
{
    public static ClusterMember ControlPlane(TestHost host) => new(host, [Core.Spec.Roles.ControlPlane]);
    public static ClusterMember Worker(TestHost host) => new(host, [Core.Spec.Roles.Worker]);
}

/// <summary>
/// Clusters on harness hosts: a bare-metal spec whose hosts are harness hosts (pinned to their real keys), and
/// the same as a stack file for the <c>infra</c> command. Kubernetes is 1.34: kubelet 1.35+ refuses this machine's
/// cgroup v1, and 1.34 accepts Debian 12's containerd 1.6. Packages are preinstalled: the machine's containerd and
/// runc, and <see cref="KubernetesStandIns"/> for what cannot run here.
/// </summary>
public static class HarnessCluster
{
    public static readonly KubernetesVersion Version = new(1, 34, 2);
    public static string CniVersion => ComponentVersions.For(Version)!.CniPlugins;

    private static Cidr C(string s) => Cidr.TryParse(s, out var c) ? c! : throw new ArgumentException(s);

    public static HostKeyPin Pin(string text) =>
        HostKeyPin.TryParse(text, out var pin, out var problem) ? pin! : throw new ArgumentException(problem);

    /// <summary>A cluster of <paramref name="members"/>; the first control plane is the endpoint (no load balancer).</summary>
    public static ClusterSpec Spec(TestHostNetwork network, IReadOnlyList<ClusterMember> members, string user = "root",
        TestHost? bastion = null, string name = "harness")
    {
        var sample = SampleSpecs.BareMetal(controlPlanes: 1, workers: 0);
        var first = members.First(m => m.Roles.Contains(Roles.ControlPlane)).Host;
        return sample with
        {
            Name = name,
            Kubernetes = sample.Kubernetes with { Version = Version },
            ControlPlane = sample.ControlPlane with
            {
                Count = members.Count(m => m.Roles.Contains(Roles.ControlPlane)),
                Endpoint = new Endpoint(first.Address, 6443),
            },
            Workers = [sample.Workers[0] with { Count = members.Count(m => m.Roles.Contains(Roles.Worker)) }],
            Network = sample.Network with { NodeCidr = C(network.Subnet) },
            Hosts = [.. members.Select(m => new HostSpec
            {
                Name = m.Host.Name,
                Address = m.Host.Address,
                Port = m.Host.Port,
                User = user,
                HostKey = Pin(m.Host.HostKey.Fingerprint),
                Roles = m.Roles,
                Pool = m.Roles.Contains(Roles.Worker) ? sample.Workers[0].Name : null,
            })],
            Ssh = sample.Ssh with
            {
                IdentityFile = network.ClientKeyPath,
                ConnectTimeoutSeconds = 5,
                CommandTimeoutSeconds = 120,
                Bastion = bastion is null ? null : new BastionSpec
                {
                    Address = bastion.Address,
                    Port = bastion.Port,
                    User = "root",
                    HostKey = Pin(bastion.HostKey.PublicKeyLine),
                },
            },
            Packages = sample.Packages with { Source = PackageSource.Preinstalled },
        };
    }

    /// <summary>The spec as a stack file (what a user writes), for the infra command.</summary>
    public static string StackYaml(ClusterSpec spec)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("config:\n  infra:cluster:\n");
        sb.Append(inv, $"    name: {spec.Name}\n    target: baremetal\n");
        sb.Append(inv, $"    kubernetes:\n      version: \"{spec.Kubernetes.Version}\"\n");
        sb.Append(inv, $"    controlPlane:\n      endpoint: \"{spec.ControlPlane.Endpoint}\"\n      loadBalancer: external\n");
        sb.Append(inv, $"    workers:\n      - name: {spec.Workers[0].Name}\n");
        sb.Append(inv, $"    network:\n      podCidr: {spec.Network.PodCidr}\n      serviceCidr: {spec.Network.ServiceCidr}\n      nodeCidr: {spec.Network.NodeCidr}\n      cni: calico\n");
        sb.Append("    etcd:\n      topology: stacked\n    hosts:\n");
        foreach (var h in spec.Hosts)
        {
            sb.Append(inv, $"      - name: {h.Name}\n        address: {h.Address}\n        port: {h.Port}\n        user: {h.User}\n");
            sb.Append(inv, $"        hostKey: \"{h.HostKey}\"\n        roles: [{string.Join(", ", h.Roles)}]\n");
            if (h.Pool is not null) sb.Append(inv, $"        pool: {h.Pool}\n");
        }
        sb.Append(inv, $"    ssh:\n      identityFile: {spec.Ssh.IdentityFile}\n      connectTimeoutSeconds: {spec.Ssh.ConnectTimeoutSeconds}\n      commandTimeoutSeconds: {spec.Ssh.CommandTimeoutSeconds}\n");
        if (spec.Ssh.Bastion is { } b)
        {
            sb.Append(inv, $"      bastion:\n        address: {b.Address}\n        port: {b.Port}\n        user: {b.User}\n        hostKey: \"{b.HostKey}\"\n");
        }
        sb.Append(inv, $"    packages:\n      source: {spec.Packages.Source.ToString().ToLowerInvariant()}\n");
        if (spec.Packages.Bundle is { } bundle) sb.Append(inv, $"      bundle: {bundle}\n");
        sb.Append("      mirrors: {}\n");
        sb.Append("    workloads:\n      metricsServer: true\n      ingress: traefik\n      certManager: true\n      storage: local-path\n      policies: true\n");
        return sb.ToString();
    }

    /// <summary>
    /// Makes a systemd host ready for a real <c>prepare</c>: the stand-ins installed, and <c>/var/lib/containerd</c>
    /// on a tmpfs at every boot (containerd's overlay snapshotter cannot work on the host's overlay root).
    /// </summary>
    public static async Task ProvisionAsync(TestHost host, CancellationToken ct = default)
    {
        if (!host.Options.Systemd) throw new ArgumentException($"test host '{host.Name}' needs systemd for a real prepare");
        // A host whose systemd is short of resources leaves the mount job waiting: fail instead of waiting forever.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(TimeSpan.FromSeconds(60));
        await KubernetesStandIns.InstallAsync(host, "v" + Version, CniVersion, budget.Token);
        await host.ExecInsideAsync("""
            set -e
            mkdir -p /var/lib/containerd
            echo 'tmpfs /var/lib/containerd tmpfs mode=0711 0 0' >> /etc/fstab
            systemctl daemon-reload
            systemctl start var-lib-containerd.mount
            """, ct: budget.Token);
    }
}
