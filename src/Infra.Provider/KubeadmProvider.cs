using System.Collections.Immutable;
using System.Security.Cryptography;
using Infra.Core.Infrastructure;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Pulumi.Experimental;
using Pulumi.Experimental.Provider;
using PulumiProvider = Pulumi.Experimental.Provider.Provider;

namespace Infra.Provider;

/// <summary>
/// The <c>kubeadm</c> resource provider: <c>kubeadm:index:Node</c> (a host converged to its node program) and
/// <c>kubeadm:index:ClusterSecrets</c> (the cluster's PKI, host keys and encryption key, made by Core's
/// <see cref="ClusterPki"/> and kept in the state) and <c>kubeadm:index:EncryptionKeyRotation</c> (a new encryption key
/// rolled out to the control planes). Decisions come from Core (<see cref="NodeDiff"/>,
/// <see cref="StackReader"/>); SSH work from the <see cref="INodeEngine"/>.
/// </summary>
public sealed class KubeadmProvider(INodeEngine engine, Func<DateTimeOffset> clock) : PulumiProvider
{
    public const string NodeType = "kubeadm:index:Node";
    public const string SecretsType = "kubeadm:index:ClusterSecrets";
    /// <summary>The pools' labels and taints on the running workers (the relabel procedure), from the first control plane after every node.</summary>
    public const string PoolLabelsType = "kubeadm:index:PoolLabels";
    public const string RotationType = "kubeadm:index:EncryptionKeyRotation";
    /// <summary>ClusterSecrets' and the rotation's input: <c>infra:encryptionKeyGeneration</c>.</summary>
    private const string GenerationKey = "encryptionKeyGeneration";
    /// <summary>ClusterSecrets' output: the key its last raise replaced (Core's KeyText), which the rotation may need.</summary>
    private const string PreviousKey = "previousEncryptionKey";

    public override Task<ConfigureResponse> Configure(ConfigureRequest request, CancellationToken ct) =>
        Task.FromResult(new ConfigureResponse { AcceptSecrets = true, SupportsPreview = true });

    public override Task<CheckResponse> Check(CheckRequest request, CancellationToken ct)
    {
        var failures = request.Type switch
        {
            NodeType => CheckNode(request.OldInputs, request.NewInputs),
            SecretsType => CheckSecrets(request.OldInputs, request.NewInputs).Concat(CheckGeneration(request.OldInputs, request.NewInputs)).ToList(),
            PoolLabelsType => CheckPoolLabels(request.NewInputs),
            RotationType => CheckRotation(request.OldInputs, request.NewInputs),
            _ => throw new InvalidOperationException($"unknown resource type {request.Type}"),
        };
        return Task.FromResult(new CheckResponse { Inputs = request.NewInputs, Failures = failures });
    }

    public override Task<DiffResponse> Diff(DiffRequest request, CancellationToken ct)
    {
        var old = request.OldInputs.IsEmpty ? request.OldOutputs : request.OldInputs;
        return Task.FromResult(request.Type switch
        {
            NodeType => DiffNode(old, request.NewInputs),
            SecretsType => DiffSecrets(old, request.OldOutputs, request.NewInputs),
            PoolLabelsType => DiffPoolLabels(old, request.NewInputs),
            RotationType => DiffRotation(old, request.NewInputs),
            _ => throw new InvalidOperationException($"unknown resource type {request.Type}"),
        });
    }

    public override async Task<CreateResponse> Create(CreateRequest request, CancellationToken ct)
    {
        var inputs = request.Inputs;
        switch (request.Type)
        {
            case NodeType:
                {
                    var host = inputs.RequireString("host");
                    return new CreateResponse { Id = host, Outputs = await ConvergeAsync(inputs, request.Preview, ct) };
                }
            case SecretsType:
                {
                    if (request.Preview) return new CreateResponse { Id = "", Outputs = new Dictionary<string, PropertyValue>(inputs) { ["secrets"] = PropertyValue.Computed, [PreviousKey] = PropertyValue.Computed } };
                    var seed = inputs.String("seed") is { Length: > 0 } json ? KeptSecretsSerializer.FromJson(json) : null;
                    var (spec, _) = ReadStack(inputs);
                    return new CreateResponse { Id = seed is null ? $"{spec.Name}-secrets" : $"{spec.Name}-certificates", Outputs = SecretsOutputs(inputs, seed, null) };
                }
            case PoolLabelsType:
                return new CreateResponse { Id = $"{inputs.RequireString("host")}-pool-labels", Outputs = await RelabelAsync(inputs, request.Preview, ct) };
            case RotationType:
                return new CreateResponse { Id = "encryption-key-rotation", Outputs = await CreateRotationAsync(inputs, request.Preview, ct) };
            default:
                throw new InvalidOperationException($"unknown resource type {request.Type}");
        }
    }

