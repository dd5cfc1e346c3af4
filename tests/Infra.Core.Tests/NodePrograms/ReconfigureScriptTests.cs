using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.NodePrograms;

/// <summary>
/// The reconfigure procedure's script (control-plane.settings) under bash, its host paths moved into a temporary
/// folder, with kubeadm and kubectl stand-ins that record their calls: kubeadm writes the manifests and certificate
/// the phases name, kubectl answers a mirror pod's config.hash from its manifest (as the kubelet's hash follows it).
/// Upstream: kubeadm's `init phase certs apiserver` keeps an existing certificate signed by the CA
/// (kubernetes/kubernetes cmd/kubeadm/app/cmd/phases/init/certs.go, "Using existing ... certificate and key on disk").
/// </summary>
public sealed class ReconfigureScriptTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("infra-reconfigure-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Calls => Path.Combine(_root, "calls");
    private string OnHost(string path) => _root + path;

    private static NodeProgram Program(ClusterSpec? spec = null)
    {
        spec ??= SampleSpecs.BareMetal(controlPlanes: 1, workers: 0);
        return ClusterPlanner.Plan(spec, TestSecrets.For(spec, HostInventory.Plan(spec))).Nodes[0];
    }

    private static Step SettingsStep() => Program().Steps.Single(s => s.Id == ReconfigureSteps.ControlPlaneStepId);

    /// <summary>The settings file as prepare.kubeadm-config places it.</summary>
    private static HostFile SettingsFile(ClusterSpec? spec = null) =>
        Program(spec).Steps.Single(s => s.Id == "prepare.kubeadm-config").Files.Single(f => f.Path == HostPaths.ControlPlaneSettings);

    private static string Sha256(byte[] content) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));

    /// <summary>How the stand-in etcdctl (run by the crictl stand-in) answers.</summary>
    private enum Etcd { Healthy, UnhealthyBefore, UnhealthyAfter }

    private Tool.Result Run(Step step, bool kubeadmFails = false, bool kubeletStuck = false, Etcd etcd = Etcd.Healthy)
    {
        var bin = Path.Combine(_root, "bin");
        Directory.CreateDirectory(bin);
        var manifests = OnHost(HostPaths.ManifestsDir);
        File.WriteAllText(Path.Combine(bin, "kubeadm"), $$"""
            #!/bin/bash
            echo "kubeadm $*" >> '{{Calls}}'
            {{(kubeadmFails ? "exit 1" : "")}}
            case "$*" in
              "init phase certs apiserver "*) echo new > '{{OnHost("/etc/kubernetes/pki")}}/apiserver.crt'; echo new > '{{OnHost("/etc/kubernetes/pki")}}/apiserver.key' ;;
              "init phase control-plane "*) { echo "# made from"; cat "$6"; } > "{{manifests}}/kube-${4/apiserver/apiserver}.yaml" ;;
              "init phase etcd local "*) { echo "# etcd made from"; cat "$6"; } > "{{manifests}}/etcd.yaml" ;;
            esac
            """.Replace("kube-${4/apiserver/apiserver}", "kube-$4", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(bin, "kubectl"), $$"""
            #!/bin/bash
            echo "kubectl $*" >> '{{Calls}}'
            case "$*" in
              *"get pod "*) pod=$5; {{(kubeletStuck ? "echo stuck; exit 0" : "")}}
                md5sum "{{manifests}}/${pod%-cp-1}.yaml" | cut -c1-32 ;;
            esac
            """);
        // The etcd container's etcdctl: unhealthy before kubeadm made etcd's manifest, or after it.
        var unhealthy = etcd switch
        {
            Etcd.UnhealthyBefore => "true",
            Etcd.UnhealthyAfter => $"grep -q 'etcd made from' '{manifests}/etcd.yaml'",
            _ => "false",
        };
        File.WriteAllText(Path.Combine(bin, "crictl"), $$"""
            #!/bin/bash
            echo "crictl $*" >> '{{Calls}}'
            case "$*" in
              *" ps "*) echo etcd-container ;;
              *" exec "*) if {{unhealthy}}; then echo 'https://127.0.0.1:2379 is unhealthy' >&2; exit 1; fi ;;
            esac
            """);
        foreach (var f in Directory.GetFiles(bin)) File.SetUnixFileMode(f, (UnixFileMode)0b111_101_101);
        var script = step.Script.Replace("/etc/kubernetes", OnHost("/etc/kubernetes"), StringComparison.Ordinal)
            .Replace("/var/lib/infra", OnHost("/var/lib/infra"), StringComparison.Ordinal)
            .Replace("readonly HEALTH_TIMEOUT=240", "readonly HEALTH_TIMEOUT=2", StringComparison.Ordinal);
        var settings = SettingsFile();
        Directory.CreateDirectory(Path.GetDirectoryName(OnHost(settings.Path))!);
        File.WriteAllBytes(OnHost(settings.Path), settings.Content);
        return Tool.Run("bash", "bash", ["-c", $"export PATH='{bin}':/usr/bin:/bin\n" + script]);
    }

    private void Existing(string? fresh = null, string? applied = null)
    {
        Directory.CreateDirectory(OnHost("/etc/kubernetes/pki"));
        Directory.CreateDirectory(OnHost(HostPaths.ManifestsDir));
        Directory.CreateDirectory(OnHost(HostPaths.AppliedDir));
        File.WriteAllText(OnHost("/etc/kubernetes/pki/apiserver.crt"), "old\n");
        File.WriteAllText(OnHost("/etc/kubernetes/pki/apiserver.key"), "old\n");
        foreach (var c in new[] { "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler" }) File.WriteAllText(OnHost($"{HostPaths.ManifestsDir}/{c}.yaml"), "# old\n");
        if (fresh is not null) File.WriteAllText(OnHost(HostPaths.BootstrappedFresh), fresh + "\n");
        if (applied is not null) File.WriteAllText(OnHost(HostPaths.AppliedControlPlane), applied + "\n");
    }

    private string[] CallLines => File.Exists(Calls) ? File.ReadAllLines(Calls) : [];

    [Fact]
    [Trait("Item", "13.3")]
    public void Script_BootstrappedInThisApply_TakesTheSettingsAsInEffectWithoutKubeadm()
    {
        var step = SettingsStep();
        Existing(fresh: Sha256(SettingsFile().Content));

        var r = Run(step);

        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Empty(CallLines);
        Assert.Equal(step.Inputs["settings"] + "\n", File.ReadAllText(OnHost(HostPaths.AppliedControlPlane)));
        Assert.False(File.Exists(OnHost(HostPaths.BootstrappedFresh)));
    }

    /// <summary>A run cut off after the bootstrap, with the settings changed since: the new ones are made, not assumed.</summary>
    [Fact]
    [Trait("Item", "13.3")]
    public void Script_BootstrappedWithOtherSettings_RegeneratesAndForgetsTheMark()
    {
        var step = SettingsStep();
        var spec = SampleSpecs.BareMetal(controlPlanes: 1, workers: 0);
        Existing(fresh: Sha256(SettingsFile(spec with { Kubernetes = spec.Kubernetes with { ImageRepository = "registry.example.test" } }).Content));

        var r = Run(step);

        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Contains(CallLines, c => c.StartsWith("kubeadm init phase control-plane apiserver", StringComparison.Ordinal));
        Assert.False(File.Exists(OnHost(HostPaths.BootstrappedFresh)));
        Assert.Equal(step.Inputs["settings"] + "\n", File.ReadAllText(OnHost(HostPaths.AppliedControlPlane)));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Script_SettingsInEffect_NothingRuns()
    {
        var step = SettingsStep();
        Existing(applied: step.Inputs["settings"]);

        var r = Run(step);

        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Empty(CallLines);
        Assert.Equal("old\n", File.ReadAllText(OnHost("/etc/kubernetes/pki/apiserver.crt")));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Script_SettingsChanged_NewCertificateManifestsWaitedReadyThenUploadedAndRecorded()
    {
        var step = SettingsStep();
        Existing(applied: "an-older-digest");

        var r = Run(step);

        Assert.True(r.ExitCode == 0, r.Output);
        var settings = OnHost(HostPaths.ControlPlaneSettings);
        var kubeadm = CallLines.Where(c => c.StartsWith("kubeadm", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            $"kubeadm init phase certs apiserver --config {settings}",
            $"kubeadm init phase etcd local --config {settings} --patches {OnHost(HostPaths.KubeadmPatchesDir)}",
            $"kubeadm init phase control-plane apiserver --config {settings} --patches {OnHost(HostPaths.KubeadmPatchesDir)}",
            $"kubeadm init phase control-plane controller-manager --config {settings} --patches {OnHost(HostPaths.KubeadmPatchesDir)}",
            $"kubeadm init phase control-plane scheduler --config {settings} --patches {OnHost(HostPaths.KubeadmPatchesDir)}",
            $"kubeadm init phase upload-config kubeadm --config {settings}",
        ], kubeadm);
        // The API server on this node answers ready before the configuration is uploaded for later joins.
        var ready = Array.FindIndex(CallLines, c => c.Contains("--server https://10.0.0.11:6443 get --raw=/readyz", StringComparison.Ordinal));
        Assert.True(ready >= 0 && ready < Array.FindIndex(CallLines, c => c.Contains("upload-config", StringComparison.Ordinal)), string.Join("\n", CallLines));
        Assert.Equal("new\n", File.ReadAllText(OnHost("/etc/kubernetes/pki/apiserver.crt")));
        Assert.False(File.Exists(OnHost("/etc/kubernetes/pki/apiserver.crt.infra-old")));
        Assert.Equal(step.Inputs["settings"] + "\n", File.ReadAllText(OnHost(HostPaths.AppliedControlPlane)));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Script_KubeadmFails_OldCertificateBackAndNothingRecorded()
    {
        var step = SettingsStep();
        Existing(applied: "an-older-digest");

        var r = Run(step, kubeadmFails: true);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("old\n", File.ReadAllText(OnHost("/etc/kubernetes/pki/apiserver.crt")));
        Assert.Equal("old\n", File.ReadAllText(OnHost("/etc/kubernetes/pki/apiserver.key")));
        Assert.Equal("an-older-digest\n", File.ReadAllText(OnHost(HostPaths.AppliedControlPlane)));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Script_KubeletNeverRunsTheNewManifest_FailsNamingTheComponentAndRecordsNothing()
    {
        var step = SettingsStep();
        Existing(applied: "an-older-digest");

        var r = Run(step, kubeletStuck: true);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("the kubelet did not run the new etcd manifest on cp-1 within 2 s", r.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(CallLines, c => c.Contains("upload-config", StringComparison.Ordinal));
        Assert.Equal("an-older-digest\n", File.ReadAllText(OnHost(HostPaths.AppliedControlPlane)));
    }

    /// <summary>
    /// Stacked etcd (issue 13: no change recorded as done unless it is in effect): its manifest is made with the same
    /// settings and patches only while every member answers, then the step waits until the kubelet runs it and this
    /// member and every member answer again, before the other components. kubeadm's `init phase etcd local` takes
    /// --config and --patches (kubernetes/kubernetes cmd/kubeadm/app/cmd/phases/init/etcd.go, getEtcdPhaseFlags).
    /// </summary>
    [Fact]
    [Trait("Item", "13.3")]
    public void Script_StackedEtcd_ManifestMadeWhileEveryMemberHealthyThenWaitedRunningAndHealthyBeforeTheOthers()
    {
        var step = SettingsStep();
        Existing(applied: "an-older-digest");

        var r = Run(step);

        Assert.True(r.ExitCode == 0, r.Output);
        var calls = CallLines.ToList();
        int At(string text, int from = 0) => calls.FindIndex(from, c => c.Contains(text, StringComparison.Ordinal));
        var pki = OnHost("/etc/kubernetes/pki/etcd");
        var health = $"etcdctl --cacert={pki}/ca.crt --cert={pki}/healthcheck-client.crt "
            + $"--key={pki}/healthcheck-client.key --dial-timeout=2s --command-timeout=5s --endpoints=https://127.0.0.1:2379 endpoint health";
        var healthyBefore = At(health + " --cluster");
        var made = At("kubeadm init phase etcd local");
        var running = At("get pod etcd-cp-1", made);
        var healthyAfter = At(health + " --cluster", running);
        var apiServer = At("kubeadm init phase control-plane apiserver");
        Assert.True(healthyBefore >= 0 && healthyBefore < made && made < running && running < healthyAfter && healthyAfter < apiServer, string.Join("\n", calls));
        Assert.Contains($"crictl --runtime-endpoint unix:///run/containerd/containerd.sock exec etcd-container {health}", calls);
        Assert.Equal(step.Inputs["settings"] + "\n", File.ReadAllText(OnHost(HostPaths.AppliedControlPlane)));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Script_AnEtcdMemberUnhealthy_NothingMadeNothingRecorded()
    {
        var step = SettingsStep();
        Existing(applied: "an-older-digest");

        var r = Run(step, etcd: Etcd.UnhealthyBefore);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("not every etcd member is healthy: etcd's manifest on cp-1 is not made again", r.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(CallLines, c => c.StartsWith("kubeadm", StringComparison.Ordinal));
        Assert.Equal("old\n", File.ReadAllText(OnHost("/etc/kubernetes/pki/apiserver.crt")));
        Assert.Equal("an-older-digest\n", File.ReadAllText(OnHost(HostPaths.AppliedControlPlane)));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Script_EtcdNotHealthyWithItsNewManifest_FailsBeforeTheOtherComponentsAndRecordsNothing()
    {
        var step = SettingsStep();
        Existing(applied: "an-older-digest");

        var r = Run(step, etcd: Etcd.UnhealthyAfter);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("etcd on cp-1 and every member were not healthy within 2 s of its new manifest", r.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(CallLines, c => c.StartsWith("kubeadm init phase control-plane", StringComparison.Ordinal));
        Assert.Equal("an-older-digest\n", File.ReadAllText(OnHost(HostPaths.AppliedControlPlane)));
    }

    [Fact]
    [Trait("Item", "13.3")]
    public void Step_ExternalEtcd_NeitherMakesEtcdsManifestNorCallsCrictl()
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 1, workers: 0, etcd: EtcdTopology.External);
        var controlPlane = ClusterPlanner.Plan(spec, TestSecrets.For(spec, HostInventory.Plan(spec))).Nodes.Single(n => n.Host.Has(Roles.ControlPlane));
        var step = controlPlane.Steps.Single(s => s.Id == ReconfigureSteps.ControlPlaneStepId);
        Assert.Contains("readonly STACKED_ETCD=''", step.Script, StringComparison.Ordinal);
        Assert.Contains("readonly STACKED_ETCD=yes", SettingsStep().Script, StringComparison.Ordinal);
    }

    /// <summary>
    /// A stacked control plane that recorded its settings before this step made etcd's manifest (releases before it
    /// recorded the settings and patches alone) has them in effect on its other components only: its record no longer
    /// matches, so the step runs once more and etcd's manifest is made. With external etcd the record still matches.
    /// </summary>
    [Fact]
    [Trait("Item", "13.3")]
    public void Digest_RecordedBeforeEtcdsManifestWasMade_NoLongerMatchesWithStackedEtcdOnly()
    {
        const string settings = "kind: ClusterConfiguration\n";
        KubeadmPatch[] patches = [new("etcd+json.json", "[]")];
        var earlierRelease = Steps.Sha256Hex(settings + "\n--- patch etcd+json.json\n[]");

        Assert.NotEqual(earlierRelease, ReconfigureSteps.Digest(settings, patches, stackedEtcd: true));
        Assert.Equal(earlierRelease, ReconfigureSteps.Digest(settings, patches, stackedEtcd: false));
    }
}
