using System.Net;
using System.Net.Sockets;
using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>
/// The kubelet configuration procedure (kubelet.settings): its digest, where it runs, and its script under bash with
/// stand-ins for kubeadm, kubectl and systemctl (a restart starts a listener that answers the kubelet's health endpoint).
/// Upstream: `kubeadm upgrade node phase kubelet-config` writes the kubelet-config ConfigMap's configuration to
/// /var/lib/kubelet/config.yaml and restarts nothing (kubernetes/kubernetes cmd/kubeadm/app/cmd/phases/upgrade/kubeletconfig.go,
/// cmd/kubeadm/app/phases/upgrade/postupgrade.go WriteKubeletConfigFiles); `kubeadm init phase upload-config kubelet`
/// uploads the KubeletConfiguration of --config to that ConfigMap (cmd/kubeadm/app/cmd/phases/init/uploadconfig.go);
/// the kubelet answers /healthz on 127.0.0.1:10248 by default (pkg/kubelet/apis/config/v1beta1/defaults.go).
/// </summary>
[Trait("Item", "13.3")]
public sealed class KubeletSettingsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("infra-kubelet-settings-").FullName;

    public void Dispose()
    {
        StopListener();
        Directory.Delete(_root, recursive: true);
    }

    private string Calls => Path.Combine(_root, "calls");
    private string OnHost(string path) => _root + path;
    private string[] CallLines => File.Exists(Calls) ? File.ReadAllLines(Calls) : [];

    private static ClusterPlan Plan(ClusterSpec spec) => ClusterPlanner.Plan(spec, TestSecrets.For(spec, HostInventory.Plan(spec)));

    private static Step KubeletStep(NodeProgram p) => p.Steps.Single(s => s.Id == ReconfigureSteps.KubeletStepId);

    private static HostFile SettingsFile(NodeProgram p) =>
        p.Steps.Single(s => s.Id == "prepare.kubeadm-config").Files.Single(f => f.Path == HostPaths.KubeletSettings);

    /// <summary>
    /// kubeadm uploads the KubeletConfiguration as given (cmd/kubeadm/app/phases/kubelet/config.go CreateConfigMap marshals
    /// it unchanged, stored commit 030880a5, a NodeLocalCRISocket-era tree; its init and upgrade upload-config phases
    /// clear no field, unlike the pre-1.24 phase that emptied tlsCertFile and tlsPrivateKeyFile), so the nodes' config.yaml
    /// that `upgrade node phase kubelet-config` writes from it keeps the tool's serving certificate.
    /// </summary>
    [Fact]
    public void SettingsFile_CarriesTheKubeletServingCertificateFilesKubeadmUploadsAsGiven()
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 1, workers: 1);
        var text = System.Text.Encoding.UTF8.GetString(SettingsFile(Plan(spec).Nodes[0]).Content);

        Assert.Contains($"tlsCertFile: {Infra.Core.Pki.PkiFiles.KubeletServingCert}\n", text, StringComparison.Ordinal);
        Assert.Contains($"tlsPrivateKeyFile: {Infra.Core.Pki.PkiFiles.KubeletServingKey}\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Digest_ChangesWithTheKubeletConfigurationOnly()
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 1, workers: 1);
        var before = Plan(spec).Nodes;
        // An image repository does not reach the KubeletConfiguration; the DNS domain does (clusterDomain).
        var other = Plan(spec with { Kubernetes = spec.Kubernetes with { ImageRepository = "registry.example.test" } }).Nodes;
        var kubelet = Plan(spec with { Kubernetes = spec.Kubernetes with { DnsDomain = "cluster.example" } }).Nodes;

        for (var i = 0; i < before.Count; i++)
        {
            Assert.Equal(KubeletStep(before[i]).InputHash, KubeletStep(other[i]).InputHash);
            Assert.NotEqual(KubeletStep(before[i]).InputHash, KubeletStep(kubelet[i]).InputHash);
            // The bootstrap steps do not carry it: a changed kubelet configuration is this procedure's, not "already ran".
            var bootstrap = before[i].Steps.Single(s => s.Id is NodeProgram.InitStepId or "workers.join");
            Assert.Equal(bootstrap.InputHash, kubelet[i].Steps.Single(s => s.Id == bootstrap.Id).InputHash);
        }
        var digest = KubeletStep(before[0]).Inputs["kubelet"];
        Assert.Equal(Steps.Sha256Hex(KubeYaml.SerializeAll([KubeadmConfigRenderer.Kubelet(spec)])), digest);
        // Every node gets the same planned file, and the digest is its SHA-256 (what init and join record with sha256sum).
        Assert.All(before, n => Assert.Equal(digest, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(SettingsFile(n).Content))));
    }

    [Fact]
    public void Build_EveryNode_KubeletStepAfterItsBootstrapControlPlanesInTheirWaveWorkersOneAtATimeInAWaveOfTheirOwn()
    {
        var plan = Plan(SampleSpecs.BareMetal(controlPlanes: 3, workers: 2));

        foreach (var node in plan.Nodes)
        {
            var ids = node.Steps.Select(s => s.Id).ToList();
            var bootstrap = ids.FindIndex(id => id is NodeProgram.InitStepId or "control-plane.join" or "workers.join");
            Assert.True(bootstrap >= 0 && ids.IndexOf(ReconfigureSteps.KubeletStepId) > bootstrap, string.Join(", ", ids));
            Assert.Equal(node.Host.Has(Roles.ControlPlane) ? Phase.ControlPlane : Phase.Workers, KubeletStep(node).Phase);
        }
        var workers = plan.Execution.Waves.Where(w => w.Phase == Phase.Workers).ToList();
        Assert.Equal(2, workers.Count);
        var join = plan.Nodes.Single(n => n.Host.Name == "w-1");
        Assert.False(workers[0].Runs(KubeletStep(join)));
        Assert.True(workers[0].Runs(join.Steps.Single(s => s.Id == "workers.join")));
        Assert.True(workers[1].Runs(KubeletStep(join)));
        Assert.False(workers[1].Runs(join.Steps.Single(s => s.Id == "workers.join")));
        Assert.Equal(WavePacing.OneAtATime, workers[1].Pacing);
        Assert.Equal("workers: kubelet configuration on workers — w-1, w-2 (one at a time)", workers[1].Describe());
        // The Pulumi units keep their order: the second workers wave places no host.
        Assert.Equal(["cp-3"], plan.Execution.DependsOn("w-1"));
    }

    [RealToolFact("shellcheck")]
    public void Shellcheck_KubeletStepOfFirstControlPlaneAndWorker_Pass()
    {
        var plan = Plan(SampleSpecs.BareMetal(controlPlanes: 1, workers: 1));
        foreach (var node in plan.Nodes)
        {
            var file = Path.Combine(_root, node.Host.Name + ".sh");
            File.WriteAllText(file, "#!/bin/bash\n" + KubeletStep(node).Script + "\n" + KubeletStep(node).Check);
            var r = Tool.Run("shellcheck", "shellcheck", ["-S", "style", "-s", "bash", "-f", "gcc", file]);
            Assert.True(r.ExitCode == 0, r.Output);
        }
    }

    private int _port;
    private string ListenerPid => Path.Combine(_root, "listener.pid");

    private void StopListener()
    {
        if (File.Exists(ListenerPid) && int.TryParse(File.ReadAllText(ListenerPid).Trim(), out var pid))
        {
            try { System.Diagnostics.Process.GetProcessById(pid).Kill(); }
            catch (ArgumentException) { }
            catch (InvalidOperationException) { }
            File.Delete(ListenerPid);
        }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Runs the node's step; <paramref name="kubeadmWrites"/> is the configuration kubeadm writes from the ConfigMap.</summary>
    private Tool.Result Run(NodeProgram node, string kubeadmWrites, bool kubeletHealthy = true, bool configMapStale = false)
    {
        _port = _port == 0 ? FreePort() : _port;
        var bin = Path.Combine(_root, "bin");
        Directory.CreateDirectory(bin);
        var config = OnHost(HostPaths.KubeletConfig);
        File.WriteAllText(Path.Combine(_root, "kubeadm-writes"), kubeadmWrites);
        File.WriteAllText(Path.Combine(bin, "kubeadm"), $$"""
            #!/bin/bash
            echo "kubeadm $*" >> '{{Calls}}'
            case "$*" in
              "init phase upload-config kubelet --config "*) cp "$6" '{{_root}}/uploaded' ;;
              "upgrade node phase kubelet-config "*) mkdir -p "$(dirname '{{config}}')"; cp '{{_root}}/kubeadm-writes' '{{config}}' ;;
            esac
            """);
        // The ConfigMap's annotation: the digest once uploaded (here: unless it is stale).
        var annotation = configMapStale ? "an-older-digest" : KubeletStep(node).Inputs["kubelet"];
        File.WriteAllText(Path.Combine(bin, "kubectl"), $"#!/bin/bash\necho \"kubectl $*\" >> '{Calls}'\n"
            + $"case \"$*\" in *\" get configmap kubelet-config \"*) printf %s '{annotation}' ;; esac\n");
        // A restart stops the old kubelet and starts the new one, which answers its health endpoint when healthy.
        var listener = kubeletHealthy
            ? $"setsid perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalAddr => \"127.0.0.1\", LocalPort => {_port}, Listen => 5, ReuseAddr => 1) or die; "
                + "while (my $c = $s->accept) { while (defined(my $l = <$c>)) { last if $l =~ /^\\r?\\n$/ } print $c \"HTTP/1.0 200 OK\\r\\n\\r\\nok\"; close $c }' "
                + $"</dev/null >/dev/null 2>&1 & echo $! > '{ListenerPid}'; sleep 0.3"
            : "";
        File.WriteAllText(Path.Combine(bin, "systemctl"), $"#!/bin/bash\necho \"systemctl $*\" >> '{Calls}'\n"
            + $"if [ -f '{ListenerPid}' ]; then kill \"$(cat '{ListenerPid}')\" 2>/dev/null; rm -f '{ListenerPid}'; fi\n{listener}\n");
        foreach (var f in Directory.GetFiles(bin)) File.SetUnixFileMode(f, (UnixFileMode)0b111_101_101);
        var step = KubeletStep(node);
        var script = step.Script.Replace("/etc/kubernetes", OnHost("/etc/kubernetes"), StringComparison.Ordinal)
            .Replace("/var/lib/infra", OnHost("/var/lib/infra"), StringComparison.Ordinal)
            .Replace("/var/lib/kubelet", OnHost("/var/lib/kubelet"), StringComparison.Ordinal)
            .Replace("/run/infra", OnHost("/run/infra"), StringComparison.Ordinal)
            .Replace($"readonly HEALTHZ_PORT={ReconfigureSteps.KubeletHealthzPort}", $"readonly HEALTHZ_PORT={_port}", StringComparison.Ordinal)
            .Replace($"readonly HEALTH_TIMEOUT={ReconfigureSteps.HealthTimeoutSeconds}", "readonly HEALTH_TIMEOUT=2", StringComparison.Ordinal);
        Assert.Contains($"HEALTHZ_PORT={_port}", script, StringComparison.Ordinal);
        foreach (var f in node.Steps.Single(s => s.Id == "prepare.kubeadm-config").Files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(OnHost(f.Path))!);
            File.WriteAllBytes(OnHost(f.Path), f.Content);
        }
        return Tool.Run("bash", "bash", ["-c", $"export PATH='{bin}':/usr/bin:/bin\n" + script]);
    }

    private void Existing(string config, string? fresh = null, string? applied = null)
    {
        Directory.CreateDirectory(OnHost(HostPaths.AppliedDir));
        Directory.CreateDirectory(Path.GetDirectoryName(OnHost(HostPaths.KubeletConfig))!);
        File.WriteAllText(OnHost(HostPaths.KubeletConfig), config);
        if (fresh is not null) File.WriteAllText(OnHost(HostPaths.KubeletBootstrappedFresh), fresh + "\n");
        if (applied is not null) File.WriteAllText(OnHost(HostPaths.AppliedKubelet), applied + "\n");
    }

    private static (NodeProgram First, NodeProgram Worker) Nodes()
    {
        var plan = Plan(SampleSpecs.BareMetal(controlPlanes: 1, workers: 1));
        return (plan.Nodes[0], plan.Nodes[1]);
    }

    [Fact]
    public void Script_BootstrappedWithThePlannedSettings_InEffectWithoutKubeadmOrRestart()
    {
        var (_, worker) = Nodes();
        var digest = KubeletStep(worker).Inputs["kubelet"];
        Existing("joined\n", fresh: digest);

        var r = Run(worker, "new\n");

        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Empty(CallLines);
        Assert.Equal(digest + "\n", File.ReadAllText(OnHost(HostPaths.AppliedKubelet)));
        Assert.False(File.Exists(OnHost(HostPaths.KubeletBootstrappedFresh)));
    }

    [Fact]
    public void Script_InEffect_NothingRuns()
    {
        var (first, _) = Nodes();
        Existing("current\n", applied: KubeletStep(first).Inputs["kubelet"]);

        var r = Run(first, "new\n");

        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Empty(CallLines);
        Assert.Equal("current\n", File.ReadAllText(OnHost(HostPaths.KubeletConfig)));
    }

    [Fact]
    public void Script_FirstControlPlaneChanged_UploadsThenKubeadmWritesRestartsOnceWaitsHealthyAndReadyThenRecords()
    {
        var (first, _) = Nodes();
        Existing("old\n", fresh: "a-bootstrap-with-other-settings", applied: "an-older-digest");

        var r = Run(first, "new\n");

        Assert.True(r.ExitCode == 0, r.Output);
        var admin = OnHost(HostPaths.AdminConf);
        var annotate = $"kubectl --kubeconfig {admin} -n kube-system annotate configmap kubelet-config --overwrite "
            + $"{ReconfigureSteps.KubeletConfigMapAnnotation}={KubeletStep(first).Inputs["kubelet"]}";
        Assert.Equal(
        [
            $"kubeadm init phase upload-config kubelet --config {OnHost(HostPaths.RuntimeDir)}/kubelet-upload.yaml --kubeconfig {admin}",
            annotate,
            $"kubectl --kubeconfig {admin} -n kube-system get configmap kubelet-config -o jsonpath={{.metadata.annotations.{ReconfigureSteps.KubeletConfigMapAnnotation}}}",
            $"kubeadm upgrade node phase kubelet-config --kubeconfig {admin} --patches {OnHost(HostPaths.KubeadmPatchesDir)}",
            "systemctl restart kubelet",
        ], CallLines.Take(5));
        // Ready is waited for once the kubelet answers healthy, within what is left of the health timeout.
        Assert.StartsWith($"kubectl --kubeconfig {admin} wait --for=condition=Ready node/cp-1 --timeout=", CallLines[5], StringComparison.Ordinal);
        Assert.Equal(6, CallLines.Length);
        // The upload carries this node's InitConfiguration, the ClusterConfiguration and the planned KubeletConfiguration.
        var uploaded = File.ReadAllText(Path.Combine(_root, "uploaded"));
        Assert.Contains("kind: InitConfiguration", uploaded, StringComparison.Ordinal);
        Assert.Contains("kind: ClusterConfiguration", uploaded, StringComparison.Ordinal);
        Assert.EndsWith(System.Text.Encoding.UTF8.GetString(SettingsFile(first).Content), uploaded, StringComparison.Ordinal);
        Assert.False(File.Exists(OnHost(HostPaths.RuntimeDir + "/kubelet-upload.yaml")));
        Assert.Equal("new\n", File.ReadAllText(OnHost(HostPaths.KubeletConfig)));
        Assert.Equal(KubeletStep(first).Inputs["kubelet"] + "\n", File.ReadAllText(OnHost(HostPaths.AppliedKubelet)));
    }

    [Fact]
    public void Script_WorkerChanged_NoUploadKubeletKubeconfigNoPatches()
    {
        var (_, worker) = Nodes();
        Existing("old\n", applied: "an-older-digest");

        var r = Run(worker, "new\n");

        Assert.True(r.ExitCode == 0, r.Output);
        var kubeconfig = OnHost(HostPaths.KubeletConf);
        Assert.StartsWith($"kubectl --kubeconfig {kubeconfig} -n kube-system get configmap kubelet-config", CallLines[0], StringComparison.Ordinal);
        Assert.Equal($"kubeadm upgrade node phase kubelet-config --kubeconfig {kubeconfig}", CallLines[1]);
        Assert.Equal("systemctl restart kubelet", CallLines[2]);
        Assert.StartsWith($"kubectl --kubeconfig {kubeconfig} wait --for=condition=Ready node/w-1", CallLines[3], StringComparison.Ordinal);
        Assert.Equal(4, CallLines.Length);
    }

    /// <summary>The first control plane did not upload this configuration (it failed, or is not in --hosts): nothing is written or recorded.</summary>
    [Fact]
    public void Script_ConfigMapNotUploadedYet_FailsWithoutWritingOrRecording()
    {
        var (_, worker) = Nodes();
        Existing("old\n", applied: "an-older-digest");

        var r = Run(worker, "stale\n", configMapStale: true);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("the cluster's kubelet-config ConfigMap does not hold the planned kubelet configuration yet", r.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(CallLines, c => c.StartsWith("kubeadm", StringComparison.Ordinal) || c.StartsWith("systemctl", StringComparison.Ordinal));
        Assert.Equal("old\n", File.ReadAllText(OnHost(HostPaths.KubeletConfig)));
        Assert.Equal("an-older-digest\n", File.ReadAllText(OnHost(HostPaths.AppliedKubelet)));
    }

    /// <summary>A cluster made before this procedure: kubeadm writes the file the kubelet already runs, so nothing restarts.</summary>
    [Fact]
    public void Script_KubeadmWritesTheSameFile_RecordedWithoutARestart()
    {
        var (_, worker) = Nodes();
        Existing("same\n");

        var r = Run(worker, "same\n");

        Assert.True(r.ExitCode == 0, r.Output);
        Assert.DoesNotContain(CallLines, c => c.StartsWith("systemctl", StringComparison.Ordinal));
        Assert.Equal(KubeletStep(worker).Inputs["kubelet"] + "\n", File.ReadAllText(OnHost(HostPaths.AppliedKubelet)));
    }

    /// <summary>An unhealthy kubelet: nothing recorded, and the next run (kubeadm's file already in place) restarts it again.</summary>
    [Fact]
    public void Script_KubeletNotHealthy_FailsRecordsNothingAndTheNextRunRestartsAgain()
    {
        var (_, worker) = Nodes();
        Existing("old\n", applied: "an-older-digest");

        var r = Run(worker, "new\n", kubeletHealthy: false);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("the kubelet on w-1 did not answer healthy on 127.0.0.1:", r.Output, StringComparison.Ordinal);
        Assert.Equal("an-older-digest\n", File.ReadAllText(OnHost(HostPaths.AppliedKubelet)));
        Assert.DoesNotContain(CallLines, c => c.Contains(" wait ", StringComparison.Ordinal));

        File.Delete(Calls);
        var again = Run(worker, "new\n");

        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains("systemctl restart kubelet", CallLines);
        Assert.Equal(KubeletStep(worker).Inputs["kubelet"] + "\n", File.ReadAllText(OnHost(HostPaths.AppliedKubelet)));
    }
}
