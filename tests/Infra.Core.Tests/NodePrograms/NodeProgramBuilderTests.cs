using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Pki;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.NodePrograms;

public class NodeProgramBuilderTests
{
    private static IReadOnlyList<NodeProgram> Build(ClusterSpec spec, BundleManifest? bundle = null)
    {
        var (hosts, secrets) = Clusters.Inputs(spec);
        return NodeProgramBuilder.Build(spec, hosts, secrets, bundle);
    }

    private static Step Step(NodeProgram p, string id) => p.Steps.Single(s => s.Id == id);

    [Fact]
    public void Build_SameSpecAndSecrets_ByteIdentical()
    {
        foreach (var (_, spec) in Clusters.All())
        {
            Assert.Equal(ProgramDump.Render(Build(spec)), ProgramDump.Render(Build(spec)));
        }
    }

    /// <summary>The provider reads the admin kubeconfig from the host that runs kubeadm init: the plan says which host that is.</summary>
    [Fact]
    [Trait("Item", "12.2")]
    public void InitializesCluster_BareMetalHa_OnlyTheFirstControlPlane()
    {
        var programs = Build(Clusters.BareMetalHaKubeVip());

        Assert.Equal([programs[0].Host.Name], programs.Where(p => p.InitializesCluster).Select(p => p.Host.Name));
        Assert.Contains(programs[0].Steps, s => s.Id == NodeProgram.InitStepId && s.Phase == Phase.ControlPlane);
    }

    [Fact]
    public void Build_FirstControlPlane_HasStableOrderedStepIds()
    {
        var cp1 = Build(Clusters.BareMetalHaKubeVip())[0];
        Assert.Equal(
        [
            "prepare.os", "prepare.swap", "prepare.kernel-modules", "prepare.sysctl", "prepare.host-tools",
            "prepare.containerd-install", "prepare.containerd", "prepare.kubernetes", "prepare.kubelet-unit", "prepare.pki",
            "prepare.kubeadm-config", "prepare.apiserver-config", "control-plane.init", "control-plane.settings", "kubelet.settings", "control-plane.etcd-backup",
            "reset.etcd-backup", "reset.kubeadm", "reset.services", "reset.installed", "reset.files", "reset.journal",
        ], cp1.Steps.Select(s => s.Id));
    }

    [Fact]
    public void Build_EveryHost_StepIdsUniqueAndScriptsStartWithSetEuo()
    {
        foreach (var (_, spec) in Clusters.All())
        {
            foreach (var p in Build(spec))
            {
                Assert.Equal(p.Steps.Count, p.Steps.Select(s => s.Id).Distinct().Count());
                foreach (var s in p.Steps)
                {
                    Assert.StartsWith("set -euo pipefail\n", s.Script, StringComparison.Ordinal);
                    Assert.NotNull(s.Check);
                    Assert.StartsWith("set -euo pipefail\n", s.Check, StringComparison.Ordinal);
                    Assert.Matches("^sha256:[0-9a-f]{64}$", s.InputHash);
                    Assert.Equal(OsRelease.All, s.Os);
                }
            }
        }
    }

    [Fact]
    public void Build_EncryptionKeyChanged_OnlyStepsUsingItChangeHash()
    {
        var spec = Clusters.BareMetalSingle();
        var (hosts, secrets) = Clusters.Inputs(spec);
        var a = NodeProgramBuilder.Build(spec, hosts, secrets)[0];
        var b = NodeProgramBuilder.Build(spec, hosts, secrets with { EncryptionKey = Convert.ToBase64String(new byte[32]) })[0];
        foreach (var s in a.Steps)
        {
            var changed = s.InputHash != Step(b, s.Id).InputHash;
            Assert.Equal(s.Id == "prepare.apiserver-config", changed);
        }
    }

