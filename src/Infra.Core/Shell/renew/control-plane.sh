# renew.control-plane, script: kubeadm renews its own certificates by name (never "all": with stacked etcd that would
# re-issue the tool's etcd certificates behind the kept secrets' back); static-pods/restart.sh follows.
# inputs: KUBEADM_CERTS[] KUBECONFIGS[] KUBERNETES_DIR
for c in "${KUBEADM_CERTS[@]}"; do
  kubeadm certs renew "$c"
done
for c in "${KUBECONFIGS[@]}"; do
  if [ -f "$KUBERNETES_DIR/$c" ]; then kubeadm certs renew "$c"; fi
done
