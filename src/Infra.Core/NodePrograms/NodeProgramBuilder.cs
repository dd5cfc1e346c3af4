using System.Security.Cryptography;
using Infra.Core.CloudInit;
using Infra.Core.Etcd;
using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Spec;

namespace Infra.Core.NodePrograms;

/// <summary>Turns a validated cluster into what each machine must do: ordered, idempotent, hashed steps.</summary>
public static class NodeProgramBuilder
{
    /// <summary>
    /// Node programs for <paramref name="hosts"/> (in bootstrap order, as <c>Planning.HostInventory</c> gives them).
    /// Throws <see cref="NodeProgramException"/> with every problem found (unsupported OS, bundle missing a file,
    /// missing kept secret, …) before anything runs. <paramref name="bundle"/> lists the bundle folder's files and
    /// is needed when the package source is <c>bundle</c>.
    /// </summary>
    public static IReadOnlyList<NodeProgram> Build(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, KeptSecrets secrets, BundleManifest? bundle = null)
    {
        var problems = new List<NodeProgramProblem>();
        var context = Context(spec, hosts, secrets, bundle, problems);
        var programs = new List<NodeProgram>();
        foreach (var host in hosts)
        {
            var program = context is null ? null : Program(context, host, problems);
            if (program is not null) programs.Add(program);
        }
        if (problems.Count > 0) throw new NodeProgramException(problems);
        return programs;
    }

    /// <summary>
    /// The reset steps of <paramref name="removed"/>, a host the cluster had and the stack no longer has, built in
    /// the context of the cluster's current <paramref name="hosts"/> (it is not one of them).
    /// </summary>
    /// <exception cref="NodeProgramException">The cluster's context cannot be built (as <see cref="Build"/> would say).</exception>
    public static NodeProgram ResetProgram(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, PlannedHost removed, KeptSecrets secrets, BundleManifest? bundle = null)
    {
        var problems = new List<NodeProgramProblem>();
        var context = Context(spec, hosts, secrets, bundle, problems);
        if (context is null || problems.Count > 0) throw new NodeProgramException(problems);
        return new NodeProgram { Host = removed, Steps = [.. ResetSteps.For(context, removed)] };
    }

    private static BuildContext? Context(ClusterSpec spec, IReadOnlyList<PlannedHost> hosts, KeptSecrets secrets, BundleManifest? bundle, List<NodeProgramProblem> problems)
    {
        var versions = ComponentVersions.For(spec.Kubernetes.Version);
        if (versions is null)
        {
            problems.Add(new(null, $"Kubernetes {spec.Kubernetes.Version} is not supported by the node programs (supported minors: "
                + string.Join(", ", ComponentVersions.SupportedMinors.Select(m => "1." + m)) + ")"));
        }
        var endpoint = spec.ControlPlane.Endpoint;
        if (endpoint is null)
        {
            problems.Add(new(null, "the control-plane endpoint is not known: on clouds, build node programs once the load balancer's address is in controlPlane.endpoint"));
        }
        var first = hosts.FirstOrDefault(h => h.Has(Roles.ControlPlane));
        if (first is null) problems.Add(new(null, "no host has the control-plane role"));
        problems.AddRange(EtcdPhase.Problems(spec, hosts, bundle));
        if (spec.ControlPlane.LoadBalancer == LoadBalancerKind.KubeVip)
        {
            if (spec.Target != Target.Baremetal)
            {
                problems.Add(new(null, "controlPlane.loadBalancer 'kube-vip' is for bare metal; clouds use their load balancer ('external')"));
            }
            else if (endpoint is not null && !KubeVip.CanHold(endpoint))
            {
                problems.Add(new(null, $"kube-vip holds an IP address, but the control-plane endpoint is '{endpoint.Host}'"));
            }
        }
        foreach (var registry in spec.Packages.Mirrors.Keys.Order(StringComparer.Ordinal))
        {
            if (PrepareSteps.MirrorHostsDirectoryProblem(registry) is { } problem) problems.Add(new(null, "packages.mirrors: " + problem));
        }
        if (spec.Packages.Source == PackageSource.Bundle && bundle is null)
        {
            problems.Add(new(null, "package source 'bundle' needs the bundle folder's file list"));
        }
        else if (spec.Packages.Source == PackageSource.Bundle && versions is not null)
        {
            var missing = BundleManifest.Required(versions).Where(r => bundle!.Find(r.Name) is null).ToList();
            if (missing.Count > 0)
            {
                var what = "the bundle has no " + string.Join(", ", missing.Select(m => $"'{m.Name}' ({m.What})"));
                foreach (var h in hosts.Where(IsNode)) problems.Add(new(h.Name, what));
            }
        }
        string? caHash = null;
        try
        {
            caHash = ClusterPki.DiscoveryHash(secrets.ClusterCa.CertificatePem);
        }
        catch (CryptographicException)
        {
            problems.Add(new(null, "the kept cluster CA certificate cannot be read as PEM"));
        }
        catch (ArgumentException)
        {
            problems.Add(new(null, "the kept cluster CA certificate cannot be read as PEM"));
        }
        if (problems.Count > 0 || versions is null || endpoint is null || first is null || caHash is null) return null;
        var externalEtcd = spec.Etcd.Topology == EtcdTopology.External
            ? EtcdMembers.Of(spec, hosts).Select(m => m.ClientUrl).ToList()
            : [];
        return new BuildContext
        {
            Spec = spec,
            Hosts = hosts,
            Secrets = secrets,
            Bundle = bundle,
            Versions = versions,
            Kubeadm = new KubeadmClusterInputs { Spec = spec, Endpoint = endpoint, CaCertHash = caHash, ExternalEtcdEndpoints = externalEtcd },
            FirstControlPlane = first,
        };
    }

