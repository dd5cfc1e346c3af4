# workers.join, first: a host that already joined does nothing.
# inputs: KUBELET_CONF
if [ -f "$KUBELET_CONF" ]; then
  echo 'this host already joined the cluster'
  exit 0
fi
