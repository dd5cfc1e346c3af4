# control-plane.join (after kubeadm/join-config.sh): kube-vip's manifest first when the cluster has kube-vip
# (KUBE_VIP_SOURCE set), then kubeadm join.
# inputs: KUBE_VIP_SOURCE KUBE_VIP_MANIFEST
if [ -n "$KUBE_VIP_SOURCE" ]; then
  install -m 0600 "$KUBE_VIP_SOURCE" "$KUBE_VIP_MANIFEST"
fi
# shellcheck disable=SC2154 # join_config is set by kubeadm/join-config.sh
kubeadm join --config "$join_config"
