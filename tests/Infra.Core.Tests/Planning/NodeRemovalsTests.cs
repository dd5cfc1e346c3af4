using Infra.Core.Model;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Planning;

/// <summary>Hosts taken out of the stack: the member record read back from a host, and the removals planned from it.</summary>
[Trait("Item", "13.nodes")]
public class NodeRemovalsTests
{
    private static ClusterPlan PlanOf(int workers) => ClusterPlanner.Plan(SampleSpecs.BareMetal(controlPlanes: 1, workers: workers));

    private static IReadOnlyList<RecordedHost> Recorded(ClusterPlan plan) => ClusterMembers.Parse(ClusterMembers.Render(ClusterMembers.Of(plan.Hosts)), "test");

    [Fact]
    public void Render_ThenParse_SameMembersInBootstrapOrder()
    {
        var plan = PlanOf(2);

        var back = Recorded(plan);

        Assert.Equal(["cp-1", "w-1", "w-2"], back.Select(m => m.Name));
        var w1 = back.Single(m => m.Name == "w-1");
        var planned = plan.Hosts.Single(h => h.Name == "w-1");
        Assert.Equal((planned.Address, planned.Port, planned.User, planned.HostKey!.ToString(), "debian-12"), (w1.Address, w1.Port, w1.User, w1.HostKey, w1.Os));
        Assert.Equal([Roles.Worker], w1.Roles);
        var host = ClusterMembers.ToPlannedHost(w1);
        Assert.Equal((planned.Name, planned.Address, planned.Port, planned.User, planned.HostKey, planned.Os), (host.Name, host.Address, host.Port, host.User, host.HostKey, host.Os));
        Assert.Equal(planned.Roles, host.Roles);
    }

