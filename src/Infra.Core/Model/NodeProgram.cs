using System.Security.Cryptography;
using System.Text;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.Model;

/// <summary>Phases of a node program, in the order the engine runs them.</summary>
public enum Phase { Prepare, Etcd, ControlPlane, Workers, Workloads, Reset, Upgrade }

public static class PhaseNames
{
    public static string Name(this Phase phase) => phase switch
    {
        Phase.Prepare => "prepare",
        Phase.Etcd => "etcd",
        Phase.ControlPlane => "control-plane",
        Phase.Workers => "workers",
        Phase.Workloads => "workloads",
        Phase.Reset => "reset",
        Phase.Upgrade => "upgrade",
        _ => throw new ArgumentOutOfRangeException(nameof(phase)),
    };

    public static bool TryParse(string name, out Phase phase)
    {
        foreach (var p in Enum.GetValues<Phase>())
        {
            if (p.Name() == name) { phase = p; return true; }
        }
        phase = default;
        return false;
    }
}

/// <summary>A file a host receives, at its absolute path on the host.</summary>
public sealed record HostFile
{
    public required string Path { get; init; }
    public required byte[] Content { get; init; }
    /// <summary>Octal mode, e.g. "0644"; secret files are 0600.</summary>
    public required string Mode { get; init; }
    /// <summary>Holds key material: written as a placeholder by <c>plan --out</c> unless secrets are included, never logged.</summary>
    public bool Secret { get; init; }
    /// <summary>
    /// For secret content that can be guessed (a password, a URL): what the step's input hash takes in place of the
    /// content's SHA-256, a digest keyed by a kept secret, so that plan.json and the hosts' journals cannot test guesses.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? KeyedDigest { get; init; }
}

/// <summary>
/// One idempotent step of a node program. <see cref="Check"/> exits 0 when the step's effect already holds;
/// <see cref="Script"/> makes it hold (and is safe to run twice).
/// </summary>
public sealed record Step
{
    /// <summary>Stable id, e.g. "prepare.containerd"; the journal is keyed by it.</summary>
    public required string Id { get; init; }
    public required Phase Phase { get; init; }
    public required string Description { get; init; }
    /// <summary>Bash, starting with <c>set -euo pipefail</c>.</summary>
    public required string Script { get; init; }
    /// <summary>Bash that exits 0 when nothing needs doing; null when the journal alone decides.</summary>
    public string? Check { get; init; }
    /// <summary>What the step depends on, by name (versions, file hashes, flags); hashed into <see cref="InputHash"/>.</summary>
    public required IReadOnlyDictionary<string, string> Inputs { get; init; }
    public required string InputHash { get; init; }
    /// <summary>Files uploaded before the script runs.</summary>
    public required IReadOnlyList<HostFile> Files { get; init; }
    /// <summary>Values made at apply time (e.g. "join-token", "certificate-key"), passed as environment variables INFRA_*.</summary>
    public required IReadOnlyList<string> RuntimeInputs { get; init; }
    /// <summary>Operating systems the script supports.</summary>
    public required IReadOnlyList<OsFamily> Os { get; init; }
    /// <summary>Files copied from the local <c>bundle</c> folder before the script runs (the script checks their SHA-256).</summary>
    public IReadOnlyList<BundleUpload> BundleUploads { get; init; } = [];

    /// <summary>What every step's script and check start with.</summary>
    public const string Header = "set -euo pipefail\n";

