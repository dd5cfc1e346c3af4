using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.Pki;
using Infra.Core.Shell;
using Infra.Core.Spec;

namespace Infra.Core.NodePrograms;

/// <summary>
/// <c>etcd.backup</c> on every etcd member: the snapshot script, <see cref="EtcdBackups.ServiceName"/> and
/// <see cref="EtcdBackups.TimerName"/>, the timer enabled and started. Snapshots go through the member's own client
/// URL with its health-check client certificate: an external member's with etcdctl on the host (phase etcd), stacked
/// etcd's with the commands run inside kubeadm's etcd container, once the control plane is up (phase control-plane).
/// </summary>
internal static class EtcdBackupStep
{
    public static IReadOnlyList<Step> ForMember(BuildContext c, PlannedHost host)
    {
        if (!EtcdPhase.IsExternalMember(c.Spec, host)) return [];
        var tls = new EtcdBackups.ClientTls(PkiFiles.ExternalEtcdCaCert, PkiFiles.ExternalEtcdHealthcheckCert, PkiFiles.ExternalEtcdHealthcheckKey);
        return [Install(c, "etcd.backup", Phase.Etcd, EtcdBackups.Script(tls, LocalEndpoint, c.Spec.Etcd.Backup.Keep))];
    }

    /// <summary>A control plane's stacked etcd member: the same units, snapshots taken inside kubeadm's etcd container.</summary>
    public static IReadOnlyList<Step> ForStackedControlPlane(BuildContext c, PlannedHost host)
    {
        if (!IsStackedMember(c.Spec, host)) return [];
        return [Install(c, "control-plane.etcd-backup", Phase.ControlPlane, EtcdBackups.StackedScript(EtcdCommands.KubeadmHealthcheck, LocalEndpoint, c.Spec.Etcd.Backup.Keep))];
    }

    /// <summary>A stacked control plane's reset: the units and script gone (an external member's reset.etcd removes its own); snapshots stay.</summary>
    public static IReadOnlyList<Step> ResetForStackedControlPlane(BuildContext c, PlannedHost host)
    {
        if (!IsStackedMember(c.Spec, host)) return [];
        ShellArgs Args() => new ShellArgs().List("FILES", [EtcdBackups.TimerUnitPath, EtcdBackups.ServiceUnitPath, EtcdBackups.ScriptPath, EtcdBackups.TimerStamp])
            .List("UNITS", [EtcdBackups.TimerName, EtcdBackups.ServiceName]);
        return
        [
            Step.Create("reset.etcd-backup", Phase.Reset, $"Stop and disable the scheduled etcd snapshots, remove their units and script (snapshots in {EtcdBackups.Directory} stay)",
                ShellScript.Render(Args().Set("STAMP_DIR", EtcdBackups.TimerStampDir), ShellScript.Load("etcd/reset.sh")),
                ShellScript.Render(Args(), ShellScript.Load("etcd/reset-check.sh")),
                Steps.In(), OsRelease.All),
        ];
    }

    private static bool IsStackedMember(ClusterSpec spec, PlannedHost host) => spec.Etcd.Topology == EtcdTopology.Stacked && host.Has(Roles.ControlPlane);

    private static string LocalEndpoint => $"https://127.0.0.1:{PlannedMember.ClientPort}";

    private static Step Install(BuildContext c, string id, Phase phase, string script)
    {
        var backup = c.Spec.Etcd.Backup;
        HostFile[] files =
        [
            Steps.File(EtcdBackups.ScriptPath, script, "0755"),
            Steps.File(EtcdBackups.ServiceUnitPath, EtcdBackups.ServiceUnit),
            Steps.File(EtcdBackups.TimerUnitPath, EtcdBackups.TimerUnit(backup.Schedule)),
        ];
        var run = Steps.FixModes(files) + $"""
            systemctl daemon-reload
            systemctl enable --quiet {EtcdBackups.TimerName}
            systemctl restart {EtcdBackups.TimerName}

            """;
        var check = Steps.FilesMatch(files) + $"""
            [ "$(systemctl is-enabled {EtcdBackups.TimerName} 2>/dev/null || true)" = enabled ]
            systemctl is-active --quiet {EtcdBackups.TimerName}

            """;
        var inputs = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["schedule"] = backup.Schedule, ["keep"] = backup.Keep.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return Step.Create(id, phase,
            $"Install {EtcdBackups.ServiceName} and {EtcdBackups.TimerName} (schedule '{backup.Schedule}', keep {backup.Keep}): verified snapshots 0600 under {EtcdBackups.Directory}",
            run, check, inputs, OsRelease.All, files);
    }
}