    [Theory]
    [InlineData("\"name\": \"w-1\"", "\"name\": \"w-1; rm -rf /\"", "name is not a DNS-1123 label")]
    [InlineData("\"address\": \"10.0.0.101\"", "\"address\": \"$(reboot)\"", "address is not an address")]
    [InlineData("\"user\": \"root\"", "\"user\": \"root --oops\"", "user: ")]
    [InlineData("\"port\": 22", "\"port\": 0", "port is out of range")]
    [InlineData("\"os\": \"debian-12\"", "\"os\": \"plan9\"", "os is not a supported system")]
    [InlineData("\"schemaVersion\": 1", "\"schemaVersion\": 9", "schemaVersion 9")]
    public void Parse_HostileOrForeignField_RefusedNamingIt(string field, string replacement, string expected)
    {
        var text = ClusterMembers.Render(ClusterMembers.Of(PlanOf(1).Hosts)).Replace(": ", ": ", StringComparison.Ordinal);
        var json = System.Text.Json.Nodes.JsonNode.Parse(text)!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        Assert.Contains(field, json, StringComparison.Ordinal);
        var first = json.IndexOf(field, StringComparison.Ordinal);
        var bad = json[..first] + replacement + json[(first + field.Length)..];

        var e = Assert.Throws<FormatException>(() => ClusterMembers.Parse(bad, "cp-1:/var/lib/infra/members.json"));

        Assert.StartsWith("cp-1:/var/lib/infra/members.json", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SameNameTwice_Refused()
    {
        var members = ClusterMembers.Of(PlanOf(1).Hosts);
        var e = Assert.Throws<FormatException>(() => ClusterMembers.Parse(ClusterMembers.Render([.. members, members[1]]), "record"));
        Assert.Contains("appears twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_EveryRecordedHostStillInTheStack_NothingToRemove()
    {
        var plan = PlanOf(2);
        var removal = NodeRemovals.Plan(plan, Recorded(plan));
        Assert.Empty(removal.Removals);
        Assert.Empty(removal.Refusals);
    }

    [Fact]
    public void Plan_WorkerGoneFromTheStack_DrainedWithEvictionsThenDeletedThenReset()
    {
        var before = PlanOf(2);
        var after = PlanOf(1);

        var removal = Assert.Single(NodeRemovals.Plan(after, Recorded(before)).Removals);

        Assert.Equal("w-2", removal.Member.Name);
        Assert.Equal(["remove.w-2.drain", "remove.w-2.delete-node"], removal.FromFirstControlPlane.Select(s => s.Id));
        var drain = removal.FromFirstControlPlane[0].Script;
        // kubernetes/kubectl pkg/cmd/drain/drain.go: --ignore-daemonsets, --delete-emptydir-data and --timeout are its
        // flags; --force and --disable-eviction (which bypasses PodDisruptionBudgets) are never passed.
        Assert.Contains("kubectl drain \"$NODE\" --ignore-daemonsets --delete-emptydir-data --timeout=\"$DRAIN_TIMEOUT\"", drain, StringComparison.Ordinal);
        Assert.Contains("readonly NODE=w-2", drain, StringComparison.Ordinal);
        Assert.Contains("readonly DRAIN_TIMEOUT=300s", drain, StringComparison.Ordinal);
        Assert.DoesNotContain("--force", drain, StringComparison.Ordinal);
        Assert.DoesNotContain("--disable-eviction", drain, StringComparison.Ordinal);
        Assert.Contains("kubectl delete node \"$NODE\" --ignore-not-found", removal.FromFirstControlPlane[1].Script, StringComparison.Ordinal);
        // The reset is the one a worker of this stack gets, on the recorded address and key.
        var w1Reset = after.Nodes.Single(n => n.Host.Name == "w-1").Steps.Where(s => s.Phase == Phase.Reset);
        Assert.Equal(w1Reset.Select(s => (s.Id, s.InputHash)), removal.Reset.Steps.Select(s => (s.Id, s.InputHash)));
        Assert.Equal(before.Hosts.Single(h => h.Name == "w-2").Address, removal.Reset.Host.Address);
    }

    /// <summary>The removal steps of a worker and of a stacked control plane taken out of a stack, as the first control plane runs them.</summary>
    public static IReadOnlyList<Step> RenderedSteps()
    {
        var (before, after) = Replaced();
        return [.. NodeRemovals.Plan(PlanOf(1), Recorded(PlanOf(2))).Removals.Single().FromFirstControlPlane,
            .. NodeRemovals.Plan(after, Recorded(before)).Removals.Single().FromFirstControlPlane.Where(s => s.Id.EndsWith(".etcd-member", StringComparison.Ordinal))];
    }

    [RealToolFact("shellcheck")]
    public void Shellcheck_RemovalSteps_Pass()
    {
        var dir = Directory.CreateTempSubdirectory("infra-removal-").FullName;
        try
        {
            foreach (var step in RenderedSteps())
            {
                var file = Path.Combine(dir, step.Id + ".sh");
                File.WriteAllText(file, "#!/bin/bash\n" + step.Script);
                var r = NodePrograms.Tool.Run("shellcheck", "shellcheck", ["-S", "style", "-s", "bash", "-f", "gcc", file]);
                Assert.True(r.ExitCode == 0, r.Output + "\n" + step.Script);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    [Trait("Item", "13.nodes.2")]
    public void Plan_TwoOfThreeStackedControlPlanesGone_RefusedNamingQuorumWorkerStillRemoved()
    {
        var before = ClusterPlanner.Plan(SampleSpecs.BareMetal(controlPlanes: 3, workers: 2));
        var after = ClusterPlanner.Plan(SampleSpecs.BareMetal(controlPlanes: 1, workers: 1));

        var removal = NodeRemovals.Plan(after, Recorded(before));

        Assert.Equal(["cp-2", "cp-3"], removal.Refusals.Select(r => r.Host));
        Assert.Contains("removing 2 of 3 control planes would lose etcd quorum (1 left, a majority of 3 is 2)", removal.Refusals[0].Refusal.Message, StringComparison.Ordinal);
        Assert.Equal(["w-2"], removal.Removals.Select(r => r.Member.Name));
    }

    [Fact]
    [Trait("Item", "13.nodes.2")]
    public void Plan_OneOfThreeStackedControlPlanesGoneNoneAdded_RefusedNamingTheEvenCount()
    {
        var before = ClusterPlanner.Plan(SampleSpecs.BareMetal(controlPlanes: 3, workers: 1));
        // The stack reader refuses 2 stacked control planes (EvenControlPlanes); the planner refuses it on its own too.
        var after = before with { Hosts = [.. before.Hosts.Where(h => h.Name != "cp-3")] };

        var removal = NodeRemovals.Plan(after, Recorded(before));

        var refused = Assert.Single(removal.Refusals);
        Assert.Equal("cp-3", refused.Host);
        Assert.Contains("2 control planes would be left, an even etcd member count", refused.Refusal.Message, StringComparison.Ordinal);
        Assert.Contains("replace the control plane", refused.Refusal.Message, StringComparison.Ordinal);
        Assert.Empty(removal.Removals);
    }

    [Theory]
    [Trait("Item", "13.nodes.2")]
    [InlineData(3, 0, null)]
    [InlineData(3, 1, null)] // a replacement: 4 members while the added one has joined, 3 after
    [InlineData(3, 2, null)]
    [InlineData(1, 1, "quorum")]
    [InlineData(1, 2, "quorum")]
    [InlineData(3, 3, "quorum")]
    [InlineData(2, 1, "even")]
    [InlineData(4, 1, "even")]
    public void MemberRefusal_StayingAndLeaving_QuorumThenOddCount(int staying, int leaving, string? why)
    {
        var refusal = NodeRemovals.MemberRefusal(staying, leaving);
        if (why is null) Assert.Null(refusal);
        else Assert.Contains(why == "quorum" ? "would lose etcd quorum" : "an even etcd member count", refusal, StringComparison.Ordinal);
    }

    /// <summary>cp-3 of three stacked control planes replaced by cp-4: the stack names cp-1, cp-2 and cp-4.</summary>
    private static (ClusterPlan Before, ClusterPlan After) Replaced()
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 3, workers: 1);
        var after = spec with { Hosts = [.. spec.Hosts.Select(h => h.Name == "cp-3" ? h with { Name = "cp-4", Address = "10.0.0.99" } : h)] };
        return (ClusterPlanner.Plan(spec), ClusterPlanner.Plan(after));
    }

    [Fact]
    [Trait("Item", "13.nodes.2")]
    public void Plan_StackedControlPlaneReplaced_DrainedThenEtcdMemberRemovedThenDeletedThenReset()
    {
        var (before, after) = Replaced();

        var removal = Assert.Single(NodeRemovals.Plan(after, Recorded(before)).Removals);

        Assert.Equal("cp-3", removal.Member.Name);
        Assert.Equal(["remove.cp-3.drain", "remove.cp-3.etcd-member", "remove.cp-3.delete-node"], removal.FromFirstControlPlane.Select(s => s.Id));
        var member = removal.FromFirstControlPlane[1].Script;
        Assert.Contains("readonly NODE=cp-3", member, StringComparison.Ordinal);
        // Through the first control plane's own member, inside kubeadm's etcd container, with kubeadm's health-check client.
        Assert.Contains("crictl --runtime-endpoint unix:///run/containerd/containerd.sock exec \"$etcd_container\" etcdctl --endpoints=https://127.0.0.1:2379", member, StringComparison.Ordinal);
        Assert.Contains("--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt", member, StringComparison.Ordinal);
        Assert.Contains("member list -w simple", member, StringComparison.Ordinal);
        // Every other member healthy first (etcdctl endpoint health exits non-zero when one is not: ep_command.go, v3.6.9).
        var health = member.IndexOf("--endpoints=\"$others\"", StringComparison.Ordinal);
        var remove = member.IndexOf("member remove \"$id\"", StringComparison.Ordinal);
        Assert.True(health > 0 && remove > health, member);
        Assert.Contains(removal.Reset.Steps, s => s.Id == "reset.kubeadm");
    }

    [Fact]
    public void Plan_ControlPlaneWithExternalEtcdGoneFromTheStack_DrainedDeletedAndReset()
    {
        var before = ClusterPlanner.Plan(SampleSpecs.BareMetal(controlPlanes: 3, workers: 1, etcd: EtcdTopology.External));
        var spec = SampleSpecs.BareMetal(controlPlanes: 3, workers: 1, etcd: EtcdTopology.External);
        var after = ClusterPlanner.Plan(spec with { Hosts = [.. spec.Hosts.Where(h => h.Name != "cp-3")], ControlPlane = spec.ControlPlane with { Count = 2 } });

        var removal = Assert.Single(NodeRemovals.Plan(after, Recorded(before)).Removals);

        Assert.Equal("cp-3", removal.Member.Name);
        Assert.Equal(["remove.cp-3.drain", "remove.cp-3.delete-node"], removal.FromFirstControlPlane.Select(s => s.Id));
        Assert.Contains(removal.Reset.Steps, s => s.Id == "reset.kubeadm");
    }

    [Fact]
    public void Plan_InitializingControlPlaneOrEtcdMemberGoneFromTheStack_Refused()
    {
        var before = ClusterPlanner.Plan(SampleSpecs.BareMetal(controlPlanes: 3, workers: 1, etcd: EtcdTopology.External));
        var recorded = Recorded(before);
        // A plan that lost cp-1 (the initializer) and etcd-3, but kept the rest.
        var after = before with { Hosts = [.. before.Hosts.Where(h => h.Name is not ("cp-1" or "etcd-3"))] };

        var removal = NodeRemovals.Plan(after, recorded);

        Assert.Equal(["cp-1", "etcd-3"], removal.Refusals.Select(r => r.Host).Order(StringComparer.Ordinal));
        Assert.Contains("initialized the cluster", removal.Refusals.Single(r => r.Host == "cp-1").Refusal.Message, StringComparison.Ordinal);
        Assert.Contains("external etcd member", removal.Refusals.Single(r => r.Host == "etcd-3").Refusal.Message, StringComparison.Ordinal);
        Assert.Empty(removal.Removals);
    }
}
