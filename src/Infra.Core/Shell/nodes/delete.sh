# remove.delete-node: the node object goes from the cluster (its pods were evicted by the drain).
# inputs: ADMIN_CONF NODE
export KUBECONFIG=$ADMIN_CONF
kubectl delete node "$NODE" --ignore-not-found
