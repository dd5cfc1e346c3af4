using System.Text;
using Infra.Core.Kubeadm;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.TestKit;

namespace Infra.Core.Tests.Planning;

/// <summary>
/// Issue 14, encryption at rest: the stages of <c>infra secrets rotate encryption-key</c> as the Kubernetes documentation
/// orders them (kubernetes/website, content/en/docs/tasks/administer-cluster/encrypt-data.md, "Rotate a decryption key"),
/// the keys as the kept secrets hold them, and the configuration each stage renders.
/// </summary>
[Trait("Item", "14.2")]
public class EncryptionKeyRotationTests
{
    private static readonly Lazy<KeptSecrets> Kept = new(() =>
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 3, workers: 1);
        return ClusterPki.Ensure(spec, HostInventory.Plan(spec), null, Tests.Pki.Pki.Now);
    });

    private static byte[] NewKey => Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private static IEnumerable<(string Name, string Secret)> Configured(KeptSecrets s) =>
        KubeadmConfigRenderer.Encryption(s.EncryptionKeys).Resources![0].Providers![0].Secretbox!.Keys!.Select(k => (k.Name!, k.Secret!));

    [Fact]
    public void Stages_FromOneKey_AddedSecondThenFirstThenTheOldDropped_NamesCountUp()
    {
        var old = Kept.Value;
        Assert.Equal(EncryptionRotationStage.AddNewKey, EncryptionKeyRotation.Next(old));
        Assert.Equal([("infra-1", old.EncryptionKey)], Configured(old));

        var added = EncryptionKeyRotation.AddNewKey(old, NewKey);
        var newSecret = Convert.ToBase64String(NewKey);
        Assert.Equal(EncryptionRotationStage.EncryptWithNewKey, EncryptionKeyRotation.Next(added));
        // The documentation's first step: the new key is the provider's SECOND key; the old one still encrypts.
        Assert.Equal([("infra-1", old.EncryptionKey), ("infra-2", newSecret)], Configured(added));

        var promoted = EncryptionKeyRotation.EncryptWithNewKey(added);
        Assert.Equal(EncryptionRotationStage.RewriteAndDropOldKey, EncryptionKeyRotation.Next(promoted));
        Assert.Equal([("infra-2", newSecret), ("infra-1", old.EncryptionKey)], Configured(promoted));

        var done = EncryptionKeyRotation.DropOldKey(promoted);
        Assert.False(EncryptionKeyRotation.InProgress(done));
        Assert.Equal([("infra-2", newSecret)], Configured(done));

        // The next rotation names its key infra-3.
        var again = EncryptionKeyRotation.AddNewKey(done, new byte[32]);
        Assert.Equal("infra-3", again.SecondEncryptionKey!.Name);
    }

    [Fact]
    public void Stages_OutOfOrder_Refused()
    {
        var old = Kept.Value;
        var added = EncryptionKeyRotation.AddNewKey(old, NewKey);
        Assert.Throws<InvalidOperationException>(() => EncryptionKeyRotation.EncryptWithNewKey(old));
        Assert.Throws<InvalidOperationException>(() => EncryptionKeyRotation.DropOldKey(added));
        Assert.Throws<InvalidOperationException>(() => EncryptionKeyRotation.AddNewKey(added, NewKey));
        Assert.Throws<ArgumentException>(() => EncryptionKeyRotation.AddNewKey(old, new byte[16]));
    }

    [Fact]
    public void KeptSecrets_MidRotation_RoundTripThroughFilesAndJson_AndOneKeyFoldersKeepTheirLayout()
    {
        var promoted = EncryptionKeyRotation.EncryptWithNewKey(EncryptionKeyRotation.AddNewKey(Kept.Value, NewKey));
        var files = KeptSecretsSerializer.ToFiles(promoted);
        Assert.Equal("infra-2\n", Encoding.UTF8.GetString(files["encryption-key.name"]));
        Assert.Equal("infra-1\n", Encoding.UTF8.GetString(files["encryption-key.second.name"]));

        foreach (var back in new[] { KeptSecretsSerializer.FromFiles(files), KeptSecretsSerializer.FromJson(KeptSecretsSerializer.ToJson(promoted)) })
        {
            Assert.Equal(promoted.EncryptionKeys, back.EncryptionKeys);
        }
        // A folder of one infra-1 key (every folder written before rotation existed) has no name files.
        Assert.DoesNotContain(KeptSecretsSerializer.ToFiles(Kept.Value).Keys, f => f.StartsWith("encryption-key.", StringComparison.Ordinal));
        Assert.Equal("infra-1", KeptSecretsSerializer.FromFiles(KeptSecretsSerializer.ToFiles(Kept.Value)).EncryptionKeyName);
    }

    [Theory]
    [InlineData("encryption-key.name", "infra-x\n", "encryption-key.name: must hold a key name")]
    [InlineData("encryption-key.name", "key1\n", "encryption-key.name: must hold a key name")]
    [InlineData("encryption-key.second.name", "infra-1\n", "encryption-key.second.name: names the same key as encryption-key")]
    [InlineData("encryption-key.second", "c2hvcnQ=\n", "encryption-key.second: must hold 32 bytes")]
    public void FromFiles_BadRotationFile_NamesTheFile(string file, string content, string message)
    {
        var files = new Dictionary<string, byte[]>(KeptSecretsSerializer.ToFiles(EncryptionKeyRotation.AddNewKey(Kept.Value, NewKey)), StringComparer.Ordinal)
        {
            [file] = Encoding.UTF8.GetBytes(content),
        };

        var e = Assert.Throws<KeptSecretsFormatException>(() => KeptSecretsSerializer.FromFiles(files));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFiles_SecondKeyWithoutItsName_Refused()
    {
        var files = new Dictionary<string, byte[]>(KeptSecretsSerializer.ToFiles(EncryptionKeyRotation.AddNewKey(Kept.Value, NewKey)), StringComparer.Ordinal);
        files.Remove("encryption-key.second.name");

        var e = Assert.Throws<KeptSecretsFormatException>(() => KeptSecretsSerializer.FromFiles(files));
        Assert.Equal("encryption-key.second.name: is missing", e.Message);
    }

    [Fact]
    public void Rollout_EveryControlPlaneOneAtATime_ConfigurationPlacedThenApiServerRestartedOncePerConfiguration()
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 3, workers: 1);
        var added = EncryptionKeyRotation.AddNewKey(Kept.Value, NewKey);
        var before = EncryptionKeyRotation.Rollout(ClusterPlanner.Plan(spec, Kept.Value), "t");
        var after = EncryptionKeyRotation.Rollout(ClusterPlanner.Plan(spec, added), "t");

        var wave = Assert.Single(after.Execution.Waves);
        Assert.Equal(WavePacing.OneAtATime, wave.Pacing);
        Assert.Equal(["cp-1", "cp-2", "cp-3"], wave.Hosts.Select(h => h.Name));
        Assert.All(after.Nodes, n => Assert.Equal(["prepare.apiserver-config", EncryptionKeyRotation.RestartStep], n.Steps.Select(s => s.Id)));
        var restart = after.Nodes[0].Steps[1];
        Assert.Contains("kube-apiserver.yaml", restart.Script, StringComparison.Ordinal);
        Assert.DoesNotContain("kube-scheduler.yaml", restart.Script, StringComparison.Ordinal);
        // cp-1 restarts only while the other two control planes' API servers answer.
        var cps = HostInventory.Plan(spec).Where(h => h.Has(Core.Spec.Roles.ControlPlane)).ToList();
        Assert.Contains($"readonly -a OTHER_APIS=(https://{cps[1].Address}:6443 https://{cps[2].Address}:6443)", restart.Script, StringComparison.Ordinal);
        Assert.True(restart.Script.IndexOf("does not answer: this control plane is not restarted", StringComparison.Ordinal)
            < restart.Script.IndexOf("mv \"$MANIFEST_DIR/$m\" \"$PARKED_DIR/$m\"", StringComparison.Ordinal));
        // A new configuration restarts again; the same one does not.
        Assert.NotEqual(before.Nodes[0].Steps[1].InputHash, restart.InputHash);
        Assert.Equal(restart.InputHash, EncryptionKeyRotation.Rollout(ClusterPlanner.Plan(spec, added), "t").Nodes[0].Steps[1].InputHash);
        var file = after.Nodes[0].Steps[0].Files.Single(f => f.Path == HostPaths.EncryptionConfig);
        Assert.Contains("name: infra-2", Encoding.UTF8.GetString(file.Content), StringComparison.Ordinal);
    }

    [Fact]
    public void Rewrite_FromTheFirstControlPlane_TheDocumentedCommandBoundedAndRetried_OncePerKey()
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 3, workers: 1);
        var promoted = EncryptionKeyRotation.EncryptWithNewKey(EncryptionKeyRotation.AddNewKey(Kept.Value, NewKey));
        var plan = EncryptionKeyRotation.Rewrite(ClusterPlanner.Plan(spec, promoted), promoted);

        var node = Assert.Single(plan.Nodes);
        Assert.Equal("cp-1", node.Host.Name);
        var step = Assert.Single(node.Steps);
        Assert.Contains("get secrets --all-namespaces -o json", step.Script, StringComparison.Ordinal);
        Assert.Contains("replace -f -", step.Script, StringComparison.Ordinal);
        Assert.Contains("timeout \"$TIMEOUT\"", step.Script, StringComparison.Ordinal);
        Assert.Equal("infra-2", step.Inputs["key"]);
        Assert.DoesNotContain(promoted.EncryptionKey, step.Script, StringComparison.Ordinal);
    }

    /// <summary>The rotation's rendered steps (also for the test that every shell source is rendered).</summary>
    internal static IReadOnlyList<Step> RotationSteps()
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 3, workers: 1);
        var promoted = EncryptionKeyRotation.EncryptWithNewKey(EncryptionKeyRotation.AddNewKey(Kept.Value, NewKey));
        var plan = ClusterPlanner.Plan(spec, promoted);
        return [.. EncryptionKeyRotation.Rollout(plan, "t").Nodes.Concat(EncryptionKeyRotation.Rewrite(plan, promoted).Nodes)
            .SelectMany(n => n.Steps).Where(s => s.Id.StartsWith("encryption.", StringComparison.Ordinal))];
    }

    [RealToolFact("shellcheck")]
    public void Shellcheck_RotationSteps_Pass()
    {
        var texts = RotationSteps().SelectMany(s => new[] { s.Script, s.Check ?? "" }).Where(t => t.Length > 0).Distinct().ToList();
        var dir = Directory.CreateTempSubdirectory("infra-rotate-").FullName;
        try
        {
            var files = texts.Select((t, i) => { var f = Path.Combine(dir, $"{i}.sh"); File.WriteAllText(f, t); return f; }).ToList();
            var r = NodePrograms.Tool.Run("shellcheck", "shellcheck", ["-S", "warning", "-s", "bash", "-f", "gcc", .. files]);
            Assert.True(r.ExitCode == 0, r.Output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
