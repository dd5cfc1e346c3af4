using Infra.Core.Spec;

namespace Infra.Core.Model;

/// <summary>How the hosts of one wave run: all at once, one at a time, or in batches of N (each batch after the one before).</summary>
public sealed record WavePacing
{
    private WavePacing(int? batchSize) => BatchSize = batchSize;

    /// <summary>Hosts per batch; null: every host of the wave at once (bounded by the run's concurrency).</summary>
    public int? BatchSize { get; }

    public static WavePacing Parallel { get; } = new((int?)null);
    public static WavePacing OneAtATime { get; } = new(1);

    public static WavePacing Batches(int size) =>
        size >= 1 ? new WavePacing(size) : throw new ArgumentOutOfRangeException(nameof(size), size, "a batch holds at least one host");

    /// <summary>The items in the batches they run in, in order.</summary>
    public IReadOnlyList<IReadOnlyList<T>> Split<T>(IReadOnlyList<T> items) =>
        items.Count == 0 ? [] : BatchSize is { } n ? [.. items.Chunk(n)] : [items];

    /// <summary>The name plan.json gives it: <c>parallel</c>, <c>one-at-a-time</c> or <c>batches</c>.</summary>
    public string Name => BatchSize switch { null => "parallel", 1 => "one-at-a-time", _ => "batches" };

    /// <summary>As <c>infra plan</c> says it: "in parallel", "one at a time", "in batches of N".</summary>
    public string Describe() => BatchSize switch { null => "in parallel", 1 => "one at a time", var n => $"in batches of {n}" };
}

/// <summary>How a wave changes etcd's member list.</summary>
public enum EtcdMembershipChange
{
    None,
    /// <summary>Each host joins as a member, after the members before it in the wave (as a learner, promoted once in sync).</summary>
    Join,
    /// <summary>The hosts leave the member list, through a member that stays, before any host is reset.</summary>
    Leave,
}

/// <summary>What a wave needs before its hosts run.</summary>
public sealed record WaveNeeds
{
    public static WaveNeeds None { get; } = new();

    /// <summary>The host where short-lived join credentials (token, certificate key) are made before the wave; null: none.</summary>
    public string? JoinCredentialsFrom { get; init; }

    /// <summary>etcd members that must have converged: a host of the wave waits for them and is blocked when one failed.</summary>
    public IReadOnlyList<string> EtcdMembers { get; init; } = [];

    public EtcdMembershipChange EtcdMembership { get; init; }
}

/// <summary>One step of the order of work: a phase run on some hosts, paced, with what it needs.</summary>
public sealed record ExecutionWave
{
    public required Phase Phase { get; init; }
    public required string Title { get; init; }
    /// <summary>Hosts in the order they run (bootstrap order; for reset of control planes, the last joined first).</summary>
    public required IReadOnlyList<PlannedHost> Hosts { get; init; }
    public required WavePacing Pacing { get; init; }
    public WaveNeeds Needs { get; init; } = WaveNeeds.None;
    /// <summary>The only steps of the phase this wave runs (by id); empty: every step of the phase but <see cref="SkipSteps"/>.</summary>
    public IReadOnlyList<string> OnlySteps { get; init; } = [];
    /// <summary>Steps of the phase this wave leaves to a later wave (by id).</summary>
    public IReadOnlyList<string> SkipSteps { get; init; } = [];

    /// <summary>Whether this wave runs <paramref name="step"/> on its hosts.</summary>
    public bool Runs(Step step) =>
        step.Phase == Phase && (OnlySteps.Count == 0 || OnlySteps.Contains(step.Id)) && !SkipSteps.Contains(step.Id);

    /// <summary>The pacing as <c>infra plan</c> shows it; nothing for a wave of one host.</summary>
    public string PacingText => Hosts.Count > 1 ? $" ({Pacing.Describe()})" : "";

    /// <summary>The wave as <c>infra plan</c> prints it: <c>phase: title — hosts (pacing)</c>.</summary>
    public string Describe() => $"{Phase.Name()}: {Title} — {string.Join(", ", Hosts.Select(h => h.Name))}{PacingText}";
}