    public override async Task<UpdateResponse> Update(UpdateRequest request, CancellationToken ct)
    {
        var inputs = request.NewInputs;
        switch (request.Type)
        {
            case NodeType:
                {
                    // An allowed version move runs the node's part of the upgrade procedure first (the component orders
                    // the nodes); then the journal skips every step whose input hash is unchanged.
                    var old = request.OldInputs.IsEmpty ? request.OldOutputs : request.OldInputs;
                    if (!request.Preview && State(old) is { } before && State(inputs) is { } after && NodeDiff.Compare(before, after).Upgrade is { } move)
                    {
                        await UpgradeAsync(inputs, move, ct);
                    }
                    return new UpdateResponse { Outputs = await ConvergeAsync(inputs, request.Preview, ct) };
                }
            case SecretsType:
                {
                    if (request.Preview) return new UpdateResponse { Outputs = SecretsPreview(request.OldInputs, request.OldOutputs, inputs) };
                    var kept = KeptSecretsSerializer.FromJson(request.OldOutputs.RequireString("secrets"));
                    if (inputs.String("seed") is { Length: > 0 } json)
                    {
                        // The seed's CAs and host keys are what the VMs were made with; this resource adds certificates.
                        var seed = KeptSecretsSerializer.FromJson(json);
                        var keys = new SortedDictionary<string, SshHostKey>(kept.HostKeys.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);
                        foreach (var (host, key) in seed.HostKeys) keys[host] = key;
                        kept = seed with { Issued = kept.Issued, HostKeys = keys };
                    }
                    return new UpdateResponse { Outputs = SecretsOutputs(inputs, kept, request.OldOutputs) };
                }
            case RotationType:
                {
                    var old = request.OldInputs.IsEmpty ? request.OldOutputs : request.OldInputs;
                    if (!request.Preview) await RotateAsync(inputs, KeptSecretsSerializer.FromJson(old.RequireString("secrets")), ct);
                    return new UpdateResponse { Outputs = new Dictionary<string, PropertyValue>(inputs) };
                }
            case PoolLabelsType:
                return new UpdateResponse { Outputs = await RelabelAsync(inputs, request.Preview, ct) };
            default:
                throw new InvalidOperationException($"unknown resource type {request.Type}");
        }
    }

    public override async Task Delete(DeleteRequest request, CancellationToken ct)
    {
        if (request.Type != NodeType) return; // Secrets and certificates live only in the state.
        var props = request.OldInputs.IsEmpty ? request.OldOutputs : request.OldInputs;
        var program = WireJson.NodeProgram(props.RequireString("program"));
        var connection = WireJson.NodeConnection(props.RequireString("connection"));
        // A node that joined leaves the cluster first, through the first control plane it joined by: drained, a stacked
        // etcd member removed from the member list (only with every other member healthy), deleted. The first control
        // plane (deleted last, by the reset order) and external etcd members (they leave the member list first) are reset.
        if ((program.Host.Has(Roles.Worker) || program.Host.Has(Roles.ControlPlane)) && props.String("joinVia") is { Length: > 0 } via)
        {
            // The drain is bounded by the stack's kubernetes.upgrade.drainTimeout, which the resource's upgrade input carries.
            var settings = props.String("upgrade") is { Length: > 0 } json ? WireJson.Deserialize<NodeUpgradeSettings>(json, "upgrade").Settings : null;
            var etcd = props.String("etcdTopology") == EtcdTopology.Stacked.Name() ? EtcdTopology.Stacked : EtcdTopology.External;
            var warning = await engine.RemoveAsync(program, WireJson.Deserialize<PlannedHost>(via, "joinVia"), settings, etcd, connection, ct);
            if (warning is not null) await Console.Error.WriteLineAsync("warning: " + warning);
            return;
        }
        await engine.ResetAsync(program, connection, ct);
    }

    public override async Task<ReadResponse> Read(ReadRequest request, CancellationToken ct)
    {
        var outputs = request.Outputs;
        if (request.Type == PoolLabelsType) return new ReadResponse { Id = request.Id, Outputs = await ReadPoolLabelsAsync(outputs, ct), Inputs = request.Inputs };
        if (request.Type == NodeType && outputs.String("program") is { } json && outputs.String("connection") is { } conn)
        {
            // Refresh reads the host's journal: steps done with other inputs (or undone) show up as drift.
            var program = WireJson.NodeProgram(json);
            var journal = await engine.JournalAsync(program.Host, WireJson.NodeConnection(conn), ct);
            outputs = outputs.SetItem("steps", Properties.Value(journal));
        }
        return new ReadResponse { Id = request.Id, Outputs = outputs, Inputs = request.Inputs };
    }