    private static bool IsNode(PlannedHost h) => h.Has(Roles.ControlPlane) || h.Has(Roles.Worker);

    private static NodeProgram? Program(BuildContext c, PlannedHost host, List<NodeProgramProblem> problems)
    {
        var os = OsRelease.For(host.Os);
        if (os is null)
        {
            problems.Add(new(host.Name, $"operating system '{host.Os}' is not supported (supported: "
                + string.Join(", ", OsRelease.All.Select(o => OsRelease.For(o)!.ToString())) + ")"));
            return null;
        }
        var before = problems.Count;
        var cloudInit = c.Spec.Target == Target.Baremetal ? null : CloudInit(c, host, problems);
        var steps = new List<Step>();
        string? kubeadmConfig = null;
        IReadOnlyList<HostFile> pki;
        try
        {
            pki = IsNode(host) || EtcdPhase.IsExternalMember(c.Spec, host) ? PkiFiles.ForHost(c.Spec, host, c.Secrets) : [];
        }
        catch (InvalidOperationException e)
        {
            // The message names the missing certificate, never its content.
            var prefix = $"host '{host.Name}': ";
            problems.Add(new(host.Name, e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message));
            return null;
        }
        // An external member's certificates are placed (and chowned to etcd) by its own step.
        static bool IsEtcdPki(HostFile f) => f.Path.StartsWith(PkiFiles.EtcdPkiDir + "/", StringComparison.Ordinal);
        if (IsNode(host))
        {
            var kind = host == c.FirstControlPlane ? NodeJoinKind.Init
                : host.Has(Roles.ControlPlane) ? NodeJoinKind.JoinControlPlane
                : NodeJoinKind.JoinWorker;
            try
            {
                kubeadmConfig = KubeadmConfigRenderer.Render(c.Kubeadm, host, kind);
            }
            catch (NodeProgramException e)
            {
                problems.AddRange(e.Problems);
                return null;
            }
            steps.AddRange(PrepareSteps.For(c, host, os, [.. pki.Where(f => !IsEtcdPki(f))], kubeadmConfig,
                KubeadmConfigRenderer.NodePatches(c.Kubeadm, host)));
            steps.AddRange(EtcdPhase.PrepareMemberSteps(c, host, [.. pki.Where(IsEtcdPki)]));
            steps.AddRange(EtcdPhase.MemberSteps(c, host));
            steps.AddRange(EtcdPhase.ControlPlaneSteps(c, host));
            steps.Add(kind switch
            {
                NodeJoinKind.Init => JoinSteps.Init(c),
                NodeJoinKind.JoinControlPlane => JoinSteps.JoinControlPlane(c),
                _ => JoinSteps.JoinWorker(c),
            });
            if (host.Has(Roles.ControlPlane)) steps.Add(ReconfigureSteps.ControlPlane(c, host));
            steps.Add(ReconfigureSteps.Kubelet(c, host));
            steps.AddRange(EtcdBackupStep.ForStackedControlPlane(c, host));
        }
        else
        {
            steps.AddRange(EtcdPhase.PrepareMemberSteps(c, host, pki));
            steps.AddRange(EtcdPhase.MemberSteps(c, host));
        }
        steps.AddRange(ResetSteps.For(c, host));
        foreach (var s in steps.Where(s => !s.Os.Contains(host.Os)))
        {
            problems.Add(new(host.Name, $"step {s.Id} does not support {os}"));
        }
        if (problems.Count > before) return null;
        return new NodeProgram
        {
            Host = host,
            Steps = steps,
            KubeadmConfig = kubeadmConfig,
            CloudInit = cloudInit,
            EtcdMembership = EtcdPhase.IsExternalMember(c.Spec, host) ? EtcdPhase.MembershipFacts(c) : null,
        };
    }

    private static string? CloudInit(BuildContext c, PlannedHost host, List<NodeProgramProblem> problems)
    {
        var ok = true;
        var adminKey = KeptSecrets.AdminPublicKeyFor(c.Spec, c.Secrets);
        if (string.IsNullOrWhiteSpace(adminKey))
        {
            problems.Add(new(host.Name, "cloud VMs need an admin key: set ssh.adminPublicKey, or let 'infra secrets init' make one and keep it"));
            ok = false;
        }
        if (c.Spec.Ssh.AdminUser == "root")
        {
            problems.Add(new(host.Name, "cloud VMs need a non-root ssh.adminUser (root login stays disabled)"));
            ok = false;
        }
        if (!c.Secrets.HostKeys.TryGetValue(host.Name, out var key))
        {
            problems.Add(new(host.Name, "the kept secrets hold no SSH host key for this VM; run 'infra secrets init' or apply to create it"));
            ok = false;
        }
        else if (key.Algorithm is not ("ssh-ed25519" or "ecdsa-sha2-nistp256"))
        {
            problems.Add(new(host.Name, $"host key algorithm '{key.Algorithm}' is not one cloud-init installs (ssh-ed25519, ecdsa-sha2-nistp256)"));
            ok = false;
        }
        return ok ? CloudInitRenderer.Render(c.Spec, host, key!, adminKey!) : null;
    }
}
