# prepare.containerd-install, preinstalled source, check (after containerd/version.sh): a containerd the Kubernetes
# minor supports, and runc.
# inputs: MINIMUM_CONTAINERD K8S_MINOR
# shellcheck disable=SC2154 # containerd_version is set by containerd/version.sh
if [ "$(printf '%s\n' "$MINIMUM_CONTAINERD" "$containerd_version" | sort -V | head -n 1)" != "$MINIMUM_CONTAINERD" ]; then
  echo "containerd $containerd_version is older than $MINIMUM_CONTAINERD, the oldest Kubernetes $K8S_MINOR supports" >&2
  exit 1
fi
if ! command -v runc >/dev/null; then
  echo 'runc is not installed' >&2
  exit 1
fi