    private async Task<IDictionary<string, PropertyValue>> ConvergeAsync(ImmutableDictionary<string, PropertyValue> inputs, bool preview, CancellationToken ct)
    {
        var first = inputs.Bool("firstControlPlane");
        if (preview || inputs.IsComputed("program") || inputs.IsComputed("connection"))
        {
            return With(inputs, "kubeconfig", first ? PropertyValue.Computed : Properties.Value("", secret: true));
        }
        var program = WireJson.NodeProgram(inputs.RequireString("program"));
        var connection = WireJson.NodeConnection(inputs.RequireString("connection"));
        var joinVia = inputs.String("joinVia") is { Length: > 0 } via ? WireJson.Deserialize<PlannedHost>(via, "joinVia") : null;
        var restarts = inputs.String("restarts") is { Length: > 0 } r ? WireJson.Deserialize<List<Step>>(r, "restarts") : [];
        var result = await engine.ApplyAsync(program, joinVia, restarts, KubeletSlot(inputs, program, joinVia), connection, ct);
        if (first && result.AdminKubeconfig is null)
            throw new InvalidOperationException($"host {program.Host.Name}: the first control plane returned no admin kubeconfig");
        return With(inputs, "kubeconfig", Properties.Value(result.AdminKubeconfig ?? "", secret: true));
    }

    /// <summary>
    /// A worker's slot for its kubelet configuration change (Core's <see cref="KubeletSettingsSlots.For"/>), on the first
    /// control plane it joins by: the Pulumi engine updates the workers side by side, the kubelet restarts go one at a time.
    /// None without the <c>upgrade</c> input (the cluster's nodes), which an earlier program did not set.
    /// </summary>
    private static WorkerSlot? KubeletSlot(ImmutableDictionary<string, PropertyValue> inputs, NodeProgram program, PlannedHost? joinVia) =>
        joinVia is not null && inputs.String("upgrade") is { Length: > 0 } json
            ? KubeletSettingsSlots.For(program, joinVia, WireJson.Deserialize<NodeUpgradeSettings>(json, "upgrade"))
            : null;

    /// <summary>
    /// The relabel procedure (Core's <see cref="AfterJoinLabels.Program"/>: one step, <c>workloads.node-labels</c>) run on
    /// the first control plane through the node engine, journaled there as <c>infra apply</c> journals it: a pool label
    /// or taint changed on a live cluster reaches the running workers (<c>kubectl label/taint --overwrite</c>), one taken
    /// out is removed, and an unchanged one runs nothing.
    /// </summary>
    private async Task<IDictionary<string, PropertyValue>> RelabelAsync(ImmutableDictionary<string, PropertyValue> inputs, bool preview, CancellationToken ct)
    {
        if (preview || inputs.IsComputed("program") || inputs.IsComputed("connection")) return new Dictionary<string, PropertyValue>(inputs);
        var program = WireJson.NodeProgram(inputs.RequireString("program"));
        var result = await engine.ApplyAsync(program, null, [], null, WireJson.NodeConnection(inputs.RequireString("connection")), ct);
        if (result.Ran.Count > 0) await Console.Error.WriteLineAsync($"{program.Host.Name}: relabel: {string.Join(", ", result.Ran)}");
        return new Dictionary<string, PropertyValue>(inputs);
    }

    /// <summary>Refresh reads the first control plane's journal for the relabel step: one done with other inputs (or undone) shows up as drift.</summary>
    private async Task<ImmutableDictionary<string, PropertyValue>> ReadPoolLabelsAsync(ImmutableDictionary<string, PropertyValue> outputs, CancellationToken ct)
    {
        if (outputs.String("program") is not { } json || outputs.String("connection") is not { } conn) return outputs;
        var program = WireJson.NodeProgram(json);
        var journal = await engine.JournalAsync(program.Host, WireJson.NodeConnection(conn), ct);
        var ids = program.Steps.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        return outputs.SetItem("steps", Properties.Value(journal.Where(kv => ids.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)));
    }

    /// <summary>A failure per input that is neither set nor unknown yet.</summary>
    private static List<CheckFailure> Required(ImmutableDictionary<string, PropertyValue> inputs, params string[] keys) =>
        [.. keys.Where(k => !inputs.IsComputed(k) && string.IsNullOrEmpty(inputs.String(k))).Select(k => new CheckFailure(k, $"'{k}' is required"))];

    private static List<CheckFailure> CheckPoolLabels(ImmutableDictionary<string, PropertyValue> inputs)
    {
        var failures = Required(inputs, "host", "program", "connection");
        if (failures.Count == 0 && !inputs.IsComputed("program"))
        {
            try
            {
                var program = WireJson.NodeProgram(inputs.RequireString("program"));
                if (!inputs.IsComputed("host") && program.Host.Name != inputs.String("host"))
                    failures.Add(new CheckFailure("program", $"the program is for host {program.Host.Name}, not {inputs.String("host")}"));
                if (program.Steps.Any(s => s.Id != AfterJoinLabels.StepId))
                    failures.Add(new CheckFailure("program", $"a pool labels program runs {AfterJoinLabels.StepId} only"));
            }
            catch (FormatException e)
            {
                failures.Add(new CheckFailure("program", e.Message));
            }
        }
        return failures;
    }