    [Fact]
    public void Build_KubernetesPatchChanged_PackageAndConfigStepsChangeHash_OsStepsDoNot()
    {
        var spec = Clusters.BareMetalSingle();
        var newer = spec with { Kubernetes = spec.Kubernetes with { Version = new KubernetesVersion(1, 36, 2) } };
        var a = Build(spec)[0];
        var b = Build(newer)[0];
        // Not control-plane.settings: the version is the upgrade's to move (prepare.kubeadm-config places the settings file with it).
        string[] changes = ["prepare.kubernetes", "prepare.kubeadm-config", "control-plane.init"];
        foreach (var s in a.Steps)
        {
            Assert.Equal(changes.Contains(s.Id), s.InputHash != Step(b, s.Id).InputHash);
        }
    }

    [Fact]
    public void InputHashOf_SameInputsInAnyOrder_SameHash()
    {
        var a = new Dictionary<string, string> { ["x"] = "1", ["y"] = "2" };
        var b = new Dictionary<string, string> { ["y"] = "2", ["x"] = "1" };
        Assert.Equal(StepHash.Of(a), StepHash.Of(b));
        Assert.NotEqual(StepHash.Of(a), StepHash.Of(new Dictionary<string, string> { ["x"] = "1", ["y"] = "3" }));
    }

    [Fact]
    public void Build_HaCluster_InitOnlyOnFirstControlPlaneThenJoins()
    {
        var programs = Build(Clusters.BareMetalHaKubeVip());
        Assert.Equal(["cp-1", "cp-2", "cp-3", "w-1", "w-2"], programs.Select(p => p.Host.Name));
        Assert.Contains(programs[0].Steps, s => s.Id == "control-plane.init");
        foreach (var p in programs.Skip(1))
        {
            Assert.DoesNotContain(p.Steps, s => s.Id == "control-plane.init");
            Assert.DoesNotContain("kubeadm init --config", string.Join("\n", p.Steps.Select(s => s.Script)), StringComparison.Ordinal);
        }
        Assert.All(programs.Skip(1).Take(2), p => Assert.Contains(p.Steps, s => s.Id == "control-plane.join" && s.Phase == Phase.ControlPlane));
        Assert.All(programs.Skip(3), p => Assert.Contains(p.Steps, s => s.Id == "workers.join" && s.Phase == Phase.Workers));
        Assert.StartsWith("apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration", programs[0].KubeadmConfig, StringComparison.Ordinal);
        Assert.All(programs.Skip(1), p => Assert.StartsWith("apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration", p.KubeadmConfig, StringComparison.Ordinal));
    }

    [Fact]
    public void Build_Joins_TakeTokenAtRuntimeAndNeverHoldOne()
    {
        var programs = Build(Clusters.BareMetalHaKubeVip());
        foreach (var join in programs.Skip(1).Select(p => p.Steps.Single(s => s.Id.EndsWith(".join", StringComparison.Ordinal))))
        {
            Assert.Equal(["join-token"], join.RuntimeInputs);
            Assert.Contains("INFRA_JOIN_TOKEN", join.Script, StringComparison.Ordinal);
        }
        Assert.Empty(programs[0].Steps.Single(s => s.Id == "control-plane.init").RuntimeInputs);
        foreach (var p in programs.Skip(1))
        {
            var join = KubeYaml.DecodeStrict<JoinConfiguration>(p.KubeadmConfig!);
            Assert.Equal(KubeadmConfigRenderer.JoinTokenPlaceholder, join.Discovery!.BootstrapToken!.Token);
            Assert.Null(join.Discovery.TlsBootstrapToken);
            Assert.Null(join.ControlPlane?.CertificateKey);
        }
    }

    [RealToolFact("openssl")]
    public void Build_WorkerJoin_PinsTheClusterCaHashOpensslComputes()
    {
        var spec = Clusters.BareMetalSingle();
        var worker = Build(spec).Single(p => p.Host.Name == "w-1");
        var join = KubeYaml.DecodeStrict<JoinConfiguration>(worker.KubeadmConfig!);
        var discovery = join.Discovery!.BootstrapToken!;
        var ca = Path.GetTempFileName();
        try
        {
            File.WriteAllText(ca, Clusters.Inputs(spec).Secrets.ClusterCa.CertificatePem);
            Assert.Equal(["sha256:" + OpensslSpkiSha256(ca)], discovery.CaCertHashes);
        }
        finally
        {
            File.Delete(ca);
        }
        Assert.Equal(spec.ControlPlane.Endpoint!.ToString(), discovery.ApiServerEndpoint);
        Assert.Null(discovery.UnsafeSkipCAVerification);
        Assert.Null(join.ControlPlane);
    }

