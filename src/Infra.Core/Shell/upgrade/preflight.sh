# upgrade.preflight, on the first control plane, before any node changes: every node at the old version (or,
# resumed, already at the new one), the API and etcd healthy, kubeadm's own upgrade plan, and an etcd snapshot
# taken and verified.
# inputs: KUBECONFIG_FILE FROM_VERSION TO_VERSION NODES[] SNAPSHOT_DIR ETCD_STACKED
export KUBECONFIG="$KUBECONFIG_FILE"
kubectl get --raw /readyz >/dev/null
kubectl get --raw /readyz/etcd >/dev/null
for node in "${NODES[@]}"; do
  version=$(kubectl get node "$node" -o 'jsonpath={.status.nodeInfo.kubeletVersion}')
  if [ "$version" != "v$FROM_VERSION" ] && [ "$version" != "v$TO_VERSION" ]; then
    echo "node $node runs kubelet $version; an upgrade from $FROM_VERSION needs every node at v$FROM_VERSION" >&2
    exit 1
  fi
done
kubeadm upgrade plan "v$TO_VERSION"
if [ "$ETCD_STACKED" = "true" ]; then
  mkdir -p "$SNAPSHOT_DIR"
  chmod 0700 "$SNAPSHOT_DIR"
  snapshot="$SNAPSHOT_DIR/before-v$TO_VERSION.db"
  node=$(hostname)
  # The etcd pod's data directory is the host's, so the snapshot it saves there is on this host.
  kubectl -n kube-system exec "etcd-$node" -- etcdctl --endpoints=https://127.0.0.1:2379 \
    --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt \
    --key=/etc/kubernetes/pki/etcd/healthcheck-client.key snapshot save /var/lib/etcd/infra-upgrade-snapshot.db
  kubectl -n kube-system exec "etcd-$node" -- etcdutl snapshot status /var/lib/etcd/infra-upgrade-snapshot.db >/dev/null
  mv /var/lib/etcd/infra-upgrade-snapshot.db "$snapshot"
  chmod 0600 "$snapshot"
  echo "etcd snapshot before the upgrade: $snapshot"
fi