    /// <summary>An update when the relabel step's input hash changed (a pool label or taint, a worker added or removed), the first control plane moved, or the connection changed.</summary>
    private static DiffResponse DiffPoolLabels(ImmutableDictionary<string, PropertyValue> old, ImmutableDictionary<string, PropertyValue> inputs)
    {
        Dictionary<string, PropertyDiff> detailed;
        if (inputs.IsComputed("steps"))
        {
            detailed = new(StringComparer.Ordinal) { ["steps"] = new PropertyDiff { Kind = PropertyDiffKind.Update, InputDiff = true } };
        }
        else
        {
            var (added, changed, removed) = NodeDiff.Steps(old.StringMap("steps"), inputs.StringMap("steps"));
            detailed = StepDiffs(added, changed, removed);
        }
        foreach (var key in new[] { "host", "connection" })
        {
            if (inputs.IsComputed(key) || old.String(key) != inputs.String(key)) detailed[key] = new PropertyDiff { Kind = PropertyDiffKind.Update, InputDiff = true };
        }
        return new DiffResponse
        {
            Changes = detailed.Count > 0,
            Diffs = [.. detailed.Keys.Select(k => k.Split('[')[0]).Distinct(StringComparer.Ordinal)],
            DetailedDiff = detailed,
        };
    }

    /// <summary>
    /// The node's upgrade actions (Core's <see cref="UpgradePlanner.ForNode"/>) run through the first control plane it
    /// names: itself when it is the first, else its <c>joinVia</c>. An external etcd member's (its etcd upgrade, when the
    /// new minor needs a newer etcd) run on itself only, so it names itself.
    /// </summary>
    private async Task UpgradeAsync(ImmutableDictionary<string, PropertyValue> inputs, VersionMove move, CancellationToken ct)
    {
        var program = WireJson.NodeProgram(inputs.RequireString("program"));
        var connection = WireJson.NodeConnection(inputs.RequireString("connection"));
        var etcdMember = !program.Host.Has(Roles.ControlPlane) && !program.Host.Has(Roles.Worker);
        var first = etcdMember || inputs.Bool("firstControlPlane") ? program.Host
            : inputs.String("joinVia") is { Length: > 0 } via ? WireJson.Deserialize<PlannedHost>(via, "joinVia")
            : throw new InvalidOperationException($"host {program.Host.Name}: {move.Describe()} needs the first control plane (joinVia), which the resource does not name");
        var settings = inputs.String("upgrade") is { Length: > 0 } json ? WireJson.Deserialize<NodeUpgradeSettings>(json, "upgrade")
            : throw new InvalidOperationException($"host {program.Host.Name}: {move.Describe()} needs the 'upgrade' input, which this program does not set; update the infra Pulumi program");
        var actions = UpgradePlanner.ForNode(program, first, move, settings);
        // An external etcd member whose new minor needs no newer etcd: nothing to upgrade, its converge follows.
        if (actions.Count == 0) return;
        var ran = await engine.UpgradeAsync(program, first, actions, UpgradePlanner.WorkerSlotFor(program, first, move, settings), connection, ct);
        if (ran.Count > 0) await Console.Error.WriteLineAsync($"{program.Host.Name}: {move.Describe()}: {string.Join(", ", ran)}");
    }

    /// <summary>
    /// Core's PKI: creates what the hosts lack, keeps everything that exists, re-issues a host certificate when its SANs
    /// changed, and renews the leaves that expire within <c>certificates.renewBeforeDays</c>, as <c>infra apply</c> does.
    /// </summary>
    private KeptSecrets Ensure(ImmutableDictionary<string, PropertyValue> inputs, KeptSecrets? existing)
    {
        var (spec, hosts) = ReadStack(inputs);
        return CertificateRenewal.EnsureRenewingDue(spec, hosts, existing, clock());
    }

    /// <summary>The cluster from the <c>stack</c> input, and its hosts: planned, or as the cloud made them (<c>inventory</c>).</summary>
    private static (ClusterSpec Spec, IReadOnlyList<PlannedHost> Hosts) ReadStack(ImmutableDictionary<string, PropertyValue> inputs)
    {
        var read = StackFile.Read(PulumiConfig.Source, inputs.RequireString("stack"));
        var spec = read.Spec ?? throw new InvalidOperationException(string.Join("\n", read.Errors));
        var inventory = inputs.String("inventory");
        var hosts = string.IsNullOrEmpty(inventory) ? HostInventory.Plan(spec) : HostInventory.WithInventory(spec, CloudInventory.FromJson(inventory));
        return (spec, hosts);
    }

    private static Dictionary<string, PropertyValue> With(ImmutableDictionary<string, PropertyValue> inputs, string key, PropertyValue value) =>
        new(inputs) { [key] = value };

    private static string? Setting(ImmutableDictionary<string, PropertyValue> p, string key) =>
        !p.IsComputed(key) && p.String(key) is { Length: > 0 } value ? value : null;