    /// <summary>kubeadm's documented recipe: openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256.</summary>
    internal static string OpensslSpkiSha256(string caPath)
    {
        var pub = Tool.Run("openssl", "openssl", ["x509", "-pubkey", "-noout", "-in", caPath]);
        Assert.Equal(0, pub.ExitCode);
        var der = Path.GetTempFileName();
        try
        {
            var r = Tool.Run("openssl", "openssl", ["pkey", "-pubin", "-outform", "der", "-out", der], stdin: pub.Output);
            Assert.Equal(0, r.ExitCode);
            var digest = Tool.Run("openssl", "openssl", ["dgst", "-sha256", "-hex", der]);
            Assert.Equal(0, digest.ExitCode);
            return digest.Output.Trim().Split(' ')[^1];
        }
        finally
        {
            File.Delete(der);
        }
    }

    [Fact]
    public void Build_WorkerPki_HasServingCertButNoClusterCaFile()
    {
        var worker = Build(Clusters.BareMetalSingle()).Single(p => p.Host.Name == "w-1");
        var pki = Step(worker, "prepare.pki").Files;
        Assert.Equal([PkiFiles.KubeletServingCert, PkiFiles.KubeletServingKey], pki.Select(f => f.Path));
        Assert.Equal(("0644", false), (pki[0].Mode, pki[0].Secret));
        Assert.Equal(("0600", true), (pki[1].Mode, pki[1].Secret));
    }

    [Fact]
    public void Build_ControlPlanePki_SharedCasPresentAndKeysSecret0600()
    {
        var cp = Build(Clusters.BareMetalSingle())[0];
        var pki = Step(cp, "prepare.pki").Files;
        Assert.Contains(pki, f => f.Path == "/etc/kubernetes/pki/ca.key" && f.Secret);
        Assert.Contains(pki, f => f.Path == "/etc/kubernetes/pki/sa.key" && f.Secret);
        Assert.Contains(pki, f => f.Path == "/etc/kubernetes/pki/etcd/ca.key" && f.Secret);
        Assert.Contains(pki, f => f.Path == "/etc/kubernetes/pki/front-proxy-ca.crt" && !f.Secret);
        Assert.All(pki.Where(f => f.Path.EndsWith(".key", StringComparison.Ordinal)), f => Assert.Equal(("0600", true), (f.Mode, f.Secret)));
    }

