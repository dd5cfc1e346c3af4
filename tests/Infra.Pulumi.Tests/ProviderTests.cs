using System.Collections.Immutable;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Provider;
using Infra.TestKit;
using Pulumi;
using Pulumi.Experimental;
using Pulumi.Experimental.Provider;

namespace Infra.Pulumi.Tests;

/// <summary>
/// The kubeadm provider's Check/Diff/Create/Update/Delete, called directly. The SSH engine here is a recording
/// stand-in; ProviderHostTests runs the provider with its real SSH engine against a harness host.
/// </summary>
public class ProviderTests
{
    private sealed class RecordingEngine : INodeEngine
    {
        public List<string> Calls { get; } = [];

        /// <summary>Per converged host, the kubelet slot it was given (null: none).</summary>
        public Dictionary<string, WorkerSlot?> KubeletSlots { get; } = [];

        public Task<NodeApplyResult> ApplyAsync(NodeProgram program, PlannedHost? joinVia, IReadOnlyList<Step> restarts, WorkerSlot? kubeletSlot,
            NodeConnection connection, CancellationToken ct)
        {
            KubeletSlots[program.Host.Name] = kubeletSlot;
            Calls.Add($"apply {program.Host.Name}" + (restarts.Count == 0 ? "" : " then " + string.Join(", ", restarts.Select(s => s.Id)) + " after a renewal"));
            return Task.FromResult(new NodeApplyResult
            {
                Ran = [.. program.Steps.Select(s => s.Id)],
                Skipped = [],
                AdminKubeconfig = program.Host.Has(Roles.ControlPlane) ? "apiVersion: v1\nkind: Config\n" : null,
            });
        }

        public Task ResetAsync(NodeProgram program, NodeConnection connection, CancellationToken ct)
        {
            Calls.Add($"reset {program.Host.Name}");
            return Task.CompletedTask;
        }

        public Task<string?> RemoveAsync(NodeProgram program, PlannedHost firstControlPlane, UpgradeSpec? settings, EtcdTopology etcd, NodeConnection connection, CancellationToken ct)
        {
            Calls.Add($"remove {program.Host.Name} via {firstControlPlane.Name}" + (settings is null ? "" : $", drain within {settings.DrainTimeoutSeconds} s")
                + (etcd == EtcdTopology.Stacked && program.Host.Has(Roles.ControlPlane) ? ", its etcd member first" : ""));
            return Task.FromResult<string?>(null);
        }

        public Task<IReadOnlyList<string>> UpgradeAsync(NodeProgram program, PlannedHost firstControlPlane, IReadOnlyList<UpgradeAction> actions,
            WorkerSlot? slot, NodeConnection connection, CancellationToken ct)
        {
            Calls.Add($"upgrade {program.Host.Name} via {firstControlPlane.Name}" + (slot is null ? "" : " in a worker slot") + ": "
                + string.Join(" ", actions.Select(a => a.Host + ":" + a.Step.Id)));
            return Task.FromResult<IReadOnlyList<string>>([.. actions.Select(a => a.Step.Id)]);
        }

        public Task<IReadOnlyDictionary<string, string>> JournalAsync(PlannedHost host, NodeConnection connection, CancellationToken ct) =>
            Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string> { ["prepare.swap"] = "h1" });

