using System.Text;
using Infra.Core.Catalog;
using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Pki;
using YamlDotNet.Core;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>The rendered kubeadm and API server files decode strictly into the typed models; CIS settings one by one.</summary>
public class KubeadmConfigTests
{
    private static readonly Dictionary<(string, string), Type> KubeadmKinds = new()
    {
        [(KubeadmApiVersions.Kubeadm, InitConfiguration.KindName)] = typeof(InitConfiguration),
        [(KubeadmApiVersions.Kubeadm, ClusterConfiguration.KindName)] = typeof(ClusterConfiguration),
        [(KubeadmApiVersions.Kubeadm, JoinConfiguration.KindName)] = typeof(JoinConfiguration),
        [(KubeadmApiVersions.Kubelet, KubeletConfiguration.KindName)] = typeof(KubeletConfiguration),
        [(KubeadmApiVersions.KubeProxy, KubeProxyConfiguration.KindName)] = typeof(KubeProxyConfiguration),
    };

    private static NodeProgram FirstControlPlane() =>
        NodeProgramBuilder.Build(Clusters.BareMetalSingle(), Clusters.Inputs(Clusters.BareMetalSingle()).Hosts,
            Clusters.Inputs(Clusters.BareMetalSingle()).Secrets)[0];

    private static IReadOnlyList<object> InitDocuments() => KubeYaml.DecodeAllStrict(FirstControlPlane().KubeadmConfig!, KubeadmKinds);

    private static T File<T>(string path)
    {
        var f = FirstControlPlane().Steps.SelectMany(s => s.Files).Single(f => f.Path == path);
        return KubeYaml.DecodeStrict<T>(Encoding.UTF8.GetString(f.Content));
    }

    private static Dictionary<string, string> Args(IReadOnlyList<Arg>? args)
    {
        Assert.NotNull(args);
        Assert.Equal(args.Count, args.Select(a => a.Name).Distinct().Count());
        return args.ToDictionary(a => a.Name!, a => a.Value!);
    }

    [Fact]
    public void InitFile_DecodesStrictly_IntoInitClusterKubeletKubeProxy()
    {
        var docs = InitDocuments();
        Assert.Collection(docs,
            d => Assert.IsType<InitConfiguration>(d),
            d => Assert.IsType<ClusterConfiguration>(d),
            d => Assert.IsType<KubeletConfiguration>(d),
            d => Assert.IsType<KubeProxyConfiguration>(d));
    }

    [Fact]
    public void DecodeStrict_MisspeltField_Throws()
    {
        var text = FirstControlPlane().KubeadmConfig!.Replace("controlPlaneEndpoint:", "controlPlaneEndPoint:", StringComparison.Ordinal);
        Assert.Throws<YamlException>(() => KubeYaml.DecodeAllStrict(text, KubeadmKinds));
        var kubelet = KubeYaml.Serialize(KubeadmConfigRenderer.Kubelet(Clusters.BareMetalSingle())).Replace("readOnlyPort", "readonlyPort", StringComparison.Ordinal);
        Assert.Throws<YamlException>(() => KubeYaml.DecodeStrict<KubeletConfiguration>(kubelet));
    }

    [Fact]
    public void DecodeAllStrict_UnknownKind_Throws()
    {
        var text = FirstControlPlane().KubeadmConfig! + "---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ResetConfiguration\n";
        Assert.Throws<YamlException>(() => KubeYaml.DecodeAllStrict(text, KubeadmKinds));
    }

    [Fact]
    public void ApiServer_CisFlags_EachSet()
    {
        var cluster = InitDocuments().OfType<ClusterConfiguration>().Single();
        var args = Args(cluster.ApiServer!.ExtraArgs);
        Assert.Equal("false", args["profiling"]);
        Assert.Equal(HostPaths.AuditPolicy, args["audit-policy-file"]);
        Assert.Equal(HostPaths.AuditLog, args["audit-log-path"]);
        Assert.Equal("30", args["audit-log-maxage"]);
        Assert.Equal("10", args["audit-log-maxbackup"]);
        Assert.Equal("100", args["audit-log-maxsize"]);
        Assert.Equal(HostPaths.EncryptionConfig, args["encryption-provider-config"]);
        Assert.Equal("false", args["service-account-extend-token-expiration"]);
        Assert.Contains("NodeRestriction", args["enable-admission-plugins"].Split(','));
        Assert.Equal(HostPaths.AdmissionConfig, args["admission-control-config-file"]);
        Assert.Equal(HostPaths.AuthenticationConfig, args["authentication-config"]);
        Assert.Equal(PkiFiles.ClusterCaCert, args["kubelet-certificate-authority"]);
    }