    private static NodeState? State(ImmutableDictionary<string, PropertyValue> p)
    {
        string[] keys = ["host", "address", "kubernetesVersion", "podCidr", "serviceCidr", "etcdTopology", "roles", "steps"];
        if (keys.Any(p.IsComputed)) return null;
        return new NodeState
        {
            Host = p.String("host") ?? "",
            Address = p.String("address") ?? "",
            Roles = p.Strings("roles"),
            KubernetesVersion = p.String("kubernetesVersion") ?? "",
            PodCidr = p.String("podCidr") ?? "",
            ServiceCidr = p.String("serviceCidr") ?? "",
            EtcdTopology = p.String("etcdTopology") ?? "",
            StepHashes = p.StringMap("steps"),
            // Settings a live cluster cannot change (Core refuses a change of them); absent in a resource an earlier program made.
            ClusterName = Setting(p, "clusterName"),
            DnsDomain = Setting(p, "dnsDomain"),
            Endpoint = Setting(p, "endpoint"),
        };
    }

    private static List<CheckFailure> CheckNode(ImmutableDictionary<string, PropertyValue> old, ImmutableDictionary<string, PropertyValue> inputs)
    {
        var failures = Required(inputs, "host", "address", "kubernetesVersion", "podCidr", "serviceCidr", "etcdTopology", "program", "connection");
        if (!inputs.IsComputed("kubernetesVersion") && inputs.String("kubernetesVersion") is { } v && !KubernetesVersion.TryParse(v, out _))
            failures.Add(new CheckFailure("kubernetesVersion", $"'{v}' is not a Kubernetes version (MAJOR.MINOR.PATCH)"));
        foreach (var key in new[] { "podCidr", "serviceCidr" })
        {
            if (!inputs.IsComputed(key) && inputs.String(key) is { Length: > 0 } c && !Cidr.TryParse(c, out _))
                failures.Add(new CheckFailure(key, $"'{c}' is not a CIDR"));
        }
        IReadOnlyList<string> roles = inputs.IsComputed("roles") ? [] : inputs.Strings("roles");
        foreach (var r in roles.Where(r => !Roles.All.Contains(r))) failures.Add(new CheckFailure("roles", $"unknown role '{r}' (control-plane, worker, etcd)"));
        if (!inputs.IsComputed("roles") && roles.Count == 0) failures.Add(new CheckFailure("roles", "a node needs at least one role"));
        if (!inputs.IsComputed("program") && inputs.String("program") is { Length: > 0 } json)
        {
            try
            {
                var program = WireJson.NodeProgram(json);
                if (program.Host.Name != inputs.String("host"))
                    failures.Add(new CheckFailure("program", $"the program is for host {program.Host.Name}, not {inputs.String("host")}"));
            }
            catch (FormatException e)
            {
                failures.Add(new CheckFailure("program", e.Message));
            }
        }
        // A live node: changes that need a procedure are refused here, so preview already stops on them.
        if (failures.Count == 0 && !old.IsEmpty && State(old) is { } before && State(inputs) is { } after)
        {
            var diff = NodeDiff.Compare(before, after);
            // An allowed version move is no refusal: Update runs the upgrade procedure (a skipped minor or a downgrade is one of the refusals).
            failures.AddRange(diff.Refusals.Select(r => new CheckFailure(PropertyOf(r.Key), r.Message)));
        }
        return failures;
    }

    private static string PropertyOf(string key) => key switch
    {
        "kubernetes.version" => "kubernetesVersion",
        "network.podCidr" => "podCidr",
        "network.serviceCidr" => "serviceCidr",
        "etcd.topology" => "etcdTopology",
        "hosts.roles" => "roles",
        "name" => "clusterName",
        "kubernetes.dnsDomain" => "dnsDomain",
        "controlPlane.endpoint" => "endpoint",
        _ => key,
    };

    private static List<CheckFailure> CheckSecrets(ImmutableDictionary<string, PropertyValue> old, ImmutableDictionary<string, PropertyValue> inputs)
    {
        var failures = new List<CheckFailure>();
        if (inputs.IsComputed("stack")) return failures;
        var stack = inputs.String("stack");
        if (string.IsNullOrEmpty(stack)) return [new CheckFailure("stack", "'stack' is required")];
        // Core's messages, as `infra validate` prints them.
        var read = StackFile.Read(PulumiConfig.Source, stack);
        failures.AddRange(read.Errors.Select(d => new CheckFailure("stack", d.ToString())));
        if (!inputs.IsComputed("inventory") && inputs.String("inventory") is { Length: > 0 } inventory)
        {
            try { _ = CloudInventory.FromJson(inventory); }
            catch (FormatException e) { failures.Add(new CheckFailure("inventory", e.Message)); }
        }
        // New CAs under a live cluster are never made implicitly: the name the secrets were made for stays.
        if (read.Spec is { } spec && !old.IsEmpty && old.String("stack") is { } before
            && StackFile.Read(PulumiConfig.Source, before).Spec is { } was && was.Name != spec.Name)
        {
            failures.Add(new CheckFailure("stack", $"the secrets of cluster {was.Name} cannot be moved to {spec.Name}; they are kept for the cluster's life"));
        }
        return failures;
    }

