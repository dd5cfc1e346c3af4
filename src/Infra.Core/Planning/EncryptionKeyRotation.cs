using System.Globalization;
using Infra.Core.Model;
using Infra.Core.NodePrograms;
using Infra.Core.Pki;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.Planning;

/// <summary>The stages of an encryption key rotation, in order.</summary>
public enum EncryptionRotationStage
{
    /// <summary>A new key listed second: every API server can decrypt what it will encrypt.</summary>
    AddNewKey,
    /// <summary>The new key listed first: every API server encrypts with it.</summary>
    EncryptWithNewKey,
    /// <summary>Every Secret rewritten (so encrypted with the new key), then the old key dropped.</summary>
    RewriteAndDropOldKey,
}

/// <summary>
/// <c>infra secrets rotate encryption-key</c>, as the Kubernetes documentation's "Rotate a decryption key" orders it
/// (kubernetes/website, content/en/docs/tasks/administer-cluster/encrypt-data.md): the new key added as the second key
/// of the provider on every control plane and every API server restarted; then made the first and every API server
/// restarted; then every Secret rewritten with <c>kubectl get secrets --all-namespaces -o json | kubectl replace -f -</c>;
/// then the old key removed and every API server restarted. Where a run stands is read from the kept secrets alone,
/// so a run cut short is resumed by running the command again.
/// </summary>
public static class EncryptionKeyRotation
{
    public const string RestartStep = "encryption.restart-apiserver";
    public const string RewriteStep = "encryption.rewrite-secrets";
    /// <summary>The bound of one <c>get | replace</c> of every Secret.</summary>
    public const int RewriteTimeoutSeconds = 600;
    /// <summary>Tries of the rewrite: the documentation says to retry after a conflicting write.</summary>
    public const int RewriteTries = 3;

    /// <summary>The stage a rotation continues at: a second key newer than the first has been added; an older one is the key being retired.</summary>
    public static EncryptionRotationStage Next(KeptSecrets secrets) => secrets.SecondEncryptionKey switch
    {
        null => EncryptionRotationStage.AddNewKey,
        { } second when Number(second.Name) > Number(secrets.EncryptionKeyName) => EncryptionRotationStage.EncryptWithNewKey,
        _ => EncryptionRotationStage.RewriteAndDropOldKey,
    };

    /// <summary>A rotation runs when a second key is kept.</summary>
    public static bool InProgress(KeptSecrets secrets) => secrets.SecondEncryptionKey is not null;

    /// <summary>Stage 1: <paramref name="newKey"/> (32 bytes) listed second, named one above the current key.</summary>
    public static KeptSecrets AddNewKey(KeptSecrets secrets, ReadOnlySpan<byte> newKey)
    {
        if (InProgress(secrets)) throw new InvalidOperationException("a rotation is already in progress");
        if (newKey.Length != 32) throw new ArgumentException("an encryption key is 32 bytes", nameof(newKey));
        var name = KeyName(Number(secrets.EncryptionKeyName) + 1);
        return secrets with { SecondEncryptionKey = new NamedEncryptionKey(name, Convert.ToBase64String(newKey)) };
    }

    /// <summary>Stage 2: the new key first, the old one second.</summary>
    public static KeptSecrets EncryptWithNewKey(KeptSecrets secrets)
    {
        if (Next(secrets) != EncryptionRotationStage.EncryptWithNewKey) throw new InvalidOperationException("no new key to encrypt with");
        var added = secrets.SecondEncryptionKey!;
        return secrets with
        {
            EncryptionKey = added.Secret,
            EncryptionKeyName = added.Name,
            SecondEncryptionKey = new NamedEncryptionKey(secrets.EncryptionKeyName, secrets.EncryptionKey),
        };
    }

    /// <summary>Stage 3, after the rewrite: the old key gone.</summary>
    public static KeptSecrets DropOldKey(KeptSecrets secrets)
    {
        if (Next(secrets) != EncryptionRotationStage.RewriteAndDropOldKey) throw new InvalidOperationException("no old key to drop");
        return secrets with { SecondEncryptionKey = null };
    }

