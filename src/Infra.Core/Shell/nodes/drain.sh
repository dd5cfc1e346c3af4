# A node drained from the first control plane (before its upgrade, or its removal): cordoned, its pods evicted so
# PodDisruptionBudgets hold (never --force or --disable-eviction), bounded by DRAIN_TIMEOUT. A drain that cannot
# finish fails the step, naming the node (kubectl names the pods); the node stays cordoned. A node the API server
# no longer has is already gone.
# inputs: ADMIN_CONF NODE DRAIN_TIMEOUT
export KUBECONFIG=$ADMIN_CONF
if ! kubectl get node "$NODE" >/dev/null 2>&1; then
  echo "node $NODE is not in the cluster: nothing to drain"
  exit 0
fi
if ! kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data --timeout="$DRAIN_TIMEOUT"; then
  echo "node $NODE could not be drained within $DRAIN_TIMEOUT (a PodDisruptionBudget that does not allow the eviction?); it stays cordoned" >&2
  exit 1
fi
