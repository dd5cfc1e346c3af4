using System.Collections.Immutable;
using Infra.Core.Infrastructure;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Provider;
using Pulumi;
using Pulumi.Experimental;
using Pulumi.Experimental.Provider;

namespace Infra.Pulumi.Tests;

/// <summary>
/// Issue 14, encryption key rotation on the Pulumi path: ClusterSecrets replaces the key when <c>infra:encryptionKeyGeneration</c>
/// rises by one (and refuses any other move), and <c>kubeadm:index:EncryptionKeyRotation</c> rolls the change out through the
/// engine in Core's stages. The engine here records the stages it was given.
/// </summary>
[Trait("Item", "14.3")]
public class ProviderKeyRotationTests
{
    private static readonly Urn SecretsUrn = new("urn:pulumi:unit::infra::kubeadm:index:ClusterSecrets::cluster-secrets");
    private static readonly Urn RotationUrn = new("urn:pulumi:unit::infra::kubeadm:index:EncryptionKeyRotation::encryption-key-rotation");
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    private static readonly string Stack = PulumiConfig.Document("""
        {"name": "unit", "target": "baremetal", "kubernetes": {"version": "1.36.1"},
         "controlPlane": {"count": 3, "endpoint": "10.0.0.11:6443", "loadBalancer": "external"},
         "workers": [{"name": "general", "count": 1}],
         "network": {"podCidr": "10.244.0.0/16", "serviceCidr": "10.96.0.0/12", "cni": "calico"},
         "etcd": {"topology": "stacked"},
         "hosts": [
           {"name": "cp-1", "address": "10.0.0.11", "hostKey": "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "roles": ["control-plane"]},
           {"name": "cp-2", "address": "10.0.0.12", "hostKey": "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "roles": ["control-plane"]},
           {"name": "cp-3", "address": "10.0.0.13", "hostKey": "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "roles": ["control-plane"]},
           {"name": "w-1", "address": "10.0.0.21", "hostKey": "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "roles": ["worker"]}]}
        """, new Dictionary<string, string>());

    private sealed class RotationEngine : INodeEngine
    {
        public List<string> Rotations { get; } = [];

        public Task<IReadOnlyList<string>> RotateEncryptionKeyAsync(IReadOnlyList<ClusterPlan> stages, NodeConnection connection, CancellationToken ct)
        {
            Rotations.Add(string.Join("; ", stages.Select(s => $"{s.Execution.Waves[0].Title} on {string.Join(",", s.Execution.Waves[0].Hosts.Select(h => h.Name))}")));
            return Task.FromResult<IReadOnlyList<string>>([]);
        }

        public Task<NodeApplyResult> ApplyAsync(NodeProgram program, PlannedHost? joinVia, IReadOnlyList<Step> restarts, WorkerSlot? kubeletSlot, NodeConnection connection,
            CancellationToken ct) =>
            throw new InvalidOperationException("no node is converged by these tests");

        public Task ResetAsync(NodeProgram program, NodeConnection connection, CancellationToken ct) => throw new InvalidOperationException("no reset here");

        public Task<string?> RemoveAsync(NodeProgram program, PlannedHost firstControlPlane, UpgradeSpec? settings, EtcdTopology etcd, NodeConnection connection, CancellationToken ct) =>
            throw new InvalidOperationException("no removal here");

        public Task<IReadOnlyList<string>> UpgradeAsync(NodeProgram program, PlannedHost firstControlPlane, IReadOnlyList<UpgradeAction> actions,
            WorkerSlot? slot, NodeConnection connection, CancellationToken ct) => throw new InvalidOperationException("no upgrade here");

        public Task<IReadOnlyDictionary<string, string>> JournalAsync(PlannedHost host, NodeConnection connection, CancellationToken ct) =>
            throw new InvalidOperationException("no journal here");
    }

    private static KubeadmProvider Provider(out RotationEngine engine)
    {
        engine = new RotationEngine();
        return new KubeadmProvider(engine, () => Now);
    }

    private static ImmutableDictionary<string, PropertyValue> SecretsInputs(int? generation)
    {
        var inputs = ImmutableDictionary<string, PropertyValue>.Empty.Add("stack", new PropertyValue(Stack)).Add("inventory", new PropertyValue(""));
        return generation is { } g ? inputs.Add("encryptionKeyGeneration", new PropertyValue(g)) : inputs;
    }

    private static string Text(IDictionary<string, PropertyValue> outputs, string key) => outputs[key].TryGetString(out var s) ? s : "";

    private static KeptSecrets Kept(IDictionary<string, PropertyValue> outputs) => KeptSecretsSerializer.FromJson(Text(outputs, "secrets"));