    /// <summary>
    /// The encryption configuration of <paramref name="plan"/> (planned from the kept secrets of a stage) rolled out:
    /// control planes one at a time, each with the file placed (<c>prepare.apiserver-config</c>, as apply has it, so its
    /// journal stays current) and its API server restarted, which must answer before the next one starts.
    /// </summary>
    public static ClusterPlan Rollout(ClusterPlan plan, string title)
    {
        var programs = new List<NodeProgram>();
        var controlPlanes = plan.Nodes.Where(n => n.Host.Has(Roles.ControlPlane)).ToList();
        foreach (var node in controlPlanes)
        {
            var placed = node.Steps.Single(s => s.Id == "prepare.apiserver-config");
            var others = RenewSteps.OtherApiServers(controlPlanes.Select(n => n.Host), node.Host);
            programs.Add(node with
            {
                Steps =
                [
                    placed,
                    RenewSteps.RestartStaticPods(RestartStep, "Restart this control plane's API server on its encryption configuration, wait until it answers",
                        ["kube-apiserver.yaml"], others, placed),
                ],
            });
        }
        return Only(plan, programs, new ExecutionWave { Phase = Phase.Prepare, Title = title, Hosts = [.. programs.Select(p => p.Host)], Pacing = WavePacing.OneAtATime });
    }

    /// <summary>Every Secret rewritten from the first control plane, so that each is encrypted with the first key; once per key.</summary>
    /// <param name="attempt">Set by a caller that runs every stage again on a retry (the Pulumi path, see <see cref="Between"/>): the
    /// rewrite then runs once per attempt instead of once per key.</param>
    public static ClusterPlan Rewrite(ClusterPlan plan, KeptSecrets secrets, string? attempt = null)
    {
        var first = plan.FirstControlPlane;
        var args = new ShellArgs().Set("KUBECONFIG_FILE", HostPaths.AdminConf)
            .Set("TIMEOUT", RewriteTimeoutSeconds.ToString(CultureInfo.InvariantCulture)).Set("TRIES", RewriteTries.ToString(CultureInfo.InvariantCulture));
        var step = Step.Create(RewriteStep, Phase.Prepare,
            $"Rewrite every Secret so that it is encrypted with {secrets.EncryptionKeyName} (kubectl get secrets --all-namespaces -o json | kubectl replace -f -)",
            ShellScript.Render(args, ShellScript.Load("encryption/rewrite-secrets.sh")), null,
            attempt is null ? Steps.In(("key", secrets.EncryptionKeyName)) : Steps.In(("key", secrets.EncryptionKeyName), ("attempt", attempt)), [first.Os]);
        var program = plan.Nodes.Single(n => n.Host.Name == first.Name) with { Steps = [step] };
        return Only(plan, [program], new ExecutionWave
        {
            Phase = Phase.Prepare,
            Title = $"rewrite every Secret with {secrets.EncryptionKeyName} from {first.Name}",
            Hosts = [first],
            Pacing = WavePacing.OneAtATime,
        });
    }

    /// <summary>The Pulumi config key (project <c>infra</c>) whose raise by one rotates the key on the next <c>pulumi up</c>.</summary>
    public const string GenerationConfigKey = "infra:encryptionKeyGeneration";

    /// <summary>The generation of the kept key: the key infra-N is generation N (the first key, infra-1, is generation 1).</summary>
    public static int Generation(KeptSecrets secrets) => Number(secrets.EncryptionKeyName);

    /// <summary>Why <see cref="GenerationConfigKey"/> may not go from <paramref name="before"/> (null: not set before) to <paramref name="after"/>; null when it may.</summary>
    public static string? GenerationRefusal(int? before, int after)
    {
        if (after < 1) return $"{GenerationConfigKey} is {after}: the cluster's encryption keys are counted from 1";
        if (before is not { } was || after == was || after == was + 1) return null;
        return after < was
            ? $"{GenerationConfigKey} went down from {was} to {after}: a replaced encryption key is never used again; set it back to {was}"
            : $"{GenerationConfigKey} went from {was} to {after}: raise it by one at a time (each raise is one key rotation); set it to {was + 1}";
    }

