# control-plane.join, first: a host that already joined as a control plane does nothing.
# inputs: KUBELET_CONF MANIFESTS_DIR
if [ -f "$KUBELET_CONF" ] && [ -f "$MANIFESTS_DIR/kube-apiserver.yaml" ]; then
  echo 'this host already joined the cluster as a control plane'
  exit 0
fi
