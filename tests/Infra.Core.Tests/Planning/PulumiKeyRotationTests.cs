using Infra.Core.Kubeadm;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Planning;

/// <summary>
/// Issue 14, encryption at rest on the Pulumi path: <c>infra:encryptionKeyGeneration</c> raised by one replaces the kept key
/// (ClusterSecrets, no host touched), and the rotation resource rolls it out in the documented stages between the old and
/// the new kept secrets (kubernetes/website, content/en/docs/tasks/administer-cluster/encrypt-data.md, "Rotate a decryption key").
/// </summary>
[Trait("Item", "14.3")]
public class PulumiKeyRotationTests
{
    private static readonly ClusterSpec Spec = SampleSpecs.BareMetal(controlPlanes: 3, workers: 1);

    private static readonly Lazy<KeptSecrets> Kept = new(() => ClusterPki.Ensure(Spec, HostInventory.Plan(Spec), null, Tests.Pki.Pki.Now));

    private static byte[] NewKey => Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private static (string Name, string Secret)[] Configured(KeptSecrets s) =>
        [.. KubeadmConfigRenderer.Encryption(s.EncryptionKeys).Resources![0].Providers![0].Secretbox!.Keys!.Select(k => (k.Name!, k.Secret!))];

    [Fact]
    public void Replace_OneKey_NewKeyNamedOneAboveAlone_EverythingElseKept()
    {
        var old = Kept.Value;

        var replaced = EncryptionKeyRotation.Replace(old, NewKey);

        Assert.Equal([("infra-2", Convert.ToBase64String(NewKey))], Configured(replaced));
        Assert.False(EncryptionKeyRotation.InProgress(replaced));
        Assert.Equal(2, EncryptionKeyRotation.Generation(replaced));
        Assert.Equal(old.ClusterCa, replaced.ClusterCa);
        Assert.Equal(old.Issued, replaced.Issued);
        Assert.Throws<InvalidOperationException>(() => EncryptionKeyRotation.Replace(EncryptionKeyRotation.AddNewKey(old, NewKey), NewKey));
        Assert.Throws<ArgumentException>(() => EncryptionKeyRotation.Replace(old, new byte[16]));
    }

    [Theory]
    [InlineData(null, 1, null)]
    [InlineData(null, 4, null)]
    [InlineData(1, 1, null)]
    [InlineData(1, 2, null)]
    [InlineData(2, 1, "infra:encryptionKeyGeneration went down from 2 to 1: a replaced encryption key is never used again; set it back to 2")]
    [InlineData(1, 3, "infra:encryptionKeyGeneration went from 1 to 3: raise it by one at a time (each raise is one key rotation); set it to 2")]
    [InlineData(null, 0, "infra:encryptionKeyGeneration is 0: the cluster's encryption keys are counted from 1")]
    public void GenerationRefusal_LowerOrSkipped_NamesTheConfigKey(int? before, int after, string? refusal) =>
        Assert.Equal(refusal, EncryptionKeyRotation.GenerationRefusal(before, after));

