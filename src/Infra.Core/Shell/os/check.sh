# prepare.os, check: the host runs the planned OS with systemd, and cgroup v2 when the Kubernetes minor needs it.
# inputs: OS_ID OS_VERSION_ID OS_NAME CGROUP_V2 K8S_MINOR
. /etc/os-release
if [ "${ID:-}" != "$OS_ID" ] || [ "${VERSION_ID:-}" != "$OS_VERSION_ID" ]; then
  echo "this host runs ${PRETTY_NAME:-an unknown OS}; the plan expects $OS_NAME" >&2
  exit 1
fi
if ! command -v systemctl >/dev/null; then
  echo 'systemd is required' >&2
  exit 1
fi
if [ "$CGROUP_V2" = required ] && [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
  echo "Kubernetes $K8S_MINOR needs cgroup v2 (the unified hierarchy); this host uses cgroup v1" >&2
  exit 1
fi