    private static async Task<(IDictionary<string, PropertyValue> Before, IDictionary<string, PropertyValue> After)> RaisedAsync(KubeadmProvider p)
    {
        var created = await p.Create(new CreateRequest(SecretsUrn, SecretsInputs(1), TimeSpan.FromMinutes(1), preview: false), default);
        var updated = await p.Update(new UpdateRequest(SecretsUrn, created.Id!, created.Outputs!.ToImmutableDictionary(), SecretsInputs(2),
            TimeSpan.FromMinutes(1), [], preview: false, SecretsInputs(1)), default);
        return (created.Outputs!, updated.Outputs!);
    }

    private static ImmutableDictionary<string, PropertyValue> RotationInputs(IDictionary<string, PropertyValue> secrets, int generation)
    {
        var hosts = StackFile.Read(PulumiConfig.Source, Stack).Spec!.Hosts;
        var connection = new NodeConnection { PrivateKey = "KEY", ConnectTimeoutSeconds = 10, CommandTimeoutSeconds = 600 };
        return new Dictionary<string, PropertyValue>
        {
            ["secrets"] = secrets["secrets"],
            ["previousEncryptionKey"] = secrets["previousEncryptionKey"],
            ["encryptionKeyGeneration"] = new(generation),
            ["stack"] = new(Stack),
            ["inventory"] = new(CloudInventory.ToJson(hosts)),
            ["endpoint"] = new("10.0.0.11:6443"),
            ["connection"] = new PropertyValue(WireJson.NodeConnection(connection)).WithSecret(true),
        }.ToImmutableDictionary();
    }

    [Fact]
    public async Task ClusterSecrets_GenerationRaisedByOne_NewKeyNamedOneAbove_ReplacedKeyKept_CasKept()
    {
        var p = Provider(out var engine);

        var d = await p.Diff(new DiffRequest(SecretsUrn, "unit-secrets", ImmutableDictionary<string, PropertyValue>.Empty, SecretsInputs(2), [], SecretsInputs(1)), default);
        var (before, after) = await RaisedAsync(p);

        Assert.True(d.Changes);
        Assert.Contains("encryptionKeyGeneration", d.Diffs!);
        var was = Kept(before);
        var now = Kept(after);
        Assert.Equal("infra-1", was.EncryptionKeyName);
        Assert.Equal("infra-2", now.EncryptionKeyName);
        Assert.NotEqual(was.EncryptionKey, now.EncryptionKey);
        Assert.Null(now.SecondEncryptionKey);
        Assert.Equal(was.ClusterCa, now.ClusterCa);
        Assert.True(after["previousEncryptionKey"].IsSecret);
        Assert.Equal(EncryptionKeyRotation.KeyText(new NamedEncryptionKey("infra-1", was.EncryptionKey)), Text(after, "previousEncryptionKey"));
        Assert.Equal("", Text(before, "previousEncryptionKey"));
        // ClusterSecrets touches no host.
        Assert.Empty(engine.Rotations);
    }

    [Fact]
    public async Task ClusterSecrets_SameGenerationOrAnEarlierProgramsInputsAtOne_NoChange()
    {
        var p = Provider(out _);
        var created = await p.Create(new CreateRequest(SecretsUrn, SecretsInputs(null), TimeSpan.FromMinutes(1), preview: false), default);

        var d = await p.Diff(new DiffRequest(SecretsUrn, created.Id!, created.Outputs!.ToImmutableDictionary(), SecretsInputs(1), [], SecretsInputs(null)), default);
        var r = await p.Check(new CheckRequest(SecretsUrn, SecretsInputs(null), SecretsInputs(1), []), default);

        Assert.False(d.Changes);
        Assert.Empty(r.Failures!);
    }