    private static DiffResponse DiffNode(ImmutableDictionary<string, PropertyValue> old, ImmutableDictionary<string, PropertyValue> inputs)
    {
        var before = State(old);
        var after = State(inputs);
        if (before is null || after is null)
        {
            // Unknown until the cloud or the certificates exist: say which inputs will change.
            var unknown = inputs.Where(kv => kv.Value.IsComputed).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
            return new DiffResponse
            {
                Changes = true,
                Diffs = unknown,
                DetailedDiff = unknown.ToDictionary(k => k, _ => new PropertyDiff { Kind = PropertyDiffKind.Update, InputDiff = true }),
            };
        }
        var diff = NodeDiff.Compare(before, after);
        if (diff.Refusals.Count > 0)
            throw new InvalidOperationException(string.Join("; ", diff.Refusals.Select(r => r.Message)));
        var detailed = StepDiffs(diff.AddedSteps, diff.ChangedSteps, diff.RemovedSteps);
        foreach (var k in diff.ReplaceKeys) detailed[k] = new PropertyDiff { Kind = PropertyDiffKind.UpdateReplace, InputDiff = true };
        // An allowed version move: an update that runs the upgrade procedure on the node.
        if (diff.Upgrade is not null) detailed["kubernetesVersion"] = new PropertyDiff { Kind = PropertyDiffKind.Update, InputDiff = true };
        // A new key or bastion changes how the host is reached, not what it runs: an update that runs nothing.
        if (old.String("connection") != inputs.String("connection") || inputs.IsComputed("connection"))
            detailed["connection"] = new PropertyDiff { Kind = PropertyDiffKind.Update, InputDiff = true };
        return new DiffResponse
        {
            Changes = detailed.Count > 0,
            Replaces = [.. diff.ReplaceKeys],
            DeleteBeforeReplace = diff.ReplaceKeys.Count > 0,
            Diffs = [.. detailed.Keys.Select(k => k.Split('[')[0]).Distinct(StringComparer.Ordinal)],
            DetailedDiff = detailed,
        };
    }

    /// <summary>
    /// The secrets change with their inputs, and also when a kept leaf is due for renewal: <c>pulumi preview</c> shows
    /// the update, and <c>pulumi up</c> renews it (the nodes then place the renewed files).
    /// </summary>
    private DiffResponse DiffSecrets(ImmutableDictionary<string, PropertyValue> old, ImmutableDictionary<string, PropertyValue> oldOutputs,
        ImmutableDictionary<string, PropertyValue> inputs)
    {
        var diff = DiffByKeys(old, inputs, ["stack", "inventory", "seed"]);
        // A raised infra:encryptionKeyGeneration (absent in an earlier program's inputs: 1) makes a new key.
        if (inputs.IsComputed(GenerationKey) || (Generation(inputs) ?? 1) != (Generation(old) ?? 1))
        {
            diff.Changes = true;
            diff.Diffs = [.. diff.Diffs ?? [], GenerationKey];
            diff.DetailedDiff = new Dictionary<string, PropertyDiff>(diff.DetailedDiff ?? new Dictionary<string, PropertyDiff>())
            {
                [GenerationKey] = new PropertyDiff { Kind = PropertyDiffKind.Update, InputDiff = true },
            };
        }
        if (diff.Changes == true || inputs.IsComputed("stack") || inputs.IsComputed("inventory") || oldOutputs.String("secrets") is not { Length: > 0 } json) return diff;
        var (spec, hosts) = ReadStack(inputs);
        if (CertificateRenewal.DueOnApply(spec, hosts, KeptSecretsSerializer.FromJson(json), clock(), []).Count == 0) return diff;
        return new DiffResponse
        {
            Changes = true,
            Diffs = ["secrets"],
            DetailedDiff = new Dictionary<string, PropertyDiff> { ["secrets"] = new PropertyDiff { Kind = PropertyDiffKind.Update, InputDiff = false } },
        };
    }

    /// <summary>
    /// ClusterSecrets' outputs: the kept secrets made or renewed (<see cref="Ensure"/>) at the <c>encryptionKeyGeneration</c>
    /// input. A raise by one replaces the encryption key (Core's <see cref="EncryptionKeyRotation.AtGeneration"/>) and keeps the
    /// replaced one as <c>previousEncryptionKey</c>; nothing here touches a host, so the new key is in the state before any
    /// host gets it (the rotation resource rolls it out). Secrets made now (no host has their key) take the generation's name.
    /// </summary>
    private Dictionary<string, PropertyValue> SecretsOutputs(ImmutableDictionary<string, PropertyValue> inputs, KeptSecrets? existing,
        ImmutableDictionary<string, PropertyValue>? oldOutputs)
    {
        var secrets = Ensure(inputs, existing);
        var previous = oldOutputs?.String(PreviousKey) ?? "";
        if (Generation(inputs) is { } generation && generation != EncryptionKeyRotation.Generation(secrets))
        {
            var replaced = new NamedEncryptionKey(secrets.EncryptionKeyName, secrets.EncryptionKey);
            var fresh = existing is null;
            secrets = EncryptionKeyRotation.AtGeneration(secrets, generation, () => RandomNumberGenerator.GetBytes(32), fresh);
            if (!fresh) previous = EncryptionKeyRotation.KeyText(replaced);
        }
        return new Dictionary<string, PropertyValue>(inputs)
        {
            ["secrets"] = Properties.Value(KeptSecretsSerializer.ToJson(secrets), secret: true),
            [PreviousKey] = Properties.Value(previous, secret: true),
        };
    }

