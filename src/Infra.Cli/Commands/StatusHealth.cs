using Infra.Core.Health;
using Infra.Core.Planning;
using Infra.Core.Spec;
using Infra.Ssh;
using Infra.Ssh.Engine;
using Infra.Ssh.Etcd;
using Infra.Ssh.Health;
using Infra.Ssh.Pki;

namespace Infra.Cli.Commands;

/// <summary>
/// Reads the parts of <c>infra status</c> beyond the engine's dry run: the Kubernetes view from the first control plane,
/// etcd's members, each host's earliest certificate expiry and the newest etcd backup. Each part that cannot be read
/// becomes unknown with the reason; none of this changes anything.
/// </summary>
internal static class StatusHealth
{
    public static async Task<ClusterHealth> ReadAsync(ClusterContext ctx, CliEnvironment env, ClusterReport report, int concurrency, DateTimeOffset now,
        CancellationToken ct)
    {
        var plan = ctx.Plan;
        var timeout = TimeSpan.FromSeconds(plan.Spec.Ssh.CommandTimeoutSeconds);
        var options = ctx.ClientOptions(env);
        var connect = SshHostSession.Factory(plan.Spec.Ssh, options);
        EtcdSessionFactory etcdConnect = async (host, c) => new SshHostSession(await SshConnection.ConnectAsync(SshHostSession.TargetFor(host, plan.Spec.Ssh), options, c));
        var unreachable = report.Hosts.Where(h => h.State is HostState.Unreachable or HostState.HostKeyRefused).ToDictionary(h => h.Host, h => h.Message ?? "unreachable", StringComparer.Ordinal);
        var hosts = report.Hosts.Select(h => new HostReach(h.Host, !unreachable.ContainsKey(h.Host), h.Changes.Any(c => c.Drift is not null), h.Message)).ToList();
        var monitoring = plan.Spec.Workloads.Monitoring.Enabled;

        var kube = KubeAsync(plan, connect, unreachable, monitoring, timeout, ct);
        var etcd = EtcdAsync(ctx, etcdConnect, timeout, ct);
        var certs = CertificatesAsync(plan, connect, unreachable, concurrency, timeout, now, ct);
        var backups = BackupsAsync(plan, etcdConnect, unreachable, timeout, ct);
        await Task.WhenAll(kube, etcd, certs, backups);
        var k = await kube;
        var (members, etcdPart) = await etcd;
        var controlPlanes = plan.Hosts.Where(h => h.Has(Roles.ControlPlane)).Select(h => h.Name).ToList();
        var nodeNames = plan.Hosts.Where(h => h.Has(Roles.ControlPlane) || h.Has(Roles.Worker)).Select(h => h.Name).ToList();
        var alerts = k.FiringAlerts;
        return new ClusterHealth
        {
            Now = now,
            Hosts = hosts,
            HostsPart = ClusterHealth.HostsPartOf(hosts),
            Nodes = k.Nodes,
            NodesPart = k.NodesProblem ?? ClusterHealth.NodesPartOf(k.Nodes, nodeNames),
            ControlPlanePods = k.Pods,
            ControlPlanePart = k.PodsProblem ?? ClusterHealth.ControlPlanePartOf(k.Pods, controlPlanes, plan.Spec.Etcd.Topology == EtcdTopology.Stacked),
            EtcdMembers = members,
            EtcdPart = etcdPart,
            Certificates = await certs,
            CertificatesPart = ClusterHealth.CertificatesPartOf(await certs),
            Backups = await backups,
            BackupsPart = ClusterHealth.BackupsPartOf(await backups, now),
            FiringAlerts = alerts,
            AlertsPart = !monitoring ? HealthPart.NotApplicable("workloads.monitoring is off") : k.AlertsProblem ?? ClusterHealth.AlertsPartOf(alerts),
        };
    }

