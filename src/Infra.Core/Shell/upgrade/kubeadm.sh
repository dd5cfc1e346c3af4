# upgrade.kubeadm, on the node (after upgrade.packages): the first control plane runs kubeadm upgrade apply, every
# other node kubeadm upgrade node; with the node's kubeadm patches (PATCHES_DIR, empty without), which live only on
# the node. The kubelet restarts later, after the drain (upgrade.kubelet).
# inputs: FIRST TO_VERSION PATCHES_DIR
patches=()
if [ -n "$PATCHES_DIR" ]; then
  patches=(--patches "$PATCHES_DIR")
fi
if [ "$FIRST" = "true" ]; then
  kubeadm upgrade apply "v$TO_VERSION" --yes "${patches[@]}"
else
  kubeadm upgrade node "${patches[@]}"
fi