    [Theory]
    [InlineData(2, 1, "went down from 2 to 1")]
    [InlineData(1, 3, "raise it by one at a time")]
    [InlineData(null, 2, "made by an earlier program")]
    public async Task ClusterSecrets_GenerationLoweredSkippedOrRaisedOnAnEarlierProgramsSecrets_CheckRefusesNamingTheKey(int? before, int after, string reason)
    {
        var p = Provider(out _);

        var r = await p.Check(new CheckRequest(SecretsUrn, SecretsInputs(before), SecretsInputs(after), []), default);

        var failure = Assert.Single(r.Failures!);
        Assert.Equal("encryptionKeyGeneration", failure.Property);
        Assert.Contains("infra:encryptionKeyGeneration", failure.Reason, StringComparison.Ordinal);
        Assert.Contains(reason, failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterSecrets_CreatedAtGenerationThree_KeyNamedForIt_NothingReplaced()
    {
        var p = Provider(out _);

        var created = await p.Create(new CreateRequest(SecretsUrn, SecretsInputs(3), TimeSpan.FromMinutes(1), preview: false), default);

        Assert.Equal("infra-3", Kept(created.Outputs!).EncryptionKeyName);
        Assert.Equal("", Text(created.Outputs!, "previousEncryptionKey"));
    }

    [Fact]
    public async Task ClusterSecrets_PreviewOfARaise_SecretsUnknown()
    {
        var p = Provider(out _);
        var created = await p.Create(new CreateRequest(SecretsUrn, SecretsInputs(1), TimeSpan.FromMinutes(1), preview: false), default);

        var preview = await p.Update(new UpdateRequest(SecretsUrn, created.Id!, created.Outputs!.ToImmutableDictionary(), SecretsInputs(2),
            TimeSpan.FromMinutes(1), [], preview: true, SecretsInputs(1)), default);
        var same = await p.Update(new UpdateRequest(SecretsUrn, created.Id!, created.Outputs!.ToImmutableDictionary(), SecretsInputs(1),
            TimeSpan.FromMinutes(1), [], preview: true, SecretsInputs(1)), default);

        Assert.True(preview.Outputs!["secrets"].IsComputed);
        Assert.Equal(Text(created.Outputs!, "secrets"), Text(same.Outputs!, "secrets"));
    }

    [Fact]
    public async Task Rotation_KeyReplaced_DiffShowsIt_UpdateRunsTheStagesOnTheControlPlanes()
    {
        var p = Provider(out var engine);
        var (before, after) = await RaisedAsync(p);
        var old = RotationInputs(before, 1);
        var inputs = RotationInputs(after, 2);

        var check = await p.Check(new CheckRequest(RotationUrn, old, inputs, []), default);
        var d = await p.Diff(new DiffRequest(RotationUrn, "encryption-key-rotation", old, inputs, [], old), default);
        var preview = await p.Update(new UpdateRequest(RotationUrn, "encryption-key-rotation", old, inputs, TimeSpan.FromMinutes(30), [], preview: true, old), default);
        Assert.Empty(engine.Rotations);
        await p.Update(new UpdateRequest(RotationUrn, "encryption-key-rotation", old, inputs, TimeSpan.FromMinutes(30), [], preview: false, old), default);

        Assert.Empty(check.Failures!);
        Assert.True(d.Changes);
        Assert.Equal(["encryptionKeyGeneration", "secrets"], d.Diffs!);
        Assert.NotNull(preview.Outputs);
        var rotation = Assert.Single(engine.Rotations);
        Assert.Equal(
            "add infra-2 as the second key: control planes one at a time, each API server restarted on cp-1,cp-2,cp-3; "
            + "encrypt with infra-2: control planes one at a time, each API server restarted on cp-1,cp-2,cp-3; "
            + "rewrite every Secret with infra-2 from cp-1 on cp-1; "
            + "drop infra-1: control planes one at a time, each API server restarted on cp-1,cp-2,cp-3", rotation);
    }

    [Fact]
    public async Task Rotation_SameKey_NoChangeAndNothingRuns()
    {
        var p = Provider(out var engine);
        var (before, _) = await RaisedAsync(p);
        var inputs = RotationInputs(before, 1);

        var d = await p.Diff(new DiffRequest(RotationUrn, "encryption-key-rotation", inputs, inputs, [], inputs), default);
        await p.Update(new UpdateRequest(RotationUrn, "encryption-key-rotation", inputs, inputs, TimeSpan.FromMinutes(30), [], preview: false, inputs), default);

        Assert.False(d.Changes);
        Assert.Empty(engine.Rotations);
    }

    [Fact]
    public async Task Rotation_CreatedOnANewCluster_NothingRuns_CreatedAfterARaise_TheRaiseIsRolledOut()
    {
        var p = Provider(out var engine);
        var (before, after) = await RaisedAsync(p);

        await p.Create(new CreateRequest(RotationUrn, RotationInputs(before, 1), TimeSpan.FromMinutes(30), preview: false), default);
        Assert.Empty(engine.Rotations);
        await p.Create(new CreateRequest(RotationUrn, RotationInputs(after, 2), TimeSpan.FromMinutes(30), preview: false), default);

        Assert.Contains("drop infra-1", Assert.Single(engine.Rotations), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotation_KeyTwoAboveWithoutTheReplacedOne_CheckRefusesBeforeAnyHost()
    {
        var p = Provider(out var engine);
        var (before, after) = await RaisedAsync(p);
        var third = new Dictionary<string, PropertyValue>(after)
        {
            ["secrets"] = new PropertyValue(KeptSecretsSerializer.ToJson(EncryptionKeyRotation.Replace(Kept(after), new byte[32]))).WithSecret(true),
            ["previousEncryptionKey"] = new PropertyValue("").WithSecret(true),
        };

        var r = await p.Check(new CheckRequest(RotationUrn, RotationInputs(before, 1), RotationInputs(third, 3), []), default);

        var failure = Assert.Single(r.Failures!);
        Assert.Contains("infra:encryptionKeyGeneration", failure.Reason, StringComparison.Ordinal);
        Assert.Empty(engine.Rotations);
    }
}