    /// <summary>
    /// The Pulumi path's new key: the kept key replaced by <paramref name="newKey"/> (32 bytes), named one above, with no
    /// second key. The hosts still have the old key; the rotation resource rolls the change out in the stages of <see cref="Between"/>.
    /// </summary>
    public static KeptSecrets Replace(KeptSecrets secrets, ReadOnlySpan<byte> newKey)
    {
        var added = AddNewKey(secrets, newKey);
        return added with { EncryptionKey = added.SecondEncryptionKey!.Secret, EncryptionKeyName = added.SecondEncryptionKey.Name, SecondEncryptionKey = null };
    }

    /// <summary>
    /// The kept secrets at <paramref name="generation"/>: unchanged at their own generation, <see cref="Replace"/>d one above.
    /// <paramref name="fresh"/> secrets (just made, on no host yet) take the generation's name for their key: nothing to rotate.
    /// </summary>
    /// <exception cref="InvalidOperationException">Any other generation (<see cref="GenerationRefusal"/>), or a rotation in progress.</exception>
    public static KeptSecrets AtGeneration(KeptSecrets secrets, int generation, Func<byte[]> newKey, bool fresh)
    {
        var current = Generation(secrets);
        if (generation == current) return secrets;
        if (fresh && generation >= 1 && !InProgress(secrets)) return secrets with { EncryptionKeyName = KeyName(generation) };
        if (generation != current + 1)
            throw new InvalidOperationException(GenerationRefusal(current, generation) ?? $"{GenerationConfigKey}: the kept key is {secrets.EncryptionKeyName}");
        return Replace(secrets, newKey());
    }

    /// <summary>
    /// The stages that take the hosts from <paramref name="before"/>'s key to <paramref name="after"/>'s (one above, made by
    /// <see cref="Replace"/>): the new key added second, made first, every Secret rewritten with it, the old key dropped.
    /// Every stage is <paramref name="after"/> with only its encryption keys set, so the last is exactly what the node programs
    /// place. Empty when both hold the same key.
    /// <para>
    /// Safe to run again from the start after any failure (the Pulumi path does: a failed update keeps the old key in the
    /// resource's state): the first two stages list both keys, so a host given either can read every Secret whichever key
    /// encrypted it; the rewrite runs again on every attempt (<see cref="Plans"/>), after every host encrypts with the new key
    /// once more, so a Secret written with the old key while an earlier stage was placed again is rewritten too; and the old key
    /// is dropped only after that rewrite.
    /// </para>
    /// </summary>
    /// <exception cref="InvalidOperationException">A rotation in progress in either, the same key name with another secret, or a
    /// key more than one above: no sequence of stages keeps every Secret readable.</exception>
    /// <param name="previous">The key <paramref name="after"/>'s replaced (ClusterSecrets keeps it): when the generation was raised
    /// again after a rotation that did not complete, the hosts may hold it, and the stages go through it (old → previous → new).</param>
    public static IReadOnlyList<RotationStage> Between(KeptSecrets before, KeptSecrets after, NamedEncryptionKey? previous = null)
    {
        if (previous is not null && !InProgress(before) && !InProgress(after) && NamedEncryptionKey.Number(previous.Name) is { } p
            && p == Generation(before) + 1 && Generation(after) == p + 1)
        {
            var through = after with { EncryptionKey = previous.Secret, EncryptionKeyName = previous.Name };
            return [.. Between(before, through), .. Between(through, after)];
        }
        if (InProgress(before) || InProgress(after))
            throw new InvalidOperationException("the kept secrets hold a rotation in progress (a second key): finish it with 'infra secrets rotate encryption-key' first");
        var old = new NamedEncryptionKey(before.EncryptionKeyName, before.EncryptionKey);
        var added = new NamedEncryptionKey(after.EncryptionKeyName, after.EncryptionKey);
        if (old.Name == added.Name)
        {
            return old.Secret == added.Secret ? []
                : throw new InvalidOperationException($"the encryption key {old.Name} has another secret than the control planes have: a key keeps its secret for life; restore the state that holds it");
        }
        if (Generation(after) != Generation(before) + 1)
        {
            throw new InvalidOperationException($"the control planes have the encryption key {old.Name} and the kept secrets {added.Name}: a rotation to generation "
                + $"{Generation(before) + 1} did not complete; {GenerationConfigKey} goes up by one, and only after the rotation before it completed");
        }
        var promoted = after with { SecondEncryptionKey = old };
        return
        [
            new($"add {added.Name} as the second key", after with { EncryptionKey = old.Secret, EncryptionKeyName = old.Name, SecondEncryptionKey = added }, Rewrite: false),
            new($"encrypt with {added.Name}", promoted, Rewrite: false),
            new($"rewrite every Secret with {added.Name}", promoted, Rewrite: true),
            new($"drop {old.Name}", after, Rewrite: false),
        ];
    }

