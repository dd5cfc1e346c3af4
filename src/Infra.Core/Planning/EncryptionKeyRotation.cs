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
        var name = "infra-" + (Number(secrets.EncryptionKeyName) + 1).ToString(CultureInfo.InvariantCulture);
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
    public static ClusterPlan Rewrite(ClusterPlan plan, KeptSecrets secrets)
    {
        var first = plan.FirstControlPlane;
        var args = new ShellArgs().Set("KUBECONFIG_FILE", HostPaths.AdminConf)
            .Set("TIMEOUT", RewriteTimeoutSeconds.ToString(CultureInfo.InvariantCulture)).Set("TRIES", RewriteTries.ToString(CultureInfo.InvariantCulture));
        var step = Step.Create(RewriteStep, Phase.Prepare,
            $"Rewrite every Secret so that it is encrypted with {secrets.EncryptionKeyName} (kubectl get secrets --all-namespaces -o json | kubectl replace -f -)",
            ShellScript.Render(args, ShellScript.Load("encryption/rewrite-secrets.sh")), null,
            Steps.In(("key", secrets.EncryptionKeyName)), [first.Os]);
        var program = plan.Nodes.Single(n => n.Host.Name == first.Name) with { Steps = [step] };
        return Only(plan, [program], new ExecutionWave
        {
            Phase = Phase.Prepare,
            Title = $"rewrite every Secret with {secrets.EncryptionKeyName} from {first.Name}",
            Hosts = [first],
            Pacing = WavePacing.OneAtATime,
        });
    }

    private static ClusterPlan Only(ClusterPlan plan, IReadOnlyList<NodeProgram> programs, ExecutionWave wave) => plan with
    {
        Nodes = programs,
        Execution = new ExecutionPlan { Waves = [wave], ResetWaves = [] },
    };

    private static int Number(string name) => NamedEncryptionKey.Number(name) ?? throw new ArgumentException($"'{name}' is not a key name (infra-N)", nameof(name));
}
