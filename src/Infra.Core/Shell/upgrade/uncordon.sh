# upgrade.uncordon.NODE, on the first control plane: the node Ready at the new version, then schedulable again. Also
# uncordons a node a killed run left cordoned, once its upgrade is done.
# inputs: KUBECONFIG_FILE NODE TO_VERSION READY_TIMEOUT
export KUBECONFIG="$KUBECONFIG_FILE"
kubectl wait --for=condition=Ready "node/$NODE" --timeout="$READY_TIMEOUT"
version=$(kubectl get node "$NODE" -o 'jsonpath={.status.nodeInfo.kubeletVersion}')
if [ "$version" != "v$TO_VERSION" ]; then
  echo "node $NODE reports kubelet $version after its upgrade, v$TO_VERSION is planned" >&2
  exit 1
fi
kubectl uncordon "$NODE"
