# control-plane.join (after kubeadm/join-config.sh): kube-vip's manifest first when the cluster has kube-vip
# (KUBE_VIP_SOURCE set), then kubeadm join.
# A run of kubeadm join leaves FRESH: control-plane.settings then takes this node's settings as in effect.
# inputs: KUBE_VIP_SOURCE KUBE_VIP_MANIFEST FRESH
if [ -n "$KUBE_VIP_SOURCE" ]; then
  install -m 0600 "$KUBE_VIP_SOURCE" "$KUBE_VIP_MANIFEST"
fi
# shellcheck disable=SC2154 # join_config is set by kubeadm/join-config.sh
kubeadm join --config "$join_config"
mkdir -p "${FRESH%/*}"
touch "$FRESH"