    private static async Task<KubeHealth> KubeAsync(ClusterPlan plan, HostSessionFactory connect, Dictionary<string, string> unreachable, bool monitoring,
        TimeSpan timeout, CancellationToken ct)
    {
        var first = plan.Hosts.FirstOrDefault(h => h.Has(Roles.ControlPlane));
        if (first is null) return KubeHealthReader.Unknown("the plan has no control plane", monitoring);
        if (unreachable.TryGetValue(first.Name, out var why)) return KubeHealthReader.Unknown($"the first control plane {first.Name} is unreachable: {why}", monitoring);
        try
        {
            await using var session = await connect(first, ct);
            return await KubeHealthReader.ReadAsync(session, monitoring, timeout, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return KubeHealthReader.Unknown($"{first.Name}: {e.Message}", monitoring);
        }
    }

    private static async Task<(IReadOnlyList<EtcdMemberHealth>, HealthPart)> EtcdAsync(ClusterContext ctx, EtcdSessionFactory connect, TimeSpan timeout, CancellationToken ct)
    {
        if (ctx.Plan.Secrets is not { } secrets) return ([], HealthPart.Unknown($"no kept secrets in {ctx.SecretsDir}: etcd is asked with the tool's client certificate"));
        try
        {
            var status = await new EtcdOperations(connect, ctx.Redactor, secrets, timeout).StatusAsync(ctx.Plan, ct);
            var members = status.Members.Select(m => new EtcdMemberHealth(m.Name, m.Planned && m.IsMember && !m.IsLearner && m.Healthy,
                m.Problem ?? (!m.IsMember ? "not a member" : !m.Planned ? "not in the stack" : m.IsLearner ? "a learner" : null))).ToList();
            if (status.Failure is not null) return (members, HealthPart.Unknown(status.Failure));
            if (status.Healthy) return (members, HealthPart.Healthy);
            var bad = members.Where(m => !m.Healthy).Select(m => $"{m.Name}: {m.Problem ?? "unhealthy"}").Concat(status.Alarms.Select(a => "alarm " + a));
            return (members, HealthPart.Degraded($"quorum {status.Quorum}; " + string.Join("; ", bad)));
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return ([], HealthPart.Unknown(e.Message));
        }
    }

    private static async Task<IReadOnlyList<HostExpiry>> CertificatesAsync(ClusterPlan plan, HostSessionFactory connect, Dictionary<string, string> unreachable,
        int concurrency, TimeSpan timeout, DateTimeOffset now, CancellationToken ct)
    {
        var reachable = plan.Hosts.Where(h => !unreachable.ContainsKey(h.Name)).ToList();
        var read = await CertificateReader.ReadAsync(reachable, connect, concurrency, timeout, ct);
        var result = plan.Hosts.Where(h => unreachable.ContainsKey(h.Name)).Select(h => new HostExpiry(h.Name, null, null, null, "unreachable")).ToList();
        foreach (var h in read)
        {
            var earliest = h.Certificates.OrderBy(c => c.NotAfter).FirstOrDefault();
            result.Add(earliest is null
                ? new HostExpiry(h.Host, null, null, null, h.Failure ?? "no certificates found")
                : new HostExpiry(h.Host, earliest.NotAfter, (int)Math.Floor((earliest.NotAfter - now).TotalDays), earliest.Subject, h.Failure));
        }
        return [.. result.OrderBy(r => r.Host, StringComparer.Ordinal)];
    }

    private static async Task<IReadOnlyList<HostBackup>> BackupsAsync(ClusterPlan plan, EtcdSessionFactory connect, Dictionary<string, string> unreachable,
        TimeSpan timeout, CancellationToken ct)
    {
        var members = EtcdBackupsRemote.Members(plan);
        var listed = await EtcdBackupsRemote.ListAsync([.. members.Where(m => !unreachable.ContainsKey(m.Name))], connect, timeout, ct);
        return
        [
            .. members.Where(m => unreachable.ContainsKey(m.Name)).Select(m => new HostBackup(m.Name, null, 0, "unreachable")),
            .. listed.Select(m => new HostBackup(m.Host, m.Snapshots.Count == 0 ? null : m.Snapshots.Max(s => s.Taken), m.Snapshots.Count, m.Failure, m.LastRun)),
        ];
    }
}
