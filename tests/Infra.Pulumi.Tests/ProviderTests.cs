using System.Collections.Immutable;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Provider;
using Pulumi;
using Pulumi.Experimental;
using Pulumi.Experimental.Provider;

namespace Infra.Pulumi.Tests;

/// <summary>
/// The kubeadm provider's Check/Diff/Create/Update/Delete, called directly. The SSH engine here is a recording
/// stand-in (the real one is Infra.Ssh's, tested against the multi-host harness there).
/// </summary>
public class ProviderTests
{
    private sealed class RecordingEngine : INodeEngine
    {
        public List<string> Calls { get; } = [];

        public Task<NodeApplyResult> ApplyAsync(NodeProgram program, NodeConnection connection, CancellationToken ct)
        {
            Calls.Add($"apply {program.Host.Name}");
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

        public Task<IReadOnlyDictionary<string, string>> JournalAsync(PlannedHost host, NodeConnection connection, CancellationToken ct) =>
            Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string> { ["prepare.swap"] = "h1" });
    }

    private sealed class CountingPki : IClusterPki
    {
        public int HostKeys { get; private set; }
        public List<string> IssuedNames { get; } = [];

        public KeptSecrets Create(string cluster, IReadOnlyList<string> hostKeyHosts) => new()
        {
            ClusterCa = new("CA", "CAKEY"),
            FrontProxyCa = new("FP", "FPKEY"),
            EtcdCa = new("ETCD", "ETCDKEY"),
            ServiceAccountPrivateKeyPem = "SAK",
            ServiceAccountPublicKeyPem = "SAP",
            EncryptionKey = "ENC",
            Issued = new Dictionary<string, CertificateAndKey>(),
            HostKeys = hostKeyHosts.ToDictionary(h => h, HostKey),
        };

        public SshHostKey HostKey(string host)
        {
            HostKeys++;
            return new SshHostKey { Algorithm = "ssh-ed25519", PrivateKey = $"PRIV{HostKeys}", PublicKeyLine = $"ssh-ed25519 AAAA{HostKeys} {host}" };
        }

        public CertificateAndKey Issue(KeptSecrets authority, string name, string request)
        {
            IssuedNames.Add(name);
            return new CertificateAndKey($"CERT {name} {request}", $"KEY {name}");
        }
    }

    private static readonly Urn NodeUrn = new("urn:pulumi:unit::infra::infra:index:Cluster$kubeadm:index:Node::cp-1");
    private static readonly Urn SecretsUrn = new("urn:pulumi:unit::infra::kubeadm:index:ClusterSecrets::cluster-secrets");
    private static readonly Urn CertsUrn = new("urn:pulumi:unit::infra::kubeadm:index:Certificates::certificates");