/// <summary>
/// The order of work, made once by Core from the planned hosts: the waves an apply runs (prepare, etcd members,
/// the first control plane, the other control planes, workers, workloads) and the waves a reset runs (the reverse).
/// The engine walks these waves, <c>infra plan</c> and plan.json show them, and the Pulumi component derives its
/// resource dependencies from them (<see cref="DependsOn"/>). Nothing else encodes an order of work.
/// </summary>
public sealed record ExecutionPlan
{
    /// <summary>
    /// The kubelet configuration procedure's step (NodePrograms.ReconfigureSteps): on workers it restarts the kubelet,
    /// so it runs in a wave of its own, one worker at a time, after the workers joined in parallel.
    /// </summary>
    public const string KubeletSettingsStepId = "kubelet.settings";

    /// <summary>Apply: the waves run one after another; a wave's hosts run as its <see cref="ExecutionWave.Pacing"/> says.</summary>
    public required IReadOnlyList<ExecutionWave> Waves { get; init; }
    /// <summary>Reset: workers first, then control planes from the last joined to the first, then etcd-only hosts.</summary>
    public required IReadOnlyList<ExecutionWave> ResetWaves { get; init; }

    /// <param name="hosts">The planned hosts in bootstrap order (etcd-only hosts, control planes, workers).</param>
    public static ExecutionPlan For(IReadOnlyList<PlannedHost> hosts)
    {
        var etcd = hosts.Where(h => h.Has(Roles.Etcd)).ToList();
        var cps = hosts.Where(h => h.Has(Roles.ControlPlane)).ToList();
        var workers = hosts.Where(h => h.Has(Roles.Worker) && !h.Has(Roles.ControlPlane)).ToList();
        var etcdOnly = hosts.Where(h => !h.Has(Roles.ControlPlane) && !h.Has(Roles.Worker)).ToList();
        var first = cps.FirstOrDefault();
        var etcdNames = etcd.Select(h => h.Name).ToList();

        var waves = new List<ExecutionWave>();
        if (hosts.Count > 0) waves.Add(Wave(Phase.Prepare, "prepare", hosts, WavePacing.Parallel));
        if (etcd.Count > 0)
        {
            waves.Add(Wave(Phase.Etcd, etcd.Count == 1 ? $"etcd member {etcd[0].Name}" : "etcd members", etcd, WavePacing.OneAtATime,
                new WaveNeeds { EtcdMembership = EtcdMembershipChange.Join }));
        }
        if (first is not null)
        {
            waves.Add(Wave(Phase.ControlPlane, $"init {first.Name}", [first], WavePacing.OneAtATime, new WaveNeeds { EtcdMembers = etcdNames }));
            var joining = cps.Skip(1).ToList();
            if (joining.Count > 0)
            {
                waves.Add(Wave(Phase.ControlPlane, joining.Count == 1 ? $"join control plane {joining[0].Name}" : "join control planes", joining,
                    WavePacing.OneAtATime, new WaveNeeds { JoinCredentialsFrom = first.Name, EtcdMembers = etcdNames }));
            }
            if (workers.Count > 0)
            {
                var join = Wave(Phase.Workers, "join workers", workers, WavePacing.Parallel, new WaveNeeds { JoinCredentialsFrom = first.Name });
                waves.Add(join with { SkipSteps = [KubeletSettingsStepId] });
                waves.Add(Wave(Phase.Workers, "kubelet configuration on workers", workers, WavePacing.OneAtATime) with { OnlySteps = [KubeletSettingsStepId] });
            }
            // The baseline is applied through the first control plane once every node could join.
            waves.Add(Wave(Phase.Workloads, $"baseline workloads through {first.Name}", [first], WavePacing.OneAtATime));
        }

        var reset = new List<ExecutionWave>();
        if (etcd.Count > 0)
        {
            reset.Add(Wave(Phase.Reset, "etcd members leave the member list", etcd, WavePacing.OneAtATime,
                new WaveNeeds { EtcdMembership = EtcdMembershipChange.Leave }));
        }
        if (workers.Count > 0) reset.Add(Wave(Phase.Reset, "reset workers", workers, WavePacing.Parallel));
        if (cps.Count > 0)
        {
            reset.Add(Wave(Phase.Reset, cps.Count == 1 ? "reset the control plane" : "reset control planes, the last joined first", [.. Enumerable.Reverse(cps)],
                WavePacing.OneAtATime));
        }
        if (etcdOnly.Count > 0) reset.Add(Wave(Phase.Reset, "reset etcd members", etcdOnly, WavePacing.OneAtATime));
        return new ExecutionPlan { Waves = waves, ResetWaves = reset };
    }

