# upgrade.drain.NODE, on the first control plane: evictions only (PodDisruptionBudgets hold), bounded; never --force
# or --disable-eviction. A drain that cannot finish fails this step, naming the node; the others stay as they are.
# inputs: KUBECONFIG_FILE NODE DRAIN_TIMEOUT TO_VERSION
export KUBECONFIG="$KUBECONFIG_FILE"
if ! kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data --timeout="$DRAIN_TIMEOUT"; then
  echo "node $NODE could not be drained within $DRAIN_TIMEOUT (a PodDisruptionBudget that does not allow the eviction?); it stays cordoned, not yet upgraded to $TO_VERSION" >&2
  exit 1
fi
