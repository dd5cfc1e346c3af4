# reset.kubeadm: undo kubeadm init/join (static pods, kubeconfigs, local etcd data, kubelet state) and kube-vip's manifest.
# inputs: KUBE_VIP_MANIFEST
if command -v kubeadm >/dev/null; then
  kubeadm reset --force --cleanup-tmp-dir
fi
rm -f "$KUBE_VIP_MANIFEST"