    /// <summary>
    /// The one way the planners build a step: the script and check get <see cref="Header"/>, and the script, check,
    /// file and bundle hashes join the named inputs before they are hashed into <see cref="InputHash"/>, so a change to
    /// any of them is a change of the step. (The wire reader is the only other maker of a Step, and reads one.)
    /// </summary>
    public static Step Create(
        string id,
        Phase phase,
        string description,
        string script,
        string? check,
        IReadOnlyDictionary<string, string> inputs,
        IReadOnlyList<OsFamily> os,
        IReadOnlyList<HostFile>? files = null,
        IReadOnlyList<string>? runtimeInputs = null,
        IReadOnlyList<BundleUpload>? bundleUploads = null)
    {
        files ??= [];
        bundleUploads ??= [];
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in inputs) all[k] = v;
        all["script"] = Hex(Encoding.UTF8.GetBytes(script));
        if (check is not null) all["check"] = Hex(Encoding.UTF8.GetBytes(check));
        foreach (var f in files) all["file:" + f.Path] = $"{f.KeyedDigest ?? Hex(f.Content)} {f.Mode}";
        foreach (var b in bundleUploads) all["bundle:" + b.Name] = $"{b.Sha256} {b.Path} {b.Mode}";
        if (runtimeInputs is { Count: > 0 }) all["runtime-inputs"] = string.Join(",", runtimeInputs);
        return new Step
        {
            Id = id,
            Phase = phase,
            Description = description,
            Script = Header + ShellScript.CheckHeaders(script),
            Check = check is null ? null : Header + ShellScript.CheckHeaders(check),
            Inputs = all,
            InputHash = StepHash.Of(all),
            Files = files,
            RuntimeInputs = runtimeInputs ?? [],
            Os = os,
            BundleUploads = bundleUploads,
        };
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

/// <summary>A file of the local bundle folder the engine copies to the host (large binaries, not held in the plan).</summary>
public sealed record BundleUpload
{
    /// <summary>Name of the file in the bundle folder.</summary>
    public required string Name { get; init; }
    /// <summary>Absolute path on the host.</summary>
    public required string Path { get; init; }
    /// <summary>Lower-case hex SHA-256 the file must have (checked on the host by the step's script).</summary>
    public required string Sha256 { get; init; }
    public required string Mode { get; init; }

    /// <summary>Every bundle file lands in <see cref="HostPaths.BundleCacheDir"/> under its own name, then is checked.</summary>
    public static BundleUpload ToCache(string name, string sha256, string mode) =>
        new() { Name = name, Path = HostPaths.BundleCacheDir + "/" + name, Sha256 = sha256, Mode = mode };
}

/// <summary>Everything one host must do, in order.</summary>
public sealed record NodeProgram
{
    public required PlannedHost Host { get; init; }
    public required IReadOnlyList<Step> Steps { get; init; }
    /// <summary>Rendered kubeadm configuration (Init or Join + Cluster + Kubelet + KubeProxy), null for etcd-only hosts.</summary>
    public string? KubeadmConfig { get; init; }
    /// <summary>Cloud VMs: the cloud-init user data; null on bare metal.</summary>
    public string? CloudInit { get; init; }

    /// <summary>The id of the step that runs <c>kubeadm init</c>, on the first control plane only.</summary>
    public const string InitStepId = "control-plane.init";

    /// <summary>This host initializes the cluster (so it holds the admin kubeconfig once its control-plane phase ran).</summary>
    public bool InitializesCluster => Steps.Any(s => s.Id == InitStepId);

    /// <summary>External etcd members: what the member's membership change is decided against; null elsewhere.</summary>
    public Model.EtcdMembershipFacts? EtcdMembership { get; init; }
}

/// <summary>A machine of the cluster as the plan knows it (bare-metal host or planned cloud VM).</summary>
public sealed record PlannedHost
{
    public required string Name { get; init; }
    /// <summary>SSH address; null for a cloud VM not yet created.</summary>
    public string? Address { get; init; }
    public required int Port { get; init; }
    public required string User { get; init; }
    public required HostKeyPin? HostKey { get; init; }
    public required IReadOnlyList<string> Roles { get; init; }
    public string? Pool { get; init; }
    public string? InternalAddress { get; init; }
    public required OsFamily Os { get; init; }
    /// <summary>Cloud zone, null on bare metal.</summary>
    public string? Zone { get; init; }

    public bool Has(string role) => Roles.Contains(role);
}