    /// <summary>
    /// The plan for some hosts only (<c>--hosts</c>): every wave keeps its place, pacing and needs, with only those
    /// hosts; waves left without a host are dropped. The needs still name hosts outside the selection (a join still
    /// gets its credentials from the first control plane).
    /// </summary>
    public ExecutionPlan Only(IReadOnlyCollection<string> hosts)
    {
        IReadOnlyList<ExecutionWave> Keep(IEnumerable<ExecutionWave> waves) =>
            [.. waves.Select(w => w with { Hosts = [.. w.Hosts.Where(h => hosts.Contains(h.Name))] }).Where(w => w.Hosts.Count > 0)];
        return new ExecutionPlan { Waves = Keep(Waves), ResetWaves = Keep(ResetWaves) };
    }

    /// <summary>The phases the apply waves run, in order, each once.</summary>
    public IReadOnlyList<Phase> Phases => [.. Waves.Select(w => w.Phase).Distinct()];

    /// <summary>Where the join credentials of the host's joining wave are made (the first control plane); null when no wave of it needs them.</summary>
    public string? JoinCredentialsFor(string host) =>
        Waves.FirstOrDefault(w => w.Needs.JoinCredentialsFrom is not null && w.Hosts.Any(h => h.Name == host))?.Needs.JoinCredentialsFrom;

    /// <summary>
    /// For a unit that runs all of one host's phases (the Pulumi program's <c>kubeadm:index:Node</c> resource): the
    /// hosts whose units must finish before this host's starts. A host's unit takes the place of its first wave after
    /// prepare (prepare rides along inside each unit); it waits for the batch before it in that wave, or for the last
    /// batch of the nearest earlier such wave. The workloads wave places no host (its first control plane placed
    /// earlier): the workloads wait for <see cref="Before"/> it.
    /// </summary>
    public IReadOnlyList<string> DependsOn(string host)
    {
        var placed = Placing();
        var at = placed.FindIndex(p => p.Wave.Hosts.Any(h => h.Name == host));
        if (at < 0) return [];
        var wave = placed[at].Wave;
        var batches = wave.Pacing.Split(wave.Hosts);
        var batch = batches.Select((b, i) => (b, i)).First(x => x.b.Any(h => h.Name == host)).i;
        if (batch > 0) return [.. batches[batch - 1].Select(h => h.Name)];
        return at == 0 ? [] : LastBatch(placed[at - 1].Wave);
    }

    /// <summary>The hosts whose work must finish before <paramref name="wave"/> starts, for a unit that runs one wave (the Pulumi workloads).</summary>
    public IReadOnlyList<string> Before(ExecutionWave wave)
    {
        var at = Waves.ToList().IndexOf(wave);
        if (at < 0) throw new ArgumentException("the wave is not one of this plan's", nameof(wave));
        var earlier = Placing().Where(p => p.Index < at).ToList();
        return earlier.Count == 0 ? [] : LastBatch(earlier[^1].Wave);
    }

    /// <summary>
    /// The waves that give hosts their place in a per-host order, with their index in <see cref="Waves"/>: not
    /// prepare, and each host only at its first.
    /// </summary>
    private List<(int Index, ExecutionWave Wave)> Placing()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var placed = new List<(int, ExecutionWave)>();
        for (var i = 0; i < Waves.Count; i++)
        {
            if (Waves[i].Phase == Phase.Prepare) continue;
            var hosts = Waves[i].Hosts.Where(h => seen.Add(h.Name)).ToList();
            if (hosts.Count > 0) placed.Add((i, Waves[i] with { Hosts = hosts }));
        }
        return placed;
    }

    private static List<string> LastBatch(ExecutionWave wave) => [.. wave.Pacing.Split(wave.Hosts)[^1].Select(h => h.Name)];

    private static ExecutionWave Wave(Phase phase, string title, IReadOnlyList<PlannedHost> hosts, WavePacing pacing, WaveNeeds? needs = null) =>
        new() { Phase = phase, Title = title, Hosts = hosts, Pacing = pacing, Needs = needs ?? WaveNeeds.None };
}
