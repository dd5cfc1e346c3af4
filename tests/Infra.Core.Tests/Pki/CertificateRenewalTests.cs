using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Core.Tests.Pki;

/// <summary>Issue 14 item 1 (certs renew): which leaves are renewed, from what, and the waves that restart what uses them.</summary>
public class CertificateRenewalTests
{
    private static (ClusterSpec Spec, IReadOnlyList<PlannedHost> Hosts, KeptSecrets Secrets) External()
    {
        var spec = SampleSpecs.BareMetal(controlPlanes: 2, workers: 1, etcd: EtcdTopology.External);
        var hosts = HostInventory.Plan(spec);
        return (spec, hosts, ClusterPki.Ensure(spec, hosts, null, Pki.Now));
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 Cert(KeptSecrets s, string name) => Certificates.Load(s.Issued[name].CertificatePem);

    [Fact]
    [Trait("Item", "14.1")]
    public void Renew_EveryLeaf_NewSerialAndKeyLaterNotAfterSameIssuerSansAndEverythingElseKept()
    {
        var (spec, hosts, kept) = External();
        var later = Pki.Now.AddDays(300);
        var names = CertificateRenewal.Leaves(spec, hosts, []);
        var renewed = CertificateRenewal.Renew(spec, hosts, kept, names, later);

        Assert.Equal(names.Order(StringComparer.Ordinal), renewed.Changes.Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.All(renewed.Changes, c => Assert.Equal(PkiChangeKind.Reissued, c.Kind));
        Assert.All(renewed.Changes, c => Assert.StartsWith("renewed: was valid until", c.Reason, StringComparison.Ordinal));
        Assert.Equal(kept.Issued.Keys.Order(StringComparer.Ordinal), renewed.Secrets.Issued.Keys.Order(StringComparer.Ordinal));
        foreach (var name in names)
        {
            using var before = Cert(kept, name);
            using var after = Cert(renewed.Secrets, name);
            Assert.NotEqual(before.SerialNumber, after.SerialNumber);
            Assert.NotEqual(kept.Issued[name].PrivateKeyPem, renewed.Secrets.Issued[name].PrivateKeyPem);
            Assert.True(after.NotAfter > before.NotAfter, name);
            Assert.Equal(later.AddDays(365).UtcDateTime, after.NotAfter.ToUniversalTime());
            Assert.Equal(before.Subject, after.Subject);
            Assert.Equal(before.Issuer, after.Issuer);
            Assert.True(Certificates.AltNamesOf(before).SetEquals(Certificates.AltNamesOf(after)), name);
        }
        // The CAs, keys and everything not named stay byte for byte.
        Assert.Equal(kept.ClusterCa, renewed.Secrets.ClusterCa);
        Assert.Equal(kept.EtcdCa, renewed.Secrets.EtcdCa);
        Assert.Equal(kept.FrontProxyCa, renewed.Secrets.FrontProxyCa);
        Assert.Equal(kept.EncryptionKey, renewed.Secrets.EncryptionKey);
        Assert.Equal(kept.ServiceAccountPrivateKeyPem, renewed.Secrets.ServiceAccountPrivateKeyPem);
    }

    [Fact]
    [Trait("Item", "14.1")]
    public void Leaves_SomeHosts_OnlyTheirOwnLeavesNotTheSharedClientCertificates()
    {
        var (spec, hosts, kept) = External();
        var all = CertificateRenewal.Leaves(spec, hosts, []);
        Assert.Contains(IssuedNames.ApiServerEtcdClient, all);
        Assert.Contains(IssuedNames.EtcdHealthcheckClient, all);
        Assert.Contains(IssuedNames.KubeletServing("w-1"), all);

        var some = CertificateRenewal.Leaves(spec, hosts, ["etcd-2", "w-1"]);
        Assert.Equal([IssuedNames.EtcdServer("etcd-2"), IssuedNames.EtcdPeer("etcd-2"), IssuedNames.KubeletServing("w-1")], some);
        var renewed = CertificateRenewal.Renew(spec, hosts, kept, some, Pki.Now.AddDays(1));
        Assert.Equal(kept.Issued[IssuedNames.EtcdServer("etcd-1")], renewed.Secrets.Issued[IssuedNames.EtcdServer("etcd-1")]);
        Assert.Equal(kept.Issued[IssuedNames.ApiServerEtcdClient], renewed.Secrets.Issued[IssuedNames.ApiServerEtcdClient]);
    }

    [Theory]
    [Trait("Item", "14.1")]
    [InlineData(0, 0)]
    [InlineData(64, 0)]
    [InlineData(65, 1)] // a year minus 300 days and a minute leaves less than 65 days: due in a window of 65
    [InlineData(400, 1)]
    public void Due_InjectedClock_ALeafInsideTheWindowIsDue(int windowDays, int due)
    {
        var (_, _, kept) = External();
        // 300 days and a minute after issue, 65 days less a minute are left.
        var now = Pki.Now.AddDays(300).AddMinutes(1);
        var result = CertificateRenewal.Due(kept, [IssuedNames.EtcdServer("etcd-1")], now, windowDays);
        Assert.Equal(due, result.Count);
    }

    [Fact]
    [Trait("Item", "14.1")]
    public void RenewalPlan_External_EtcdMembersThenControlPlanesThenWorkersEachOneAtATimeWithTheirRestarts()
    {
        var (spec, hosts, kept) = External();
        var renewed = CertificateRenewal.Renew(spec, hosts, kept, CertificateRenewal.Leaves(spec, hosts, []), Pki.Now.AddDays(1)).Secrets;
        var plan = CertificateRenewalPlan.For(ClusterPlanner.Plan(spec, renewed), []);

        Assert.Equal(
            ["renew etcd members' certificates, each member healthy before the next: etcd-1, etcd-2, etcd-3",
             "renew control planes' certificates, static pods restarted: cp-1, cp-2",
             "renew kubelet serving certificates: w-1"],
            plan.Execution.Waves.Select(w => $"{w.Title}: {string.Join(", ", w.Hosts.Select(h => h.Name))}"));
        Assert.All(plan.Execution.Waves, w => Assert.Equal(WavePacing.OneAtATime, w.Pacing));
        Assert.All(plan.Execution.Waves, w => Assert.Equal(Phase.Prepare, w.Phase));
        Assert.Empty(plan.Execution.ResetWaves);
        string[] Ids(string host) => [.. plan.Nodes.Single(n => n.Host.Name == host).Steps.Select(s => s.Id)];
        Assert.Equal(["prepare.etcd-pki", "renew.etcd-member"], Ids("etcd-2"));
        // The member's etcdctl is EtcdCommands' (its client flags and health-check pair), in the script and its check.
        var restart = plan.Nodes.Single(n => n.Host.Name == "etcd-2").Steps[1];
        var ctl = string.Join(" ", Core.Etcd.EtcdCommands.MemberHealthcheck.HostCtlWords("3s").Select(Core.Shell.Bash.Quote));
        Assert.Contains($"ETCD_CTL=({ctl})", restart.Script, StringComparison.Ordinal);
        Assert.Contains($"LOCAL_CTL=({ctl} {Core.Shell.Bash.Quote("--endpoints=https://127.0.0.1:2379")})", restart.Check, StringComparison.Ordinal);
        Assert.Equal(["prepare.pki", "renew.control-plane", "renew.kubelet"], Ids("cp-1"));
        Assert.Equal(["prepare.pki", "renew.kubelet"], Ids("w-1"));
        // The placing steps are apply's own (same id and hash), so apply finds them done afterwards.
        var applied = ClusterPlanner.Plan(spec, renewed).Nodes.Single(n => n.Host.Name == "etcd-2").Steps.Single(s => s.Id == "prepare.etcd-pki");
        Assert.Equal(applied.InputHash, plan.Nodes.Single(n => n.Host.Name == "etcd-2").Steps[0].InputHash);
        // The restart hashes the certificates: each renewal runs it again, once.
        var again = CertificateRenewal.Renew(spec, hosts, renewed, CertificateRenewal.Leaves(spec, hosts, []), Pki.Now.AddDays(2)).Secrets;
        var next = CertificateRenewalPlan.For(ClusterPlanner.Plan(spec, again), []);
        Assert.NotEqual(plan.Nodes.Single(n => n.Host.Name == "etcd-2").Steps[1].InputHash, next.Nodes.Single(n => n.Host.Name == "etcd-2").Steps[1].InputHash);
        Assert.Equal(plan.Nodes.Single(n => n.Host.Name == "etcd-2").Steps[1].InputHash,
            CertificateRenewalPlan.For(ClusterPlanner.Plan(spec, renewed), []).Nodes.Single(n => n.Host.Name == "etcd-2").Steps[1].InputHash);
    }

    [Fact]
    [Trait("Item", "14.1")]
    public void RenewalPlan_SomeHosts_OnlyThoseHostsInTheirWaves()
    {
        var (spec, hosts, kept) = External();
        var plan = CertificateRenewalPlan.For(ClusterPlanner.Plan(spec, kept), ["etcd-3", "cp-2"]);
        Assert.Equal(["etcd-3", "cp-2"], plan.Execution.Waves.SelectMany(w => w.Hosts).Select(h => h.Name));
        Assert.Equal(["etcd-3", "cp-2"], plan.Nodes.Select(n => n.Host.Name));
    }

    [Fact]
    [Trait("Item", "14.1")]
    public void ControlPlaneStep_RenewsKubeadmsCertificatesByNameNeverAll()
    {
        // kubeadm's renewal manager (cmd/kubeadm/app/phases/certs/renewal/manager.go, kubernetes/kubernetes commit
        // 04791b49) renews with "all" every certificate of its list, with local etcd also etcd's server, peer,
        // healthcheck-client and apiserver-etcd-client: those are the tool's kept leaves, so they are never renewed by kubeadm.
        var (spec, _, kept) = External();
        var plan = CertificateRenewalPlan.For(ClusterPlanner.Plan(spec, kept), ["cp-1"]);
        var step = plan.Nodes.Single().Steps.Single(s => s.Id == "renew.control-plane");
        Assert.Contains("readonly -a KUBEADM_CERTS=(apiserver apiserver-kubelet-client front-proxy-client)", step.Script, StringComparison.Ordinal);
        Assert.DoesNotContain("renew all", step.Script, StringComparison.Ordinal);
        Assert.DoesNotContain("etcd-server", step.Script, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Item", "14.1")]
    public void ControlPlaneStep_ThreeControlPlanes_NothingRenewedUnlessTheOtherTwoApiServersAnswer()
    {
        var stacked = SampleSpecs.BareMetal(controlPlanes: 3, workers: 1);
        var plan = CertificateRenewalPlan.For(ClusterPlanner.Plan(stacked, ClusterPki.Ensure(stacked, HostInventory.Plan(stacked), null, Pki.Now)), []);
        var step = plan.Nodes.Single(n => n.Host.Name == "cp-2").Steps.Single(s => s.Id == "renew.control-plane");
        var others = plan.Hosts.Where(h => h.Name is "cp-1" or "cp-3").Select(h => $"https://{h.Address}:6443");

        Assert.Contains($"readonly -a OTHER_APIS=({string.Join(' ', others)})", step.Script, StringComparison.Ordinal);
        var guard = step.Script.IndexOf("does not answer", StringComparison.Ordinal);
        Assert.InRange(guard, 0, step.Script.IndexOf("kubeadm certs renew", StringComparison.Ordinal));
    }

    /// <summary>The renewal steps of an external-etcd and a stacked cluster (also for the test that every shell source is rendered).</summary>
    internal static IReadOnlyList<Step> RenewalSteps()
    {
        var (spec, _, kept) = External();
        var stacked = SampleSpecs.BareMetal(controlPlanes: 3, workers: 1);
        return [.. CertificateRenewalPlan.For(ClusterPlanner.Plan(spec, kept), []).Nodes
            .Concat(CertificateRenewalPlan.For(ClusterPlanner.Plan(stacked, ClusterPki.Ensure(stacked, HostInventory.Plan(stacked), null, Pki.Now)), []).Nodes)
            .SelectMany(n => n.Steps).Where(s => s.Id.StartsWith("renew.", StringComparison.Ordinal))];
    }

    [RealToolFact("shellcheck")]
    [Trait("Item", "14.1")]
    public void Shellcheck_RenewalSteps_Pass()
    {
        var texts = RenewalSteps().SelectMany(s => new[] { s.Script, s.Check! }).Distinct().ToList();
        var dir = Directory.CreateTempSubdirectory("infra-renew-").FullName;
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

    [Theory]
    [Trait("Item", "14.1")]
    [InlineData(274, 90, 0)] // 91 days left: outside a 90-day window
    [InlineData(276, 90, 1)] // 89 days left: inside it
    [InlineData(336, 30, 1)]
    [InlineData(334, 30, 0)]
    public void DueOnApply_InjectedClock_LeavesWithinRenewBeforeDaysAreDue(int daysLater, int renewBeforeDays, int dueIfOne)
    {
        var (spec, hosts, kept) = External();
        spec = spec with { Certificates = new CertificatesSpec { RenewBeforeDays = renewBeforeDays } };

        var due = CertificateRenewal.DueOnApply(spec, hosts, kept, Pki.Now.AddDays(daysLater), []);

        // Every leaf was issued at the same instant: all are due or none.
        Assert.Equal(dueIfOne * CertificateRenewal.Leaves(spec, hosts, []).Count, due.Count);
        Assert.All(due, d => Assert.Equal(Pki.Now.AddDays(365).UtcDateTime, d.NotAfter.UtcDateTime));
    }

    [Fact]
    [Trait("Item", "14.1")]
    public void DueOnApply_SomeHosts_TheirOwnLeavesOnlyNeverTheSharedClientCertificates()
    {
        var (spec, hosts, kept) = External();
        var member = hosts.First(h => ClusterPki.IsEtcdMember(spec, h) && !h.Has(Roles.ControlPlane));

        var due = CertificateRenewal.DueOnApply(spec, hosts, kept, Pki.Now.AddDays(300), [member.Name]);

        Assert.Equal([IssuedNames.EtcdPeer(member.Name), IssuedNames.EtcdServer(member.Name)], due.Select(d => d.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    [Trait("Item", "14.1")]
    public void HostsOf_OwnLeaves_TheirOwners_ASharedClientCertificate_EveryHost()
    {
        var (spec, hosts, _) = External();
        var member = hosts.First(h => ClusterPki.IsEtcdMember(spec, h) && !h.Has(Roles.ControlPlane));
        var worker = hosts.First(h => h.Has(Roles.Worker) && !h.Has(Roles.ControlPlane));

        Assert.Equal([member.Name, worker.Name],
            CertificateRenewal.HostsOf(spec, hosts, [IssuedNames.EtcdServer(member.Name), IssuedNames.KubeletServing(worker.Name)]).Order(StringComparer.Ordinal));
        Assert.Empty(CertificateRenewal.HostsOf(spec, hosts, [IssuedNames.EtcdServer(member.Name), IssuedNames.ApiServerEtcdClient]));
    }

    [Fact]
    [Trait("Item", "14.1")]
    public void EnsureRenewingDue_ThePulumiPath_RenewsWhatIsDueKeepsTheRest()
    {
        var (spec, hosts, kept) = External();

        // 265 days left: nothing is due, every leaf stays as it is.
        var early = CertificateRenewal.EnsureRenewingDue(spec, hosts, kept, Pki.Now.AddDays(100));
        Assert.Equal(kept.Issued.Count, early.Issued.Count);
        Assert.All(kept.Issued, kv => Assert.Equal(kv.Value, early.Issued[kv.Key]));
        // 65 days left: every leaf is renewed from that day, the CAs kept.
        var later = CertificateRenewal.EnsureRenewingDue(spec, hosts, kept, Pki.Now.AddDays(300));
        foreach (var name in CertificateRenewal.Leaves(spec, hosts, []))
        {
            using var cert = Cert(later, name);
            Assert.Equal(Pki.Now.AddDays(665).UtcDateTime, cert.NotAfter.ToUniversalTime());
        }
        Assert.Equal(kept.ClusterCa, later.ClusterCa);
    }
}
