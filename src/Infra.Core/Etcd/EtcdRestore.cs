using Infra.Core.Kubeadm;

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
    public static string Stop(EtcdAccess access) => access == EtcdAccess.Host
        ? """
            set -euo pipefail
            systemctl stop etcd.service
            if systemctl is-active --quiet etcd.service; then
              echo 'etcd did not stop' >&2
              exit 1
            fi

            """
        : $$"""
            set -euo pipefail
            install -d -m 0700 {{StoppedManifests}}
            for m in etcd {{string.Join(' ', ControlPlanePods)}}; do
              if [ -f {{HostPaths.ManifestsDir}}/$m.yaml ]; then
                mv {{HostPaths.ManifestsDir}}/$m.yaml {{StoppedManifests}}/$m.yaml
              fi
            done
            for _ in $(seq 1 60); do
              if [ -z "$(crictl --runtime-endpoint {{EtcdCommands.CriEndpoint}} ps --name '^etcd$' -q)" ]; then
                exit 0
              fi
              sleep 1
            done
            echo 'the etcd container did not stop within 60 s' >&2
            exit 1

            """;

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
        : $$"""
            set -euo pipefail
            for m in etcd {{string.Join(' ', ControlPlanePods)}}; do
              if [ -f {{StoppedManifests}}/$m.yaml ]; then
                mv {{StoppedManifests}}/$m.yaml {{HostPaths.ManifestsDir}}/$m.yaml
              fi
            done

            """;

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
    public static string StopControlPlane => $$"""
        set -euo pipefail
        moved=0
        install -d -m 0700 {{StoppedManifests}}
        for m in {{string.Join(' ', ControlPlanePods)}}; do
          if [ -f {{HostPaths.ManifestsDir}}/$m.yaml ]; then
            mv {{HostPaths.ManifestsDir}}/$m.yaml {{StoppedManifests}}/$m.yaml
            moved=1
          fi
        done
        if [ "$moved" = 1 ] && command -v crictl >/dev/null 2>&1; then
          stopped=0
          for _ in $(seq 1 60); do
            if [ -z "$(crictl --runtime-endpoint {{EtcdCommands.CriEndpoint}} ps --name '^kube-apiserver$' -q)" ]; then
              stopped=1
              break
            fi
            sleep 1
          done
          if [ "$stopped" = 0 ]; then
            echo 'the kube-apiserver container did not stop within 60 s' >&2
            exit 1
          fi
        fi
        if [ "$moved" = 1 ]; then echo stopped; fi

        """;

    /// <summary>Puts back what <see cref="StopControlPlane"/> moved aside (kubelet starts the pods again).</summary>
    public static string StartControlPlane => $$"""
        set -euo pipefail
        for m in {{string.Join(' ', ControlPlanePods)}}; do
          if [ -f {{StoppedManifests}}/$m.yaml ]; then
            mv {{StoppedManifests}}/$m.yaml {{HostPaths.ManifestsDir}}/$m.yaml
          fi
        done

        """;

    /// <summary>Bash that removes the uploaded snapshot (after a refusal or a failure).</summary>
    public static string Cleanup => $"rm -f {SnapshotOnHost}\n";
}
