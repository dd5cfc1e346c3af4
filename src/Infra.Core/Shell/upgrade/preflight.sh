# upgrade.preflight, on the first control plane, before any node changes: every node at the old version (or,
# resumed, already at the new one), the API and etcd healthy, kubeadm's own upgrade plan. With stacked etcd the
# planner appends the snapshot (the project's etcd commands, run in the etcd container).
# inputs: KUBECONFIG_FILE FROM_VERSION TO_VERSION NODES[]
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
