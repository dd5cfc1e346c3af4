# control-plane.init and control-plane.join, check: the node joined and runs an API server; kube-vip's manifest is the
# planned one (KUBE_VIP_SOURCE, empty without kube-vip).
# inputs: KUBELET_CONF MANIFESTS_DIR KUBE_VIP_SOURCE KUBE_VIP_MANIFEST
[ -f "$KUBELET_CONF" ]
[ -f "$MANIFESTS_DIR/kube-apiserver.yaml" ]
if [ -n "$KUBE_VIP_SOURCE" ]; then
  cmp -s "$KUBE_VIP_SOURCE" "$KUBE_VIP_MANIFEST"
fi