    [Fact]
    public void Build_UnsupportedOs_ErrorNamesHostAndReason()
    {
        var spec = Clusters.BareMetalSingle();
        var (hosts, secrets) = Clusters.Inputs(spec);
        var odd = hosts.Select(h => h.Name == "w-1" ? h with { Os = (OsFamily)42 } : h).ToList();
        var e = Assert.Throws<NodeProgramException>(() => NodeProgramBuilder.Build(spec, odd, secrets));
        var p = Assert.Single(e.Problems);
        Assert.Equal("w-1", p.Host);
        Assert.Contains("operating system '42' is not supported", p.Reason, StringComparison.Ordinal);
        Assert.Contains("w-1: operating system", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BundleMissingKubelet_ErrorNamesEveryNodeAndTheFile()
    {
        var spec = Clusters.BareMetalSingle();
        spec = spec with { Packages = spec.Packages with { Source = PackageSource.Bundle, Bundle = "bundle" } };
        var bundle = TestBundle.Complete(ComponentVersions.For(spec.Kubernetes.Version)!, "kubelet");
        var e = Assert.Throws<NodeProgramException>(() => Build(spec, bundle));
        Assert.Equal(["cp-1", "w-1"], e.Problems.Select(p => p.Host));
        Assert.All(e.Problems, p => Assert.Contains("the bundle has no 'kubelet'", p.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Build_BundleOfOtherCniVersion_ErrorNamesTheExpectedArchive()
    {
        var spec = Clusters.BareMetalSingle();
        spec = spec with { Packages = spec.Packages with { Source = PackageSource.Bundle, Bundle = "bundle" } };
        var v = ComponentVersions.For(spec.Kubernetes.Version)!;
        var bundle = TestBundle.Complete(v, BundleManifest.CniArchive(v));
        var e = Assert.Throws<NodeProgramException>(() => Build(spec, bundle));
        Assert.Contains("cni-plugins-linux-amd64-v1.9.1.tgz", e.Problems[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BundleSourceWithoutFileList_Error()
    {
        var spec = Clusters.BareMetalSingle();
        spec = spec with { Packages = spec.Packages with { Source = PackageSource.Bundle, Bundle = "bundle" } };
        var e = Assert.Throws<NodeProgramException>(() => Build(spec));
        Assert.Contains("needs the bundle folder's file list", Assert.Single(e.Problems).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_CompleteBundle_UploadsEachFileAndChecksItsSha256OnTheHost()
    {
        var spec = Clusters.BareMetalSingle();
        spec = spec with { Packages = spec.Packages with { Source = PackageSource.Bundle, Bundle = "bundle" } };
        var bundle = TestBundle.Complete(ComponentVersions.For(spec.Kubernetes.Version)!);
        var cp = Build(spec, bundle)[0];
        var uploads = cp.Steps.SelectMany(s => s.BundleUploads).ToList();
        Assert.Equal(bundle.Files.Select(f => f.Name).Order(), uploads.Select(u => u.Name).Order());
        foreach (var s in cp.Steps.Where(s => s.BundleUploads.Count > 0))
        {
            foreach (var u in s.BundleUploads)
            {
                Assert.Contains($"{u.Sha256}  {u.Name}", s.Script, StringComparison.Ordinal);
                Assert.Equal(u.Sha256 + " " + u.Path + " " + u.Mode, s.Inputs["bundle:" + u.Name]);
            }
            Assert.Contains("sha256sum --check --strict", s.Script, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Build_Preinstalled_ChecksVersionsAndNeverDownloads()
    {
        var spec = Clusters.BareMetalSingle();
        spec = spec with { Packages = spec.Packages with { Source = PackageSource.Preinstalled } };
        var cp = Build(spec)[0];
        var all = string.Join("\n", cp.Steps.Select(s => s.Script));
        Assert.DoesNotContain("curl", all, StringComparison.Ordinal);
        Assert.DoesNotContain("apt-get", all, StringComparison.Ordinal);
        var k8s = Step(cp, "prepare.kubernetes");
        // The versions reach the checks as the scripts' readonly inputs (12.4).
        Assert.Contains("readonly K8S_VERSION=v1.36.1\n", k8s.Script, StringComparison.Ordinal);
        Assert.Contains("kubeadm version -o short)\" != \"$K8S_VERSION\"", k8s.Script, StringComparison.Ordinal);
        Assert.Contains("kubelet --version)\" != \"Kubernetes $K8S_VERSION\"", k8s.Script, StringComparison.Ordinal);
        Assert.Contains("readonly CNI_VERSION=1.9.1\n", k8s.Script, StringComparison.Ordinal);
        Assert.Contains("plugin v$CNI_VERSION", k8s.Script, StringComparison.Ordinal);
        var containerd = Step(cp, "prepare.containerd-install").Script;
        Assert.Contains("readonly MINIMUM_CONTAINERD=1.6.0\n", containerd, StringComparison.Ordinal);
        Assert.Contains("older than $MINIMUM_CONTAINERD", containerd, StringComparison.Ordinal);
        Assert.DoesNotContain(cp.Steps, s => s.Id == "reset.installed");
    }

    [Fact]
    public void Build_Repository_VerifiesKeyFingerprintsAndPinsExactVersions()
    {
        var cp = Build(Clusters.BareMetalSingle())[0];
        var k8s = Step(cp, "prepare.kubernetes");
        Assert.Contains(PrepareSteps.KubernetesKeyFingerprint, k8s.Script, StringComparison.Ordinal);
        Assert.Contains("https://pkgs.k8s.io/core:/stable:/v1.36/deb/", System.Text.Encoding.UTF8.GetString(k8s.Files[0].Content), StringComparison.Ordinal);
        var pin = System.Text.Encoding.UTF8.GetString(k8s.Files.Single(f => f.Path == PrepareSteps.KubernetesPin).Content);
        Assert.Contains("Package: kubelet kubeadm kubectl\nPin: version 1.36.1-*\nPin-Priority: 1001", pin, StringComparison.Ordinal);
        Assert.Contains("apt-mark hold kubelet kubeadm kubectl kubernetes-cni", k8s.Script, StringComparison.Ordinal);
        var containerd = Step(cp, "prepare.containerd-install");
        Assert.Contains(PrepareSteps.DockerKeyFingerprint, containerd.Script, StringComparison.Ordinal);
        Assert.Contains("bookworm stable", System.Text.Encoding.UTF8.GetString(containerd.Files[0].Content), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ExternalEtcdWithoutEtcdHosts_Error()
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 3, workers: 1, etcd: EtcdTopology.External);
        spec = spec with { Hosts = [.. spec.Hosts.Where(h => !h.Has(Roles.Etcd))] };
        var e = Assert.Throws<NodeProgramException>(() => Build(spec));
        Assert.Contains("etcd topology 'external' needs hosts with the role 'etcd'", Assert.Single(e.Problems).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_KubeVipOnCloud_Error()
    {
        var spec = Clusters.Cloud(Target.Aws);
        spec = spec with { ControlPlane = spec.ControlPlane with { LoadBalancer = LoadBalancerKind.KubeVip } };
        var e = Assert.Throws<NodeProgramException>(() => Build(spec));
        Assert.Contains("kube-vip' is for bare metal", Assert.Single(e.Problems).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_KubeVipWithDnsEndpoint_Error()
    {
        var spec = Clusters.BareMetalHaKubeVip();
        spec = spec with { ControlPlane = spec.ControlPlane with { Endpoint = new Endpoint("api.example.com", 6443) } };
        var e = Assert.Throws<NodeProgramException>(() => Build(spec));
        Assert.Contains("kube-vip holds an IP address", Assert.Single(e.Problems).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UnsupportedKubernetesMinor_Error()
    {
        var spec = Clusters.BareMetalSingle();
        spec = spec with { Kubernetes = spec.Kubernetes with { Version = new KubernetesVersion(1, 33, 4) } };
        var e = Assert.Throws<NodeProgramException>(() => Build(spec));
        Assert.Contains("Kubernetes 1.33.4 is not supported", Assert.Single(e.Problems).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_CloudWithoutEndpoint_Error()
    {
        var spec = SampleSpecs.Cloud(Target.Gcp);
        var e = Assert.Throws<NodeProgramException>(() => Build(spec));
        Assert.Contains("control-plane endpoint is not known", Assert.Single(e.Problems).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_CloudVmWithoutHostKey_ErrorNamesHost()
    {
        var spec = Clusters.Cloud(Target.Gcp);
        var (hosts, secrets) = Clusters.Inputs(spec);
        var keys = secrets.HostKeys.Where(k => k.Key != "general-2").ToDictionary();
        var e = Assert.Throws<NodeProgramException>(() => NodeProgramBuilder.Build(spec, hosts, secrets with { HostKeys = keys }));
        var p = Assert.Single(e.Problems);
        Assert.Equal("general-2", p.Host);
        Assert.Contains("no SSH host key", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MissingKubeletServingCert_ErrorNamesHost_WithoutSecretMaterial()
    {
        var spec = Clusters.BareMetalSingle();
        var (hosts, secrets) = Clusters.Inputs(spec);
        var issued = secrets.Issued.Where(k => k.Key != IssuedNames.KubeletServing("w-1")).ToDictionary();
        var e = Assert.Throws<NodeProgramException>(() => NodeProgramBuilder.Build(spec, hosts, secrets with { Issued = issued }));
        Assert.Equal("w-1", Assert.Single(e.Problems).Host);
        Assert.DoesNotContain("PRIVATE KEY", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BareMetal_NoCloudInit_CloudVms_HaveIt()
    {
        Assert.All(Build(Clusters.BareMetalSingle()), p => Assert.Null(p.CloudInit));
        Assert.All(Build(Clusters.Cloud(Target.Azure)), p => Assert.StartsWith("#cloud-config\n", p.CloudInit, StringComparison.Ordinal));
    }

    [Fact]
    public void Build_KubeVipInit_UsesSuperAdminDuringInitThenAdminConf()
    {
        var init = Step(Build(Clusters.BareMetalHaKubeVip())[0], "control-plane.init");
        var script = init.Script;
        // The paths reach the script as its readonly inputs (12.4).
        Assert.Contains($"readonly KUBE_VIP_INIT_SOURCE={JoinSteps.KubeVipInitSource}\n", script, StringComparison.Ordinal);
        Assert.Contains($"readonly KUBE_VIP_SOURCE={HostPaths.KubeVipSource}\n", script, StringComparison.Ordinal);
        Assert.Contains($"readonly KUBE_VIP_MANIFEST={HostPaths.KubeVipManifest}\n", script, StringComparison.Ordinal);
        var before = script.IndexOf("install -m 0600 \"$KUBE_VIP_INIT_SOURCE\" \"$KUBE_VIP_MANIFEST\"", StringComparison.Ordinal);
        var kubeadm = script.IndexOf("kubeadm init --config", StringComparison.Ordinal);
        var after = script.LastIndexOf("install -m 0600 \"$KUBE_VIP_SOURCE\" \"$KUBE_VIP_MANIFEST\"", StringComparison.Ordinal);
        Assert.True(before >= 0 && before < kubeadm && kubeadm < after);
        var initManifest = System.Text.Encoding.UTF8.GetString(init.Files.Single(f => f.Path == JoinSteps.KubeVipInitSource).Content);
        var finalManifest = System.Text.Encoding.UTF8.GetString(init.Files.Single(f => f.Path == HostPaths.KubeVipSource).Content);
        Assert.Contains("path: /etc/kubernetes/super-admin.conf", initManifest, StringComparison.Ordinal);
        Assert.Contains("path: /etc/kubernetes/admin.conf", finalManifest, StringComparison.Ordinal);
        Assert.DoesNotContain("super-admin", finalManifest, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_WorkerPoolLabelsAndTaints_ReachTheJoinConfiguration()
    {
        var spec = Clusters.BareMetalSingle();
        var pool = spec.Workers[0] with
        {
            Labels = new Dictionary<string, string> { ["tier"] = "web", ["disk"] = "ssd" },
            Taints = [new Infra.Core.Spec.Taint("dedicated", "web", "NoSchedule")],
        };
        spec = spec with { Workers = [pool] };
        var join = KubeYaml.DecodeStrict<JoinConfiguration>(Build(spec).Single(p => p.Host.Name == "w-1").KubeadmConfig!);
        Assert.Contains(join.NodeRegistration!.KubeletExtraArgs!, a => a.Name == "node-labels" && a.Value == "disk=ssd,tier=web");
        var t = Assert.Single(join.NodeRegistration.Taints!);
        Assert.Equal(("dedicated", "web", "NoSchedule"), (t.Key, t.Value, t.Effect));
    }
}

public class NodeProgramScaleTests
{
    // Speed is measured by `bash bench/run.sh plan`, not asserted here (a loaded machine is no failure).
    [Fact]
    public void Build_3ControlPlanesAnd50Workers_OneProgramPerHost()
    {
        var spec = Clusters.Cloud(Target.Gcp);
        spec = spec with { Workers = [spec.Workers[0] with { Count = 50 }] };
        var (hosts, secrets) = Clusters.Inputs(spec);
        var programs = NodeProgramBuilder.Build(spec, hosts, secrets);
        Assert.Equal(53, programs.Count);
        Assert.Equal(hosts.Select(h => h.Name).Order(), programs.Select(p => p.Host.Name).Order());
    }
}