    [Fact]
    public void AtGeneration_SameRaisedOrFresh_KeptReplacedOrRenamed_ElseRefused()
    {
        var old = Kept.Value;
        var made = 0;
        byte[] Make() { made++; return NewKey; }

        Assert.Same(old, EncryptionKeyRotation.AtGeneration(old, 1, Make, fresh: false));
        Assert.Equal(0, made);
        var raised = EncryptionKeyRotation.AtGeneration(old, 2, Make, fresh: false);
        Assert.Equal([("infra-2", Convert.ToBase64String(NewKey))], Configured(raised));
        Assert.Equal(1, made);
        // A new cluster created at generation 3: its fresh key is named for it, nothing to rotate.
        var created = EncryptionKeyRotation.AtGeneration(old, 3, Make, fresh: true);
        Assert.Equal([("infra-3", old.EncryptionKey)], Configured(created));
        Assert.Equal(1, made);

        var skipped = Assert.Throws<InvalidOperationException>(() => EncryptionKeyRotation.AtGeneration(old, 3, Make, fresh: false));
        Assert.Contains("infra:encryptionKeyGeneration went from 1 to 3", skipped.Message, StringComparison.Ordinal);
        var lowered = Assert.Throws<InvalidOperationException>(() => EncryptionKeyRotation.AtGeneration(raised, 1, Make, fresh: false));
        Assert.Contains("went down from 2 to 1", lowered.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Between_OldAndReplaced_AddedSecondThenFirstRewriteThenOldDropped_AsTheInfraPathHasThem()
    {
        var before = Kept.Value;
        var after = EncryptionKeyRotation.Replace(before, NewKey);

        var stages = EncryptionKeyRotation.Between(before, after);

        Assert.Equal(["add infra-2 as the second key", "encrypt with infra-2", "rewrite every Secret with infra-2", "drop infra-1"], stages.Select(s => s.Title));
        Assert.Equal([false, false, true, false], stages.Select(s => s.Rewrite));
        // The same keys, in the same order, as the infra path's stages.
        var added = EncryptionKeyRotation.AddNewKey(before, NewKey);
        var promoted = EncryptionKeyRotation.EncryptWithNewKey(added);
        Assert.Equal(Configured(added), Configured(stages[0].Secrets));
        Assert.Equal(Configured(promoted), Configured(stages[1].Secrets));
        Assert.Equal(Configured(promoted), Configured(stages[2].Secrets));
        Assert.Equal(Configured(after), Configured(stages[3].Secrets));
        // Both keys until the rewrite: a host given any stage but the last reads what either key encrypted.
        Assert.All(stages.Take(3), s => Assert.Equal(2, s.Secrets.EncryptionKeys.Count));
        // Every stage is the new secrets with only the keys set: the last is exactly what the node programs place.
        Assert.Equal(after, stages[3].Secrets);
        Assert.All(stages, s => Assert.Equal(after.Issued, s.Secrets.Issued));
    }

    [Fact]
    public void Between_SameKey_NoStages()
    {
        var kept = Kept.Value;
        Assert.Empty(EncryptionKeyRotation.Between(kept, kept with { Issued = new Dictionary<string, CertificateAndKey>() }));
    }

    [Fact]
    public void Between_KeySkippedReusedOrMidRotation_Refused()
    {
        var before = Kept.Value;
        var second = EncryptionKeyRotation.Replace(before, NewKey);
        var third = EncryptionKeyRotation.Replace(second, new byte[32]);

        var skipped = Assert.Throws<InvalidOperationException>(() => EncryptionKeyRotation.Between(before, third));
        Assert.Contains("infra:encryptionKeyGeneration", skipped.Message, StringComparison.Ordinal);
        Assert.Contains("did not complete", skipped.Message, StringComparison.Ordinal);
        // The same name with another secret: Secrets encrypted with the first would be unreadable.
        Assert.Throws<InvalidOperationException>(() => EncryptionKeyRotation.Between(second, second with { EncryptionKey = before.EncryptionKey }));
        Assert.Throws<InvalidOperationException>(() => EncryptionKeyRotation.Between(EncryptionKeyRotation.AddNewKey(before, NewKey), second));
        // Going back down is a key more than one above the other way.
        Assert.Throws<InvalidOperationException>(() => EncryptionKeyRotation.Between(second, before));
    }

    [Fact]
    public void Plans_RolloutsOneControlPlaneAtATime_RewriteFromTheFirstOncePerAttempt()
    {
        var before = Kept.Value;
        var after = EncryptionKeyRotation.Replace(before, NewKey);
        var stages = EncryptionKeyRotation.Between(before, after);
        var planFor = EncryptionKeyRotation.PlanFor(Spec, Spec.Hosts, Spec.ControlPlane.Endpoint!);

        var plans = EncryptionKeyRotation.Plans(stages, planFor, "attempt-1");
        var again = EncryptionKeyRotation.Plans(stages, planFor, "attempt-2");

        Assert.Equal(4, plans.Count);
        Assert.All(plans, p => Assert.Equal(Core.Model.WavePacing.OneAtATime, Assert.Single(p.Execution.Waves).Pacing));
        Assert.Equal(["cp-1", "cp-2", "cp-3"], plans[0].Execution.Waves[0].Hosts.Select(h => h.Name));
        var rewrite = Assert.Single(Assert.Single(plans[2].Nodes).Steps);
        Assert.Equal(EncryptionKeyRotation.RewriteStep, rewrite.Id);
        // A rollout's configuration is the node program's: the nodes find their journal current afterwards.
        var program = planFor(after).Nodes.Single(n => n.Host.Name == "cp-2").Steps.Single(s => s.Id == "prepare.apiserver-config");
        Assert.Equal(program.InputHash, plans[3].Nodes.Single(n => n.Host.Name == "cp-2").Steps[0].InputHash);
        // The key stages are skipped by the journal on a retry; the rewrite runs again (after the stages placed again).
        Assert.Equal(plans[1].Nodes[0].Steps[1].InputHash, again[1].Nodes[0].Steps[1].InputHash);
        Assert.NotEqual(rewrite.InputHash, again[2].Nodes[0].Steps[0].InputHash);
        // The infra path's rewrite (no attempt) keeps its hash: once per key.
        Assert.Equal(EncryptionKeyRotation.Rewrite(planFor(stages[2].Secrets), stages[2].Secrets).Nodes[0].Steps[0].InputHash,
            EncryptionKeyRotation.Rewrite(planFor(stages[2].Secrets), stages[2].Secrets).Nodes[0].Steps[0].InputHash);
    }
    [Fact]
    public void Between_RaisedAgainAfterAnIncompleteRotation_GoesThroughTheReplacedKey_EachStageListingEveryKeyInUse()
    {
        var before = Kept.Value;
        var second = EncryptionKeyRotation.Replace(before, NewKey);
        var third = EncryptionKeyRotation.Replace(second, new byte[32]);
        var previous = new NamedEncryptionKey(second.EncryptionKeyName, second.EncryptionKey);

        var stages = EncryptionKeyRotation.Between(before, third, previous);

        Assert.Equal(
        [
            "add infra-2 as the second key", "encrypt with infra-2", "rewrite every Secret with infra-2", "drop infra-1",
            "add infra-3 as the second key", "encrypt with infra-3", "rewrite every Secret with infra-3", "drop infra-2",
        ], stages.Select(s => s.Title));
        Assert.Equal(Convert.ToBase64String(NewKey), stages[0].Secrets.SecondEncryptionKey!.Secret);
        Assert.Equal(third, stages[^1].Secrets);
        // Without the replaced key there is no safe way through: refused.
        Assert.Throws<InvalidOperationException>(() => EncryptionKeyRotation.Between(before, third));
        // The replaced key of a completed rotation changes nothing in the next one.
        Assert.Equal(EncryptionKeyRotation.Between(second, third).Select(s => s.Title),
            EncryptionKeyRotation.Between(second, third, new NamedEncryptionKey(before.EncryptionKeyName, before.EncryptionKey)).Select(s => s.Title));
    }

    [Fact]
    public void CreatedFrom_AKeyWasReplaced_StartsFromIt_ElseNothingToDo()
    {
        var before = Kept.Value;
        var after = EncryptionKeyRotation.Replace(before, NewKey);
        var previous = new NamedEncryptionKey(before.EncryptionKeyName, before.EncryptionKey);

        Assert.Equal(4, EncryptionKeyRotation.Between(EncryptionKeyRotation.CreatedFrom(after, previous), after).Count);
        Assert.Empty(EncryptionKeyRotation.Between(EncryptionKeyRotation.CreatedFrom(after, null), after));
    }

    [Theory]
    [InlineData("infra-2")]
    [InlineData("key1:AAAA")]
    [InlineData("infra-2:c2hvcnQ=")]
    public void ParseKey_NotNameAndKey_Refused(string text) =>
        Assert.Throws<FormatException>(() => EncryptionKeyRotation.ParseKey(text));

    [Fact]
    public void KeyText_RoundTrips()
    {
        var key = new NamedEncryptionKey("infra-7", Convert.ToBase64String(NewKey));
        Assert.Equal(key, EncryptionKeyRotation.ParseKey(EncryptionKeyRotation.KeyText(key)));
        Assert.Null(EncryptionKeyRotation.ParseKey(""));
    }
}