    /// <summary>What a preview of ClusterSecrets shows: unknown secrets when the generation rises (a new key will be made), else the kept ones.</summary>
    private static Dictionary<string, PropertyValue> SecretsPreview(ImmutableDictionary<string, PropertyValue> oldInputs,
        ImmutableDictionary<string, PropertyValue> oldOutputs, ImmutableDictionary<string, PropertyValue> inputs)
    {
        var raised = inputs.IsComputed(GenerationKey) || (Generation(inputs) is { } after && after != (Generation(oldInputs) ?? 1));
        return new Dictionary<string, PropertyValue>(inputs)
        {
            ["secrets"] = raised ? PropertyValue.Computed : oldOutputs.GetValueOrDefault("secrets") ?? PropertyValue.Computed,
            [PreviousKey] = raised ? PropertyValue.Computed : oldOutputs.GetValueOrDefault(PreviousKey) ?? Properties.Value("", secret: true),
        };
    }

    /// <summary>The <c>encryptionKeyGeneration</c> input as a whole number; null when absent (an earlier program) or not whole.</summary>
    private static int? Generation(ImmutableDictionary<string, PropertyValue> p) =>
        p.TryGetValue(GenerationKey, out var v) && v.TryGetNumber(out var n) && n == Math.Floor(n) && n is >= 0 and <= int.MaxValue ? (int)n : null;

    /// <summary>
    /// ClusterSecrets' generation: never lower than before, up by one at a time (Core's <see cref="EncryptionKeyRotation.GenerationRefusal"/>),
    /// and not raised on secrets an earlier program made (the rotation resource does not exist yet: nothing would roll the key out).
    /// </summary>
    private static List<CheckFailure> CheckGeneration(ImmutableDictionary<string, PropertyValue> old, ImmutableDictionary<string, PropertyValue> inputs)
    {
        if (inputs.IsComputed(GenerationKey) || !inputs.ContainsKey(GenerationKey)) return [];
        if (Generation(inputs) is not { } after)
            return [new CheckFailure(GenerationKey, $"{EncryptionKeyRotation.GenerationConfigKey} must be a whole number, 1 or more")];
        if (!old.IsEmpty && !old.ContainsKey(GenerationKey) && after > 1)
        {
            return [new CheckFailure(GenerationKey, $"{EncryptionKeyRotation.GenerationConfigKey} is {after}, but this stack's secrets were made by an earlier program: "
                + "run `pulumi up` once with it at 1 (this program then adds the resource that rolls a new key out), then raise it")];
        }
        return EncryptionKeyRotation.GenerationRefusal(old.IsEmpty ? null : Generation(old), after) is { } refusal ? [new CheckFailure(GenerationKey, refusal)] : [];
    }

    /// <summary>
    /// The rotation's inputs: what it needs to plan, and (on a live one) a key the control planes can be taken to from the one
    /// its state holds (Core's <see cref="EncryptionKeyRotation.Between"/> refuses a key reused with another secret, or a jump it
    /// cannot go through): preview already stops on these, before any host is touched.
    /// </summary>
    private static List<CheckFailure> CheckRotation(ImmutableDictionary<string, PropertyValue> old, ImmutableDictionary<string, PropertyValue> inputs)
    {
        var failures = Required(inputs, "secrets", "stack", "inventory", "endpoint", "connection");
        if (failures.Count > 0 || old.IsEmpty || inputs.IsComputed("secrets") || inputs.IsComputed(PreviousKey) || old.String("secrets") is not { Length: > 0 } was)
            return failures;
        try
        {
            _ = EncryptionKeyRotation.Between(KeptSecretsSerializer.FromJson(was), KeptSecretsSerializer.FromJson(inputs.RequireString("secrets")),
                EncryptionKeyRotation.ParseKey(inputs.String(PreviousKey)));
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            failures.Add(new CheckFailure(GenerationKey, e.Message));
        }
        return failures;
    }

    /// <summary>The rotation changes when the encryption key changes (unknown in a preview that raises the generation): <c>pulumi preview</c> shows it.</summary>
    private static DiffResponse DiffRotation(ImmutableDictionary<string, PropertyValue> old, ImmutableDictionary<string, PropertyValue> inputs)
    {
        var changed = new List<string>();
        if (inputs.IsComputed(GenerationKey) || !Equals(old.GetValueOrDefault(GenerationKey), inputs.GetValueOrDefault(GenerationKey))) changed.Add(GenerationKey);
        if (inputs.IsComputed("secrets") || KeysOf(old) != KeysOf(inputs)) changed.Add("secrets");
        return new DiffResponse
        {
            Changes = changed.Count > 0,
            Diffs = changed,
            DetailedDiff = changed.ToDictionary(k => k, _ => new PropertyDiff { Kind = PropertyDiffKind.Update, InputDiff = true }),
        };
    }

