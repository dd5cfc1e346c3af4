using Infra.Core.Model;
using Infra.Core.Shell;

namespace Infra.Core.Etcd;

/// <summary>
/// The scripts of a restore, per member: stop, restore the snapshot as a member of a new cluster (new token, the
/// member's own name and peer URL), start. The member's previous database is kept beside the new one as
/// <c>member.before-restore</c> (same disk, so the move is a rename even when the data folder is a mount point).
/// </summary>
public static class EtcdRestore
{
    /// <summary>Where the snapshot is uploaded on every member before anything stops.</summary>
    public const string SnapshotOnHost = HostPaths.JournalDir + "/etcd-restore.db";
    public const string PreviousData = HostPaths.EtcdDataDir + "/member.before-restore";
    public const string Staging = HostPaths.EtcdDataDir + "/restoring";
    /// <summary>Stacked etcd: where the etcd and API server manifests wait while etcd is restored.</summary>
    public const string StoppedManifests = HostPaths.InfraDir + "/stopped-manifests";

    /// <summary>Stops the member (for a static pod: its manifest and the control-plane pods' move aside) and waits until it is gone.</summary>
    public static string Stop(EtcdAccess access) => Header + (access == EtcdAccess.Host
        ? ShellScript.Render(new ShellArgs(), Sh("etcd-restore/stop-service.sh"))
        : ShellScript.Render(Manifests().Set("CRI_ENDPOINT", EtcdCommands.CriEndpoint), Sh("etcd-restore/stop-static-pod.sh")));

    private const string Header = "set -euo pipefail\n";

    private static ShellSource Sh(string name) => ShellScript.Load(name);

    private static ShellArgs Manifests() => new ShellArgs().Set("STOPPED_MANIFESTS", StoppedManifests).Set("MANIFESTS_DIR", HostPaths.ManifestsDir)
        .List("CONTROL_PLANE_PODS", ControlPlanePods);

    /// <summary>Restores the uploaded snapshot into the data folder as <paramref name="member"/> of a new cluster.</summary>
    public static string Restore(EtcdCommands commands, PlannedMember member, IReadOnlyList<PlannedMember> members, string token)
    {
        var data = HostPaths.EtcdDataDir;
        var image = commands.Access == EtcdAccess.StaticPod
            ? $$"""
                etcd_image=$(awk '$1 == "image:" { print $2; exit }' {{StoppedManifests}}/etcd.yaml)
                if [ -z "$etcd_image" ]; then
                  echo 'cannot read the etcd image from the stopped etcd manifest' >&2
                  exit 1
                fi

                """
            : "";
        var owner = commands.Access == EtcdAccess.Host ? $"chown -R etcd:etcd {data}\n" : "";
        return $"""
            set -euo pipefail
            if [ ! -f {SnapshotOnHost} ]; then
              echo 'the snapshot was not uploaded to {SnapshotOnHost}' >&2
              exit 1
            fi
            {image}install -d -m 0700 {data}
            rm -rf {PreviousData} {Staging}
            if [ -d {data}/member ]; then
              mv {data}/member {PreviousData}
            fi
            {commands.SnapshotRestore(SnapshotOnHost, member, EtcdMembers.InitialCluster(members), token, Staging)}
            mv {Staging}/member {data}/member
            rmdir {Staging}
            {owner}chmod 0700 {data}
            rm -f {SnapshotOnHost}

            """;
    }

    /// <summary>Starts the member without waiting: it is ready only once a majority of the restored members runs.</summary>
    public static string Start(EtcdAccess access) => access == EtcdAccess.Host
        ? "set -euo pipefail\nsystemctl start --no-block etcd.service\n"
        : Header + ShellScript.Render(Manifests(), Sh("etcd-restore/start-static-pod.sh"));

    /// <summary>
    /// The control-plane static pods that cache what etcd holds: stopped for the length of a restore so that
    /// nothing writes to the old data while members stop, and nothing serves a cache of it afterwards.
    /// </summary>
    public static readonly IReadOnlyList<string> ControlPlanePods = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"];

    /// <summary>
    /// External etcd: on a control plane, moves the API server, controller manager and scheduler manifests aside and
    /// waits until kubelet has stopped the API server. Prints <c>stopped</c> when it moved any (a host that was
    /// never initialised has none).
    /// </summary>
    public static string StopControlPlane =>
        Header + ShellScript.Render(Manifests().Set("CRI_ENDPOINT", EtcdCommands.CriEndpoint), Sh("etcd-restore/stop-control-plane.sh"));

    /// <summary>Puts back what <see cref="StopControlPlane"/> moved aside (kubelet starts the pods again).</summary>
    public static string StartControlPlane => Header + ShellScript.Render(Manifests(), Sh("etcd-restore/start-control-plane.sh"));

    /// <summary>Bash that removes the uploaded snapshot (after a refusal or a failure).</summary>
    public static string Cleanup => $"rm -f {SnapshotOnHost}\n";
}
