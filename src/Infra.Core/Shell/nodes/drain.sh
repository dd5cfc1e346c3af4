# remove.drain: cordon the node and evict its pods (evictions, so PodDisruptionBudgets hold; never --force or
# --disable-eviction), bounded by DRAIN_TIMEOUT. A node the API server no longer has is already gone.
# inputs: ADMIN_CONF NODE DRAIN_TIMEOUT
export KUBECONFIG=$ADMIN_CONF
if ! kubectl get node "$NODE" >/dev/null 2>&1; then
  echo "node $NODE is not in the cluster: nothing to drain"
  exit 0
fi
kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data --timeout="$DRAIN_TIMEOUT"
