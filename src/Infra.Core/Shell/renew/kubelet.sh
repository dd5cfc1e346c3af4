# renew.kubelet, script: restarts the kubelet so that it serves its renewed serving certificate, and waits until the
# unit is active again.
# inputs: HEALTH_TIMEOUT
systemctl restart kubelet.service
deadline=$((SECONDS + HEALTH_TIMEOUT))
until systemctl is-active --quiet kubelet.service; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "the kubelet is not active ${HEALTH_TIMEOUT} s after the restart" >&2
    systemctl status --no-pager kubelet.service >&2 || true
    exit 1
  fi
  sleep 0.2
done