    [Fact]
    public void ApiServer_AuthenticationConfig_WithoutAnonymousAuthFlag()
    {
        var cluster = InitDocuments().OfType<ClusterConfiguration>().Single();
        Assert.Contains(cluster.ApiServer!.ExtraArgs!, a => a.Name == "authentication-config");
        Assert.DoesNotContain(cluster.ApiServer.ExtraArgs!, a => a.Name == "anonymous-auth");
        Assert.DoesNotContain("anonymous-auth", FirstControlPlane().KubeadmConfig!, StringComparison.Ordinal);
    }

    [Fact]
    public void ControllerManagerAndScheduler_ProfilingOff()
    {
        var cluster = InitDocuments().OfType<ClusterConfiguration>().Single();
        Assert.Equal("false", Args(cluster.ControllerManager!.ExtraArgs)["profiling"]);
        Assert.Equal("false", Args(cluster.Scheduler!.ExtraArgs)["profiling"]);
    }

    [Fact]
    public void ApiServer_StaticPodMountsConfigReadOnlyAndAuditLogWritable()
    {
        var volumes = InitDocuments().OfType<ClusterConfiguration>().Single().ApiServer!.ExtraVolumes!;
        var config = Assert.Single(volumes, v => v.HostPath == HostPaths.ApiServerConfigDir);
        Assert.True(config.ReadOnly);
        Assert.Equal(HostPaths.ApiServerConfigDir, config.MountPath);
        var audit = Assert.Single(volumes, v => v.HostPath == HostPaths.AuditLogDir);
        Assert.False(audit.ReadOnly);
        foreach (var path in new[] { HostPaths.AuthenticationConfig, HostPaths.AuditPolicy, HostPaths.EncryptionConfig, HostPaths.AdmissionConfig })
        {
            Assert.StartsWith(HostPaths.ApiServerConfigDir + "/", path, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Cluster_PkiDirEncryptionAlgorithmVersionEndpoint()
    {
        var spec = Clusters.BareMetalSingle();
        var cluster = InitDocuments().OfType<ClusterConfiguration>().Single();
        Assert.Equal("/etc/kubernetes/pki", cluster.CertificatesDir);
        Assert.Equal("ECDSA-P256", cluster.EncryptionAlgorithm);
        Assert.Equal("v1.36.1", cluster.KubernetesVersion);
        Assert.Equal(spec.ControlPlane.Endpoint!.ToString(), cluster.ControlPlaneEndpoint);
        Assert.Equal("10.244.0.0/16", cluster.Networking!.PodSubnet);
        Assert.Equal(HostPaths.EtcdDataDir, cluster.Etcd!.Local!.DataDir);
    }

    [Fact]
    public void Init_OwnBootstrapTokenIsShortLived_NoCertificateKeyUpload()
    {
        var init = InitDocuments().OfType<InitConfiguration>().Single();
        var token = Assert.Single(init.BootstrapTokens!);
        Assert.Null(token.Token);
        Assert.Equal("15m0s", token.Ttl);
        Assert.Null(init.CertificateKey);
        Assert.Equal("cp-1", init.NodeRegistration!.Name);
        Assert.Equal("10.0.0.11", init.LocalAPIEndpoint!.AdvertiseAddress);
    }

    [Fact]
    public void Kubelet_CisSettings_EachSet()
    {
        var k = InitDocuments().OfType<KubeletConfiguration>().Single();
        Assert.False(k.Authentication!.Anonymous!.Enabled);
        Assert.True(k.Authentication.Webhook!.Enabled);
        Assert.Equal(PkiFiles.ClusterCaCert, k.Authentication.X509!.ClientCAFile);
        Assert.Equal("Webhook", k.Authorization!.Mode);
        Assert.Equal(0, k.ReadOnlyPort);
        Assert.True(k.RotateCertificates);
        Assert.False(k.ServerTLSBootstrap);
        Assert.Equal(PkiFiles.KubeletServingCert, k.TlsCertFile);
        Assert.Equal(PkiFiles.KubeletServingKey, k.TlsPrivateKeyFile);
        Assert.True(k.ProtectKernelDefaults);
        Assert.Equal("systemd", k.CgroupDriver);
        Assert.Equal(["10.96.0.10"], k.ClusterDNS);
        Assert.All(k.TlsCipherSuites!, s => Assert.Contains("GCM", s.Replace("CHACHA20_POLY1305", "GCM", StringComparison.Ordinal), StringComparison.Ordinal));
    }

    [Fact]
    public void Kubelet_ProtectedKernelValues_AreWhatPrepareSysctlSets()
    {
        // The kubelet (pkg/kubelet/cm) checks these with protectKernelDefaults; each must be in the sysctl file.
        var expected = new Dictionary<string, string>
        {
            ["vm.overcommit_memory"] = "1",
            ["vm.panic_on_oom"] = "0",
            ["kernel.panic"] = "10",
            ["kernel.panic_on_oops"] = "1",
            ["kernel.keys.root_maxkeys"] = "1000000",
            ["kernel.keys.root_maxbytes"] = "25000000",
        };
        var file = Encoding.UTF8.GetString(FirstControlPlane().Steps.Single(s => s.Id == "prepare.sysctl").Files[0].Content);
        foreach (var (k, v) in expected) Assert.Contains($"{k} = {v}\n", file, StringComparison.Ordinal);
    }

    [Fact]
    public void KubeProxy_ClusterCidrIsPodCidr()
    {
        var p = InitDocuments().OfType<KubeProxyConfiguration>().Single();
        Assert.Equal("10.244.0.0/16", p.ClusterCIDR);
        Assert.Equal("iptables", p.Mode);
    }

    [Fact]
    public void AuthenticationConfig_AnonymousOnlyForHealthAndDiscovery()
    {
        var a = File<AuthenticationConfiguration>(HostPaths.AuthenticationConfig);
        Assert.Equal("apiserver.config.k8s.io/v1", a.ApiVersion);
        Assert.True(a.Anonymous!.Enabled);
        Assert.Equal(
            ["/livez", "/readyz", "/healthz", "/api/v1/namespaces/kube-public/configmaps/cluster-info"],
            a.Anonymous.Conditions!.Select(c => c.Path));
    }

    [Fact]
    public void EncryptionConfig_SecretboxFirstThenIdentity_KeyFromKeptSecrets()
    {
        var e = File<EncryptionConfiguration>(HostPaths.EncryptionConfig);
        var r = Assert.Single(e.Resources!);
        Assert.Equal(["secrets"], r.Resources);
        Assert.Equal(2, r.Providers!.Count);
        var key = Assert.Single(r.Providers[0].Secretbox!.Keys!);
        Assert.Equal(Clusters.Inputs(Clusters.BareMetalSingle()).Secrets.EncryptionKey, key.Secret);
        Assert.Equal(32, Convert.FromBase64String(key.Secret!).Length);
        Assert.NotNull(r.Providers[1].Identity);
        Assert.Null(r.Providers[1].Secretbox);
        var file = FirstControlPlane().Steps.SelectMany(s => s.Files).Single(f => f.Path == HostPaths.EncryptionConfig);
        Assert.True(file.Secret);
        Assert.Equal("0600", file.Mode);
    }

    [Fact]
    public void AdmissionConfig_PodSecurityBaselineEnforcedRestrictedAuditWarn_KubeSystemExempt()
    {
        var a = File<AdmissionConfiguration>(HostPaths.AdmissionConfig);
        var ps = Assert.Single(a.Plugins!);
        Assert.Equal("PodSecurity", ps.Name);
        var d = ps.Configuration!.Defaults!;
        Assert.Equal(("baseline", "restricted", "restricted"), (d.Enforce, d.Audit, d.Warn));
        Assert.Equal(["kube-system"], ps.Configuration.Exemptions!.Namespaces);
    }

    [Fact]
    public void AuditPolicy_MetadataForEverythingButHealthChecks()
    {
        var p = File<AuditPolicy>(HostPaths.AuditPolicy);
        Assert.Equal("audit.k8s.io/v1", p.ApiVersion);
        Assert.Equal("Metadata", p.Rules![^1].Level);
        Assert.Null(p.Rules[^1].Resources);
        Assert.DoesNotContain(p.Rules, r => r.Level is "Request" or "RequestResponse");
    }

    [Fact]
    public void KubeVipManifest_IsAStrictlyValidPodHoldingTheEndpoint()
    {
        var init = NodeProgramBuilder.Build(Clusters.BareMetalHaKubeVip(), Clusters.Inputs(Clusters.BareMetalHaKubeVip()).Hosts,
            Clusters.Inputs(Clusters.BareMetalHaKubeVip()).Secrets)[0].Steps.Single(s => s.Id == "control-plane.init");
        foreach (var f in init.Files)
        {
            var objects = k8s.KubernetesYaml.LoadAllFromString(Encoding.UTF8.GetString(f.Content), null, strict: true);
            var pod = Assert.IsType<k8s.Models.V1Pod>(Assert.Single(objects));
            var c = Assert.Single(pod.Spec.Containers);
            Assert.Equal(VersionCatalog.KubeVipImage, c.Image);
            Assert.Contains(c.Env, e => e.Name == "address" && e.Value == "10.0.0.5");
            Assert.Contains(c.Env, e => e.Name == "vip_arp" && e.Value == "true");
            Assert.Contains(c.Env, e => e.Name == "cp_enable" && e.Value == "true");
            Assert.True(pod.Spec.HostNetwork);
            Assert.Equal("File", Assert.Single(pod.Spec.Volumes).HostPath.Type);
        }
    }
}
