# control-plane.join (after kubeadm/join-config.sh): kube-vip's manifest first when the cluster has kube-vip
# (KUBE_VIP_SOURCE set), then kubeadm join.
# A run of kubeadm join leaves FRESH with the SHA-256 of the control-plane settings it joined with:
# control-plane.settings then takes them as in effect while they are still the planned ones; KUBELET_FRESH likewise
# for kubelet.settings (the join took the kubelet configuration the first control plane uploaded in this run).
# inputs: KUBE_VIP_SOURCE KUBE_VIP_MANIFEST FRESH SETTINGS KUBELET_FRESH KUBELET_SETTINGS
if [ -n "$KUBE_VIP_SOURCE" ]; then
  install -m 0600 "$KUBE_VIP_SOURCE" "$KUBE_VIP_MANIFEST"
fi
# shellcheck disable=SC2154 # join_config is set by kubeadm/join-config.sh
kubeadm join --config "$join_config"
mkdir -p "${FRESH%/*}"
sha256sum "$SETTINGS" | cut -d ' ' -f 1 > "$FRESH"
sha256sum "$KUBELET_SETTINGS" | cut -d ' ' -f 1 > "$KUBELET_FRESH"
