# renew.etcd-member, script: restarts the external etcd member so that it serves its renewed certificates. It restarts
# only when every member answers first (a restart then never costs quorum), and ends only when every member answers
# again, this one included, so that the next member's renewal starts from a healthy cluster.
# ETCD_CTL is etcdctl with the member's health-check client certificate; CLUSTER_ENDPOINTS every member's client URL.
# inputs: ETCD_CTL[] CLUSTER_ENDPOINTS LOCAL_ENDPOINT HEALTH_TIMEOUT
cluster_healthy() { "${ETCD_CTL[@]}" --endpoints="$CLUSTER_ENDPOINTS" endpoint health; }
if ! cluster_healthy >/dev/null 2>&1; then
  echo "not every etcd member is healthy: this member is not restarted, as that could cost quorum" >&2
  cluster_healthy >&2 || true
  exit 1
fi
systemctl restart etcd.service
deadline=$((SECONDS + HEALTH_TIMEOUT))
until "${ETCD_CTL[@]}" --endpoints="$LOCAL_ENDPOINT" endpoint health >/dev/null 2>&1 && cluster_healthy >/dev/null 2>&1; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "etcd is not healthy ${HEALTH_TIMEOUT} s after the restart" >&2
    cluster_healthy >&2 || true
    exit 1
  fi
  sleep 0.2
done