        public Task<IReadOnlyList<string>> RotateEncryptionKeyAsync(IReadOnlyList<ClusterPlan> stages, NodeConnection connection, CancellationToken ct)
        {
            Calls.Add("rotate: " + string.Join("; ", stages.Select(s => s.Execution.Waves[0].Title)));
            return Task.FromResult<IReadOnlyList<string>>([]);
        }
    }

    private static readonly Urn NodeUrn = new("urn:pulumi:unit::infra::infra:index:Cluster$kubeadm:index:Node::cp-1");
    private static readonly Urn SecretsUrn = new("urn:pulumi:unit::infra::kubeadm:index:ClusterSecrets::cluster-secrets");

    // A two-host bare-metal cluster as the program hands it to ClusterSecrets (Core's PulumiConfig document).
    private static string Stack(string name = "unit") => PulumiConfig.Document($$"""
        {"name": "{{name}}", "target": "baremetal", "kubernetes": {"version": "1.36.1"},
         "controlPlane": {"count": 1, "endpoint": "10.0.0.11:6443", "loadBalancer": "external"},
         "workers": [{"name": "general", "count": 1}],
         "network": {"podCidr": "10.244.0.0/16", "serviceCidr": "10.96.0.0/12", "cni": "calico"},
         "etcd": {"topology": "stacked"},
         "hosts": [
           {"name": "cp-1", "address": "10.0.0.11", "hostKey": "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "roles": ["control-plane"]},
           {"name": "w-1", "address": "10.0.0.21", "hostKey": "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "roles": ["worker"]}]}
        """, new Dictionary<string, string>());

    private static NodeProgram Program(string host = "cp-1", string hash = "h1")
    {
        var planned = HostInventory.Plan(SampleSpecs.BareMetal(3, 2, EtcdTopology.External)).Single(h => h.Name == host);
        return new NodeProgram
        {
            Host = planned,
            Steps =
            [
                new Step
                {
                    Id = "prepare.swap", Phase = Phase.Prepare, Description = "swap off", Script = "set -euo pipefail\nswapoff -a\n",
                    Inputs = new Dictionary<string, string>(), InputHash = hash, Files = [], RuntimeInputs = [], Os = [OsFamily.Debian12],
                },
            ],
        };
    }

    private static ImmutableDictionary<string, PropertyValue> NodeInputs(string version = "1.36.1", string hash = "h1", string host = "cp-1",
        string address = "10.0.0.11", string[]? roles = null)
    {
        var program = Program(host, hash);
        var connection = new NodeConnection { PrivateKey = "KEY", ConnectTimeoutSeconds = 10, CommandTimeoutSeconds = 600 };
        return new Dictionary<string, PropertyValue>
        {
            ["host"] = new(host),
            ["address"] = new(address),
            ["roles"] = new((roles ?? ["control-plane"]).Select(r => new PropertyValue(r)).ToImmutableArray()),
            ["kubernetesVersion"] = new(version),
            ["podCidr"] = new("10.244.0.0/16"),
            ["serviceCidr"] = new("10.96.0.0/12"),
            ["etcdTopology"] = new("stacked"),
            ["steps"] = new(ImmutableDictionary<string, PropertyValue>.Empty.Add("prepare.swap", new PropertyValue(hash))),
            ["program"] = new PropertyValue(WireJson.NodeProgram(program)).WithSecret(true),
            ["connection"] = new PropertyValue(WireJson.NodeConnection(connection)).WithSecret(true),
            ["firstControlPlane"] = new(true),
        }.ToImmutableDictionary();
    }

    private static readonly DateTimeOffset Now = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    private static KubeadmProvider Provider(out RecordingEngine engine)
    {
        engine = new RecordingEngine();
        return new KubeadmProvider(engine, () => Now);
    }

    [Fact]
    public async Task Check_NewNode_Accepted()
    {
        var p = Provider(out _);

        var r = await p.Check(new CheckRequest(NodeUrn, ImmutableDictionary<string, PropertyValue>.Empty, NodeInputs(), []), default);

        Assert.Empty(r.Failures!);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task Check_AllowedVersionMoveOnLiveNode_AcceptedUpdateRunsTheUpgrade()
    {
        var p = Provider(out _);

        var r = await p.Check(new CheckRequest(NodeUrn, NodeInputs("1.35.2"), NodeInputs("1.36.1"), []), default);

        Assert.Empty(r.Failures!);
    }

    [Theory]
    [Trait("Item", "13.2")]
    [InlineData("clusterName", "lab", "prod", "clusterName")]
    [InlineData("dnsDomain", "cluster.local", "corp.example", "dnsDomain")]
    [InlineData("endpoint", "10.0.0.10:6443", "10.0.0.10:8443", "endpoint")]
    public async Task Check_SettingALiveClusterCannotChange_RefusedAsInfraApplyRefusesIt(string key, string before, string after, string property)
    {
        var p = Provider(out _);

        var r = await p.Check(new CheckRequest(NodeUrn, NodeInputs().SetItem(key, new PropertyValue(before)), NodeInputs().SetItem(key, new PropertyValue(after)), []), default);
        var unknownBefore = await p.Check(new CheckRequest(NodeUrn, NodeInputs(), NodeInputs().SetItem(key, new PropertyValue(after)), []), default);

        Assert.Equal(property, Assert.Single(r.Failures!).Property);
        Assert.Empty(unknownBefore.Failures!);
    }

    [Fact]
    [Trait("Item", "13.2")]
    public async Task Check_EndpointNameChangedPortKept_AcceptedTheReconfigureProcedureRuns()
    {
        var p = Provider(out _);

        var r = await p.Check(new CheckRequest(NodeUrn, NodeInputs().SetItem("endpoint", new PropertyValue("10.0.0.10:6443")),
            NodeInputs().SetItem("endpoint", new PropertyValue("api.example.test:6443")), []), default);

        Assert.Empty(r.Failures!);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task Check_SkippedMinorOnLiveNode_RefusedWithCoresMessage()
    {
        var p = Provider(out _);

        var r = await p.Check(new CheckRequest(NodeUrn, NodeInputs("1.34.2"), NodeInputs("1.36.1"), []), default);

        var failure = Assert.Single(r.Failures!);
        Assert.Equal("kubernetesVersion", failure.Property);
        Assert.Contains("1.35.x first", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("cp-1", failure.Reason, StringComparison.Ordinal);
    }

    /// <summary>A worker's resource as the component makes it: its real program at the stack's version, the first control plane as joinVia.</summary>
    private static ImmutableDictionary<string, PropertyValue> WorkerInputs(string version, bool withUpgrade = true)
    {
        var spec = SampleSpecs.BareMetal();
        spec = spec with { Kubernetes = spec.Kubernetes with { Version = KubernetesVersion.TryParse(version, out var v) ? v! : throw new ArgumentException(version) } };
        var plan = ClusterPlanner.Plan(spec);
        var program = plan.Nodes.Single(n => n.Host.Name == "w-1");
        var inputs = NodeInputs(version, host: "w-1", address: program.Host.Address!, roles: ["worker"])
            .SetItem("program", new PropertyValue(WireJson.NodeProgram(program)).WithSecret(true))
            .SetItem("firstControlPlane", new PropertyValue(false))
            .SetItem("joinVia", new PropertyValue(WireJson.Serialize(plan.FirstControlPlane!)));
        return withUpgrade ? inputs.SetItem("upgrade", new PropertyValue(WireJson.Serialize(NodeUpgradeSettings.Of(spec, plan.Hosts)))) : inputs;
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task Update_AllowedVersionMove_NodeUpgradedThroughTheFirstControlPlaneThenConverged()
    {
        var p = Provider(out var engine);

        await p.Update(new UpdateRequest(NodeUrn, "w-1", WorkerInputs("1.36.1"), WorkerInputs("1.36.2"), TimeSpan.FromMinutes(30), [], preview: false, WorkerInputs("1.36.1")), default);

        Assert.Equal(
        [
            "upgrade w-1 via cp-1 in a worker slot: w-1:upgrade.requirements w-1:upgrade.packages w-1:upgrade.kubeadm cp-1:upgrade.drain.w-1 w-1:upgrade.kubelet cp-1:upgrade.uncordon.w-1",
            "apply w-1",
        ], engine.Calls);
    }

    /// <summary>An external etcd member's resource as the component makes it: its real program, no joinVia, the cluster's upgrade settings.</summary>
    private static ImmutableDictionary<string, PropertyValue> EtcdMemberInputs(string version)
    {
        var spec = SampleSpecs.BareMetal(1, 1, EtcdTopology.External);
        spec = spec with { Kubernetes = spec.Kubernetes with { Version = KubernetesVersion.TryParse(version, out var v) ? v! : throw new ArgumentException(version) } };
        var plan = ClusterPlanner.Plan(spec);
        var program = plan.Nodes.Single(n => n.Host.Name == "etcd-1");
        return NodeInputs(version, host: "etcd-1", address: program.Host.Address!, roles: ["etcd"])
            .SetItem("etcdTopology", new PropertyValue("external"))
            .SetItem("program", new PropertyValue(WireJson.NodeProgram(program)).WithSecret(true))
            .SetItem("firstControlPlane", new PropertyValue(false))
            .SetItem("joinVia", new PropertyValue(""))
            .SetItem("upgrade", new PropertyValue(WireJson.Serialize(NodeUpgradeSettings.Of(spec, plan.Hosts))));
    }

    /// <summary>Today's catalogue has one etcd for 1.35 and 1.36 (docs/upstream.md): the member's Update upgrades nothing, it converges.</summary>
    [Fact]
    [Trait("Item", "13.2")]
    public async Task Update_ExternalEtcdMemberMinorMoveSameEtcd_NoUpgradeThenConverged()
    {
        var p = Provider(out var engine);

        await p.Update(new UpdateRequest(NodeUrn, "etcd-1", EtcdMemberInputs("1.35.4"), EtcdMemberInputs("1.36.1"), TimeSpan.FromMinutes(30), [], preview: false,
            EtcdMemberInputs("1.35.4")), default);

        Assert.Equal(["apply etcd-1"], engine.Calls);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task Update_Worker_ConvergedHoldingAKubeletSlotOnTheFirstControlPlane()
    {
        var p = Provider(out var engine);

        await p.Update(new UpdateRequest(NodeUrn, "w-1", WorkerInputs("1.36.1"), WorkerInputs("1.36.1"), TimeSpan.FromMinutes(30), [], preview: false, WorkerInputs("1.36.1")), default);
        await p.Create(new CreateRequest(NodeUrn, NodeInputs(), TimeSpan.FromMinutes(30), preview: false), default);

        var slot = engine.KubeletSlots["w-1"]!;
        Assert.Contains($"readonly SLOTS_DIR={KubeletSettingsSlots.SlotsDir}\n", slot.Claim, StringComparison.Ordinal);
        Assert.Contains("readonly SLOTS=1\n", slot.Claim, StringComparison.Ordinal);
        // A control plane: its resources go one at a time already.
        Assert.Null(engine.KubeletSlots["cp-1"]);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task Update_SameVersionOrPreview_NoUpgrade()
    {
        var p = Provider(out var engine);

        await p.Update(new UpdateRequest(NodeUrn, "w-1", WorkerInputs("1.36.1"), WorkerInputs("1.36.1"), TimeSpan.FromMinutes(30), [], preview: false, WorkerInputs("1.36.1")), default);
        await p.Update(new UpdateRequest(NodeUrn, "w-1", WorkerInputs("1.36.1"), WorkerInputs("1.36.2"), TimeSpan.FromMinutes(30), [], preview: true, WorkerInputs("1.36.1")), default);

        Assert.Equal(["apply w-1"], engine.Calls);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task Update_VersionMoveWithoutTheUpgradeInput_FailsBeforeTouchingTheNode()
    {
        var p = Provider(out var engine);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => p.Update(new UpdateRequest(NodeUrn, "w-1", WorkerInputs("1.36.1"),
            WorkerInputs("1.36.2", withUpgrade: false), TimeSpan.FromMinutes(30), [], preview: false, WorkerInputs("1.36.1")), default));

        Assert.Contains("'upgrade' input", e.Message, StringComparison.Ordinal);
        Assert.Empty(engine.Calls);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task Diff_AllowedVersionMove_UpdateOnKubernetesVersion()
    {
        var p = Provider(out _);

        var d = await p.Diff(new DiffRequest(NodeUrn, "cp-1", NodeInputs("1.36.1"), NodeInputs("1.36.2"), [], NodeInputs("1.36.1")), default);

        Assert.True(d.Changes);
        Assert.Equal(PropertyDiffKind.Update, d.DetailedDiff!["kubernetesVersion"].Kind);
        Assert.Empty(d.Replaces!);
    }

    [Theory]
    [InlineData("kubernetesVersion", "1.36", "not a Kubernetes version")]
    [InlineData("podCidr", "10.244.0.0", "not a CIDR")]
    [InlineData("program", "{\"host\": 1}", "node program")]
    public async Task Check_BadInput_FailureNamesProperty(string key, string value, string reason)
    {
        var p = Provider(out _);
        var inputs = NodeInputs().SetItem(key, new PropertyValue(value));

        var r = await p.Check(new CheckRequest(NodeUrn, ImmutableDictionary<string, PropertyValue>.Empty, inputs, []), default);

        var failure = Assert.Single(r.Failures!);
        Assert.Equal(key, failure.Property);
        Assert.Contains(reason, failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_UnchangedNode_NoChanges()
    {
        var p = Provider(out _);

        var d = await p.Diff(new DiffRequest(NodeUrn, "cp-1", NodeInputs(), NodeInputs(), [], NodeInputs()), default);

        Assert.False(d.Changes);
    }

    [Fact]
    public async Task Diff_StepHashChanged_DetailedDiffNamesStep()
    {
        var p = Provider(out _);

        var d = await p.Diff(new DiffRequest(NodeUrn, "cp-1", NodeInputs(), NodeInputs(hash: "h2"), [], NodeInputs()), default);

        Assert.True(d.Changes);
        Assert.Equal(PropertyDiffKind.Update, d.DetailedDiff!["steps[\"prepare.swap\"]"].Kind);
        Assert.Empty(d.Replaces!);
    }

    [Fact]
    public async Task Diff_AddressChanged_ReplacesDeletingFirst()
    {
        var p = Provider(out _);

        var d = await p.Diff(new DiffRequest(NodeUrn, "cp-1", NodeInputs(), NodeInputs(address: "10.0.0.99"), [], NodeInputs()), default);

        Assert.Equal(["address"], d.Replaces);
        Assert.True(d.DeleteBeforeReplace);
    }

    [Fact]
    public async Task Diff_UnknownInputsDuringPreview_ChangesOnThoseInputs()
    {
        var p = Provider(out _);
        var inputs = NodeInputs().SetItem("address", PropertyValue.Computed);

        var d = await p.Diff(new DiffRequest(NodeUrn, "cp-1", NodeInputs(), inputs, [], NodeInputs()), default);

        Assert.True(d.Changes);
        Assert.Equal(["address"], d.Diffs);
    }

    [Fact]
    public async Task Create_FirstControlPlane_ConvergesAndReturnsSecretKubeconfig()
    {
        var p = Provider(out var engine);

        var r = await p.Create(new CreateRequest(NodeUrn, NodeInputs(), TimeSpan.FromMinutes(30), preview: false), default);

        Assert.Equal(["apply cp-1"], engine.Calls);
        Assert.Equal("cp-1", r.Id);
        Assert.True(r.Outputs!["kubeconfig"].IsSecret);
        Assert.True(r.Outputs["program"].IsSecret);
        Assert.True(r.Outputs["kubeconfig"].TryGetString(out var kubeconfig) && kubeconfig.Contains("kind: Config", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Create_Preview_TouchesNoHost()
    {
        var p = Provider(out var engine);

        var r = await p.Create(new CreateRequest(NodeUrn, NodeInputs(), TimeSpan.FromMinutes(30), preview: true), default);

        Assert.Empty(engine.Calls);
        Assert.True(r.Outputs!["kubeconfig"].IsComputed);
    }

    [Fact]
    public async Task Delete_Node_ResetsTheHost()
    {
        var p = Provider(out var engine);

        await p.Delete(new DeleteRequest(NodeUrn, "cp-1", NodeInputs(), TimeSpan.FromMinutes(10), NodeInputs()), default);

        Assert.Equal(["reset cp-1"], engine.Calls);
    }

    [Fact]
    [Trait("Item", "13.4")]
    public async Task Delete_Worker_RemovedThroughTheFirstControlPlaneWithTheStacksDrainTimeout()
    {
        var p = Provider(out var engine);

        await p.Delete(new DeleteRequest(NodeUrn, "w-1", WorkerInputs("1.36.1"), TimeSpan.FromMinutes(10), WorkerInputs("1.36.1")), default);

        Assert.Equal([$"remove w-1 via cp-1, drain within {UpgradeSpec.DefaultDrainTimeoutSeconds} s"], engine.Calls);
    }

    [Fact]
    [Trait("Item", "13.4")]
    public async Task Delete_JoinedControlPlaneStackedEtcd_ItsMemberLeavesThroughTheFirstControlPlaneThenReset()
    {
        var p = Provider(out var engine);
        var spec = SampleSpecs.BareMetal(3, 1);
        var plan = ClusterPlanner.Plan(spec);
        var program = plan.Nodes.Single(n => n.Host.Name == "cp-2");
        var inputs = NodeInputs(host: "cp-2", address: program.Host.Address!)
            .SetItem("program", new PropertyValue(WireJson.NodeProgram(program)).WithSecret(true))
            .SetItem("firstControlPlane", new PropertyValue(false))
            .SetItem("joinVia", new PropertyValue(WireJson.Serialize(plan.FirstControlPlane!)));

        await p.Delete(new DeleteRequest(NodeUrn, "cp-2", inputs, TimeSpan.FromMinutes(10), inputs), default);

        Assert.Equal(["remove cp-2 via cp-1, its etcd member first"], engine.Calls);
    }

    private static ImmutableDictionary<string, PropertyValue> SecretsInputs(string stack, string inventory = "") =>
        ImmutableDictionary<string, PropertyValue>.Empty.Add("stack", new PropertyValue(stack)).Add("inventory", new PropertyValue(inventory));

    [Fact]
    public async Task ClusterSecrets_Create_CorePkiForEveryHostAsSecret()
    {
        var p = Provider(out _);

        var created = await p.Create(new CreateRequest(SecretsUrn, SecretsInputs(Stack()), TimeSpan.FromMinutes(1), preview: false), default);

        Assert.Equal("unit-secrets", created.Id);
        Assert.True(created.Outputs!["secrets"].IsSecret);
        var kept = KeptSecretsSerializer.FromJson(created.Outputs["secrets"].TryGetString(out var s) ? s : "");
        Assert.Contains(IssuedNames.KubeletServing("w-1"), kept.Issued.Keys);
        Assert.Contains(IssuedNames.EtcdServer("cp-1"), kept.Issued.Keys);
        // Bare-metal hosts bring their own pinned keys: none is made for them.
        Assert.Empty(kept.HostKeys);
    }

    [Fact]
    public async Task ClusterSecrets_UnchangedInputs_NoChange()
    {
        var p = Provider(out _);
        var inputs = SecretsInputs(Stack());
        var created = await p.Create(new CreateRequest(SecretsUrn, inputs, TimeSpan.FromMinutes(1), preview: false), default);

        var d = await p.Diff(new DiffRequest(SecretsUrn, created.Id!, created.Outputs!.ToImmutableDictionary(), inputs, [], inputs), default);

        Assert.False(d.Changes);
    }

    [Fact]
    public async Task ClusterSecrets_HostAddressChanged_OnlyThatHostReissuedCasKept()
    {
        var p = Provider(out _);
        var inputs = SecretsInputs(Stack());
        var created = await p.Create(new CreateRequest(SecretsUrn, inputs, TimeSpan.FromMinutes(1), preview: false), default);
        var moved = SecretsInputs(Stack().Replace("10.0.0.21", "10.0.0.22", StringComparison.Ordinal));

        var d = await p.Diff(new DiffRequest(SecretsUrn, created.Id!, created.Outputs!.ToImmutableDictionary(), moved, [], inputs), default);
        var updated = await p.Update(new UpdateRequest(SecretsUrn, created.Id!, created.Outputs!.ToImmutableDictionary(), moved,
            TimeSpan.FromMinutes(1), [], preview: false, inputs), default);

        Assert.True(d.Changes);
        Assert.Empty(d.Replaces ?? []);
        var before = KeptSecretsSerializer.FromJson(created.Outputs!["secrets"].TryGetString(out var b) ? b : "");
        var after = KeptSecretsSerializer.FromJson(updated.Outputs!["secrets"].TryGetString(out var a) ? a : "");
        Assert.Equal(before.ClusterCa, after.ClusterCa);
        Assert.Equal(before.EncryptionKey, after.EncryptionKey);
        Assert.Equal(before.Issued[IssuedNames.KubeletServing("cp-1")], after.Issued[IssuedNames.KubeletServing("cp-1")]);
        Assert.NotEqual(before.Issued[IssuedNames.KubeletServing("w-1")], after.Issued[IssuedNames.KubeletServing("w-1")]);
    }

    [Fact]
    public async Task ClusterSecrets_InvalidStack_CheckFailsWithCoresMessage()
    {
        var p = Provider(out _);

        var r = await p.Check(new CheckRequest(SecretsUrn, ImmutableDictionary<string, PropertyValue>.Empty,
            SecretsInputs(Stack().Replace("10.244.0.0/16", "10.96.0.0/16", StringComparison.Ordinal)), []), default);

        var failure = Assert.Single(r.Failures!);
        Assert.Equal("stack", failure.Property);
        Assert.Contains("(infra:cluster.network.serviceCidr)", failure.Reason, StringComparison.Ordinal);
    }

    private static readonly Urn PoolLabelsUrn = new("urn:pulumi:unit::infra::infra:index:Cluster$kubeadm:index:PoolLabels::pool-labels");

    /// <summary>The resource as the component makes it: Core's relabel program for the first control plane of a cluster whose pool has these labels.</summary>
    private static ImmutableDictionary<string, PropertyValue> PoolLabelsInputs(string team = "web")
    {
        var spec = SampleSpecs.BareMetal();
        spec = spec with { Workers = [.. spec.Workers.Select(w => w with { Labels = new Dictionary<string, string> { ["team"] = team } })] };
        var program = AfterJoinLabels.Program(spec, HostInventory.Plan(spec))!;
        var connection = new NodeConnection { PrivateKey = "KEY", ConnectTimeoutSeconds = 10, CommandTimeoutSeconds = 600 };
        return new Dictionary<string, PropertyValue>
        {
            ["host"] = new(program.Host.Name),
            ["steps"] = new(program.Steps.ToImmutableDictionary(s => s.Id, s => new PropertyValue(s.InputHash))),
            ["program"] = new PropertyValue(WireJson.NodeProgram(program)).WithSecret(true),
            ["connection"] = new PropertyValue(WireJson.NodeConnection(connection)).WithSecret(true),
        }.ToImmutableDictionary();
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task PoolLabels_CreateAndUpdate_RelabelStepRunOnTheFirstControlPlanePreviewTouchesNoHost()
    {
        var p = Provider(out var engine);

        var check = await p.Check(new CheckRequest(PoolLabelsUrn, ImmutableDictionary<string, PropertyValue>.Empty, PoolLabelsInputs(), []), default);
        var created = await p.Create(new CreateRequest(PoolLabelsUrn, PoolLabelsInputs(), TimeSpan.FromMinutes(30), preview: false), default);
        await p.Update(new UpdateRequest(PoolLabelsUrn, created.Id!, PoolLabelsInputs(), PoolLabelsInputs("db"), TimeSpan.FromMinutes(30), [], preview: true, PoolLabelsInputs()), default);
        await p.Update(new UpdateRequest(PoolLabelsUrn, created.Id!, PoolLabelsInputs(), PoolLabelsInputs("db"), TimeSpan.FromMinutes(30), [], preview: false, PoolLabelsInputs()), default);

        Assert.Empty(check.Failures!);
        Assert.Equal("cp-1-pool-labels", created.Id);
        Assert.Equal(["apply cp-1", "apply cp-1"], engine.Calls);
        Assert.Null(engine.KubeletSlots["cp-1"]);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task PoolLabels_Diff_LabelChangedUpdatesTheStepUnchangedNothing()
    {
        var p = Provider(out _);

        var changed = await p.Diff(new DiffRequest(PoolLabelsUrn, "cp-1-pool-labels", PoolLabelsInputs(), PoolLabelsInputs("db"), [], PoolLabelsInputs()), default);
        var same = await p.Diff(new DiffRequest(PoolLabelsUrn, "cp-1-pool-labels", PoolLabelsInputs(), PoolLabelsInputs(), [], PoolLabelsInputs()), default);

        Assert.True(changed.Changes);
        Assert.Equal(PropertyDiffKind.Update, changed.DetailedDiff![$"steps[\"{AfterJoinLabels.StepId}\"]"].Kind);
        Assert.Empty(changed.Replaces ?? []);
        Assert.False(same.Changes);
    }

    [Fact]
    [Trait("Item", "13.3")]
    public async Task PoolLabels_CheckProgramOfAnotherStep_Refused()
    {
        var p = Provider(out _);
        var inputs = PoolLabelsInputs().SetItem("program", new PropertyValue(WireJson.NodeProgram(Program())).WithSecret(true));

        var r = await p.Check(new CheckRequest(PoolLabelsUrn, ImmutableDictionary<string, PropertyValue>.Empty, inputs, []), default);

        Assert.Contains(r.Failures!, f => f.Property == "program" && f.Reason.Contains(AfterJoinLabels.StepId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ClusterSecrets_RenamedCluster_Refused()
    {
        var p = Provider(out _);

        var r = await p.Check(new CheckRequest(SecretsUrn, SecretsInputs(Stack("prod")), SecretsInputs(Stack("prod2")), []), default);

        Assert.Contains(r.Failures!, f => f.Property == "stack" && f.Reason.Contains("prod2", StringComparison.Ordinal));
    }
}
