using Infra.Core.Etcd;
using Infra.Core.Model;
using Infra.Core.Pki;

namespace Infra.Core.NodePrograms;

/// <summary>
/// <c>etcd.backup</c> on an external etcd member: the snapshot script, <see cref="EtcdBackups.ServiceName"/> and
/// <see cref="EtcdBackups.TimerName"/>, the timer enabled and started. Snapshots go through the member's own
/// client URL with its health-check client certificate.
/// </summary>
internal static class EtcdBackupStep
{
    public static IReadOnlyList<Step> ForMember(BuildContext c, PlannedHost host)
    {
        if (!EtcdPhase.IsExternalMember(c.Spec, host)) return [];
        var backup = c.Spec.Etcd.Backup;
        var tls = new EtcdBackups.ClientTls(PkiFiles.ExternalEtcdCaCert, PkiFiles.ExternalEtcdHealthcheckCert, PkiFiles.ExternalEtcdHealthcheckKey);
        HostFile[] files =
        [
            Steps.File(EtcdBackups.ScriptPath, EtcdBackups.Script(tls, $"https://127.0.0.1:{PlannedMember.ClientPort}", backup.Keep), "0755"),
            Steps.File(EtcdBackups.ServiceUnitPath, EtcdBackups.ServiceUnit),
            Steps.File(EtcdBackups.TimerUnitPath, EtcdBackups.TimerUnit(backup.Schedule)),
        ];
        var script = Steps.FixModes(files) + $"""
            systemctl daemon-reload
            systemctl enable --quiet {EtcdBackups.TimerName}
            systemctl restart {EtcdBackups.TimerName}

            """;
        var check = Steps.FilesMatch(files) + $"""
            [ "$(systemctl is-enabled {EtcdBackups.TimerName} 2>/dev/null || true)" = enabled ]
            systemctl is-active --quiet {EtcdBackups.TimerName}

            """;
        var inputs = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["schedule"] = backup.Schedule, ["keep"] = backup.Keep.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return
        [
            Step.Create("etcd.backup", Phase.Etcd,
                $"Install {EtcdBackups.ServiceName} and {EtcdBackups.TimerName} (schedule '{backup.Schedule}', keep {backup.Keep}): verified snapshots 0600 under {EtcdBackups.Directory}",
                script, check, inputs, OsRelease.All, files),
        ];
    }
}