    /// <summary>
    /// Where a rotation resource created on a live cluster starts: the key ClusterSecrets replaced (<paramref name="previous"/>),
    /// which the hosts hold when a raise came before the resource existed; <paramref name="after"/> itself when none was replaced.
    /// Both keys are listed in the first stages, so this is safe also on hosts that already have the new key.
    /// </summary>
    public static KeptSecrets CreatedFrom(KeptSecrets after, NamedEncryptionKey? previous) =>
        previous is null || previous.Name == after.EncryptionKeyName ? after : after with { EncryptionKey = previous.Secret, EncryptionKeyName = previous.Name };

    /// <summary>A key as ClusterSecrets keeps its replaced one in the state: <c>NAME:BASE64</c>.</summary>
    public static string KeyText(NamedEncryptionKey key) => key.Name + ":" + key.Secret;

    /// <summary>Reads <see cref="KeyText"/>; empty text is no key.</summary>
    /// <exception cref="FormatException">Not a key name and a 32-byte key.</exception>
    public static NamedEncryptionKey? ParseKey(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || NamedEncryptionKey.Number(text[..colon]) is null || !NamedEncryptionKey.IsKey(text[(colon + 1)..]))
            throw new FormatException("the replaced encryption key is not NAME:BASE64 (infra-N and 32 bytes)");
        return new NamedEncryptionKey(text[..colon], text[(colon + 1)..]);
    }

    /// <summary>The stages as plans: each key stage a <see cref="Rollout"/>, the rewrite a <see cref="Rewrite"/> for this <paramref name="attempt"/>.</summary>
    public static IReadOnlyList<ClusterPlan> Plans(IReadOnlyList<RotationStage> stages, Func<KeptSecrets, ClusterPlan> planFor, string attempt) =>
    [
        .. stages.Select(s => s.Rewrite
            ? Rewrite(planFor(s.Secrets), s.Secrets, attempt)
            : Rollout(planFor(s.Secrets), $"{s.Title}: control planes one at a time, each API server restarted")),
    ];

    /// <summary>How the Pulumi provider plans a stage: as <c>infra apply</c> does, for the hosts as they exist and the API endpoint they use.</summary>
    public static Func<KeptSecrets, ClusterPlan> PlanFor(ClusterSpec spec, IReadOnlyList<HostSpec> inventory, Endpoint api) =>
        secrets => ClusterPlanner.Plan(spec with { ControlPlane = spec.ControlPlane with { Endpoint = api } }, secrets, inventory);

    private static string KeyName(int generation) => "infra-" + generation.ToString(CultureInfo.InvariantCulture);

    private static ClusterPlan Only(ClusterPlan plan, IReadOnlyList<NodeProgram> programs, ExecutionWave wave) => plan with
    {
        Nodes = programs,
        Execution = new ExecutionPlan { Waves = [wave], ResetWaves = [] },
    };

    private static int Number(string name) => NamedEncryptionKey.Number(name) ?? throw new ArgumentException($"'{name}' is not a key name (infra-N)", nameof(name));
}

/// <summary>One stage of <see cref="EncryptionKeyRotation.Between"/>: the kept secrets it places (or, for the rewrite, encrypts with).</summary>
public sealed record RotationStage(string Title, KeptSecrets Secrets, bool Rewrite);
