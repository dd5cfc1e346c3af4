# prepare.containerd-install, bundle source, check (after containerd/version.sh).
# inputs: CONTAINERD_VERSION
# shellcheck disable=SC2154 # containerd_version is set by containerd/version.sh
[ "$containerd_version" = "$CONTAINERD_VERSION" ]
[ -x /usr/local/sbin/runc ]
