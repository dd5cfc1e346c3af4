# control-plane.join (after kubeadm/join-config.sh): kube-vip's manifest first when the cluster has kube-vip
# (KUBE_VIP_SOURCE set), then kubeadm join.
# A run of kubeadm join leaves FRESH with the SHA-256 of the control-plane settings it joined with:
# control-plane.settings then takes them as in effect while they are still the planned ones.
# inputs: KUBE_VIP_SOURCE KUBE_VIP_MANIFEST FRESH SETTINGS
if [ -n "$KUBE_VIP_SOURCE" ]; then
  install -m 0600 "$KUBE_VIP_SOURCE" "$KUBE_VIP_MANIFEST"
fi
# shellcheck disable=SC2154 # join_config is set by kubeadm/join-config.sh
kubeadm join --config "$join_config"
mkdir -p "${FRESH%/*}"
sha256sum "$SETTINGS" | cut -d ' ' -f 1 > "$FRESH"
