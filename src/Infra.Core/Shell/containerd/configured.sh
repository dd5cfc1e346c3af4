# prepare.containerd, check (after containerd/mirrors.sh): the staged configuration is the one in place, no stale
# mirror is left, containerd runs.
# inputs: CONFIG CONFIG_STAGED
cmp -s "$CONFIG_STAGED" "$CONFIG"
[ -z "$(infra_stale_mirrors)" ]
systemctl is-active --quiet containerd
