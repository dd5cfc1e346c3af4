# workers.join (after kubeadm/join-config.sh). A run of kubeadm join leaves KUBELET_FRESH with the SHA-256 of the
# kubelet settings planned now (the join took the kubelet configuration the first control plane uploaded in this run):
# kubelet.settings then takes them as in effect while they are still the planned ones.
# inputs: KUBELET_FRESH KUBELET_SETTINGS
# shellcheck disable=SC2154 # join_config is set by kubeadm/join-config.sh
kubeadm join --config "$join_config"
mkdir -p "${KUBELET_FRESH%/*}"
sha256sum "$KUBELET_SETTINGS" | cut -d ' ' -f 1 > "$KUBELET_FRESH"