    /// <summary>The encryption keys the <c>secrets</c> input holds, in order (only compared, never shown).</summary>
    private static string? KeysOf(ImmutableDictionary<string, PropertyValue> p) =>
        p.String("secrets") is { Length: > 0 } json
            ? string.Join(",", KeptSecretsSerializer.FromJson(json).EncryptionKeys.Select(EncryptionKeyRotation.KeyText))
            : null;

    /// <summary>
    /// A rotation resource created: on a new cluster nothing to do (its nodes place the configuration); on a live one whose
    /// ClusterSecrets replaced a key before this resource existed, that key's rotation (Core's <see cref="EncryptionKeyRotation.CreatedFrom"/>).
    /// </summary>
    private async Task<Dictionary<string, PropertyValue>> CreateRotationAsync(ImmutableDictionary<string, PropertyValue> inputs, bool preview, CancellationToken ct)
    {
        if (!preview && !inputs.IsComputed("secrets") && !inputs.IsComputed(PreviousKey) && inputs.String("secrets") is { Length: > 0 } json)
        {
            var after = KeptSecretsSerializer.FromJson(json);
            await RotateAsync(inputs, EncryptionKeyRotation.CreatedFrom(after, EncryptionKeyRotation.ParseKey(inputs.String(PreviousKey))), ct);
        }
        return new Dictionary<string, PropertyValue>(inputs);
    }

    /// <summary>
    /// The control planes taken from <paramref name="before"/>'s key to the <c>secrets</c> input's, in Core's stages
    /// (<see cref="EncryptionKeyRotation.Between"/>), each control plane in turn (the engine's <see cref="INodeEngine.RotateEncryptionKeyAsync"/>).
    /// A failure fails the update, so the state keeps <paramref name="before"/> and the next <c>pulumi up</c> runs every stage again:
    /// each stage but the last lists both keys, the rewrite runs again for this attempt, and each host's journal skips what it has.
    /// </summary>
    private async Task RotateAsync(ImmutableDictionary<string, PropertyValue> inputs, KeptSecrets before, CancellationToken ct)
    {
        var after = KeptSecretsSerializer.FromJson(inputs.RequireString("secrets"));
        var stages = EncryptionKeyRotation.Between(before, after, EncryptionKeyRotation.ParseKey(inputs.String(PreviousKey)));
        if (stages.Count == 0) return;
        var read = StackFile.Read(PulumiConfig.Source, inputs.RequireString("stack"));
        var spec = read.Spec ?? throw new InvalidOperationException(string.Join("\n", read.Errors));
        var endpoint = inputs.RequireString("endpoint");
        var api = Endpoint.TryParse(endpoint, out var e) ? e! : throw new InvalidOperationException($"the API endpoint '{endpoint}' is not host:port");
        var plans = EncryptionKeyRotation.Plans(stages, EncryptionKeyRotation.PlanFor(spec, CloudInventory.FromJson(inputs.RequireString("inventory")), api),
            Guid.NewGuid().ToString("N"));
        await Console.Error.WriteLineAsync($"encryption key: {string.Join("; ", stages.Select(s => s.Title))} (control planes one at a time)");
        var ran = await engine.RotateEncryptionKeyAsync(plans, WireJson.NodeConnection(inputs.RequireString("connection")), ct);
        await Console.Error.WriteLineAsync($"encryption key: {after.EncryptionKeyName} in use; {ran.Count} steps ran");
    }

    /// <summary>A step added, changed or removed, as preview shows it: <c>steps["ID"]</c>.</summary>
    private static Dictionary<string, PropertyDiff> StepDiffs(IReadOnlyList<string> added, IReadOnlyList<string> changed, IReadOnlyList<string> removed)
    {
        var detailed = new Dictionary<string, PropertyDiff>(StringComparer.Ordinal);
        foreach (var s in added) detailed[$"steps[\"{s}\"]"] = new PropertyDiff { Kind = PropertyDiffKind.Add, InputDiff = true };
        foreach (var s in changed) detailed[$"steps[\"{s}\"]"] = new PropertyDiff { Kind = PropertyDiffKind.Update, InputDiff = true };
        foreach (var s in removed) detailed[$"steps[\"{s}\"]"] = new PropertyDiff { Kind = PropertyDiffKind.Delete, InputDiff = true };
        return detailed;
    }

    private static DiffResponse DiffByKeys(ImmutableDictionary<string, PropertyValue> old, ImmutableDictionary<string, PropertyValue> inputs, IReadOnlyList<string> keys)
    {
        var changed = keys.Where(k => inputs.IsComputed(k) || !Equals(old.GetValueOrDefault(k), inputs.GetValueOrDefault(k))).ToList();
        return new DiffResponse
        {
            Changes = changed.Count > 0,
            Diffs = changed,
            DetailedDiff = changed.ToDictionary(k => k, _ => new PropertyDiff { Kind = PropertyDiffKind.Update, InputDiff = true }),
        };
    }
}