    private static NodeProgram Program(string host = "cp-1", string hash = "h1")
    {
        var planned = HostInventory.Plan(SampleSpecs.BareMetal()).Single(h => h.Name == host);
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

    private static KubeadmProvider Provider(out RecordingEngine engine, out CountingPki pki)
    {
        engine = new RecordingEngine();
        pki = new CountingPki();
        return new KubeadmProvider(engine, pki);
    }

    [Fact]
    public async Task Check_NewNode_Accepted()
    {
        var p = Provider(out _, out _);

        var r = await p.Check(new CheckRequest(NodeUrn, ImmutableDictionary<string, PropertyValue>.Empty, NodeInputs(), []), default);

        Assert.Empty(r.Failures!);
    }

    [Fact]
    public async Task Check_VersionChangeOnLiveNode_RefusedWithCoresMessage()
    {
        var p = Provider(out _, out _);

        var r = await p.Check(new CheckRequest(NodeUrn, NodeInputs("1.35.2"), NodeInputs("1.36.1"), []), default);

        var failure = Assert.Single(r.Failures!);
        Assert.Equal("kubernetesVersion", failure.Property);
        Assert.Contains("upgrade", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("cp-1", failure.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kubernetesVersion", "1.36", "not a Kubernetes version")]
    [InlineData("podCidr", "10.244.0.0", "not a CIDR")]
    [InlineData("program", "{\"host\": 1}", "node program")]
    public async Task Check_BadInput_FailureNamesProperty(string key, string value, string reason)
    {
        var p = Provider(out _, out _);
        var inputs = NodeInputs().SetItem(key, new PropertyValue(value));

        var r = await p.Check(new CheckRequest(NodeUrn, ImmutableDictionary<string, PropertyValue>.Empty, inputs, []), default);

        var failure = Assert.Single(r.Failures!);
        Assert.Equal(key, failure.Property);
        Assert.Contains(reason, failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_UnchangedNode_NoChanges()
    {
        var p = Provider(out _, out _);

        var d = await p.Diff(new DiffRequest(NodeUrn, "cp-1", NodeInputs(), NodeInputs(), [], NodeInputs()), default);

        Assert.False(d.Changes);
    }

    [Fact]
    public async Task Diff_StepHashChanged_DetailedDiffNamesStep()
    {
        var p = Provider(out _, out _);

        var d = await p.Diff(new DiffRequest(NodeUrn, "cp-1", NodeInputs(), NodeInputs(hash: "h2"), [], NodeInputs()), default);

        Assert.True(d.Changes);
        Assert.Equal(PropertyDiffKind.Update, d.DetailedDiff!["steps[\"prepare.swap\"]"].Kind);
        Assert.Empty(d.Replaces!);
    }

    [Fact]
    public async Task Diff_AddressChanged_ReplacesDeletingFirst()
    {
        var p = Provider(out _, out _);

        var d = await p.Diff(new DiffRequest(NodeUrn, "cp-1", NodeInputs(), NodeInputs(address: "10.0.0.99"), [], NodeInputs()), default);

        Assert.Equal(["address"], d.Replaces);
        Assert.True(d.DeleteBeforeReplace);
    }

    [Fact]
    public async Task Diff_UnknownInputsDuringPreview_ChangesOnThoseInputs()
    {
        var p = Provider(out _, out _);
        var inputs = NodeInputs().SetItem("address", PropertyValue.Computed);

        var d = await p.Diff(new DiffRequest(NodeUrn, "cp-1", NodeInputs(), inputs, [], NodeInputs()), default);

        Assert.True(d.Changes);
        Assert.Equal(["address"], d.Diffs);
    }

    [Fact]
    public async Task Create_FirstControlPlane_ConvergesAndReturnsSecretKubeconfig()
    {
        var p = Provider(out var engine, out _);

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
        var p = Provider(out var engine, out _);

        var r = await p.Create(new CreateRequest(NodeUrn, NodeInputs(), TimeSpan.FromMinutes(30), preview: true), default);

        Assert.Empty(engine.Calls);
        Assert.True(r.Outputs!["kubeconfig"].IsComputed);
    }

    [Fact]
    public async Task Delete_Node_ResetsTheHost()
    {
        var p = Provider(out var engine, out _);

        await p.Delete(new DeleteRequest(NodeUrn, "cp-1", NodeInputs(), TimeSpan.FromMinutes(10), NodeInputs()), default);

        Assert.Equal(["reset cp-1"], engine.Calls);
    }

    [Fact]
    public async Task ClusterSecrets_UnchangedInputs_NoChangeAndUpdateKeepsKeys()
    {
        var p = Provider(out _, out var pki);
        var inputs = new Dictionary<string, PropertyValue>
        {
            ["cluster"] = new("prod"),
            ["hostKeyHosts"] = new(ImmutableArray.Create(new PropertyValue("cp-1"), new PropertyValue("cp-2"))),
        }.ToImmutableDictionary();
        var created = await p.Create(new CreateRequest(SecretsUrn, inputs, TimeSpan.FromMinutes(1), preview: false), default);
        var outputs = created.Outputs!.ToImmutableDictionary();

        var same = await p.Diff(new DiffRequest(SecretsUrn, created.Id!, outputs, inputs, [], inputs), default);
        var grown = inputs.SetItem("hostKeyHosts", new PropertyValue(ImmutableArray.Create(new PropertyValue("cp-1"), new PropertyValue("cp-2"), new PropertyValue("w-1"))));
        var updated = await p.Update(new UpdateRequest(SecretsUrn, created.Id!, outputs, grown, TimeSpan.FromMinutes(1), [], preview: false, inputs), default);

        Assert.False(same.Changes);
        Assert.True(outputs["secrets"].IsSecret);
        var before = WireJson.KeptSecrets(outputs.String("secrets")!);
        var after = WireJson.KeptSecrets(updated.Outputs!["secrets"].TryGetString(out var s) ? s : "");
        Assert.Equal(before.HostKeys["cp-1"], after.HostKeys["cp-1"]);
        Assert.Equal(before.ClusterCa, after.ClusterCa);
        Assert.Equal(3, pki.HostKeys);
    }

    [Fact]
    public async Task ClusterSecrets_RenamedCluster_Refused()
    {
        var p = Provider(out _, out _);
        var old = ImmutableDictionary<string, PropertyValue>.Empty.Add("cluster", new PropertyValue("prod"));

        var r = await p.Check(new CheckRequest(SecretsUrn, old, old.SetItem("cluster", new PropertyValue("prod2")), []), default);

        Assert.Equal("cluster", Assert.Single(r.Failures!).Property);
    }

    [Fact]
    public async Task Certificates_UnchangedRequestKept_ChangedReissued()
    {
        var p = Provider(out _, out var pki);
        var authority = new PropertyValue(WireJson.KeptSecrets(pki.Create("prod", []))).WithSecret(true);
        ImmutableDictionary<string, PropertyValue> Inputs(string w1) => new Dictionary<string, PropertyValue>
        {
            ["authority"] = authority,
            ["requests"] = new(ImmutableDictionary<string, PropertyValue>.Empty
                .Add("kubelet-serving/cp-1", new PropertyValue("{\"sans\":[\"10.0.0.11\"]}"))
                .Add("kubelet-serving/w-1", new PropertyValue(w1))),
        }.ToImmutableDictionary();
        var created = await p.Create(new CreateRequest(CertsUrn, Inputs("{\"sans\":[\"10.0.0.21\"]}"), TimeSpan.FromMinutes(1), preview: false), default);

        var updated = await p.Update(new UpdateRequest(CertsUrn, created.Id!, created.Outputs!.ToImmutableDictionary(), Inputs("{\"sans\":[\"10.0.0.22\"]}"),
            TimeSpan.FromMinutes(1), [], preview: false, Inputs("{\"sans\":[\"10.0.0.21\"]}")), default);

        Assert.Equal(["kubelet-serving/cp-1", "kubelet-serving/w-1", "kubelet-serving/w-1"], pki.IssuedNames.Order(StringComparer.Ordinal));
        var issued = WireJson.Issued(updated.Outputs!["issued"].TryGetString(out var s) ? s : "");
        Assert.Contains("10.0.0.22", issued["kubelet-serving/w-1"].CertificatePem, StringComparison.Ordinal);
        Assert.True(updated.Outputs["issued"].IsSecret);
    }
}
