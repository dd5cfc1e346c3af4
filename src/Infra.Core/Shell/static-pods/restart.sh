# Restarts this control plane's static pods MANIFESTS as kubeadm's documentation says: each manifest taken out until
# the kubelet has stopped its container (the kubelet looks every fileCheckFrequency, 20 s by default), then put back;
# this control plane's own API server (asked at LOCAL_API, by the name 'kubernetes' its certificate holds) must answer
# /readyz again before the script ends.
# inputs: MANIFESTS[] MANIFEST_DIR PARKED_DIR HEALTH_TIMEOUT ADMIN_CONF LOCAL_API
mkdir -p "$PARKED_DIR"
chmod 0700 "$PARKED_DIR"
for m in "${MANIFESTS[@]}"; do
  [ -f "$MANIFEST_DIR/$m" ] || [ -f "$PARKED_DIR/$m" ] || continue
  # A manifest left parked by a run that stopped here is put back by this one.
  if [ -f "$MANIFEST_DIR/$m" ]; then mv "$MANIFEST_DIR/$m" "$PARKED_DIR/$m"; fi
  deadline=$((SECONDS + HEALTH_TIMEOUT))
  while [ -n "$(crictl ps --name "^${m%.yaml}\$" -q 2>/dev/null)" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "the kubelet did not stop ${m%.yaml} within ${HEALTH_TIMEOUT} s of its manifest being taken out" >&2
      mv "$PARKED_DIR/$m" "$MANIFEST_DIR/$m"
      exit 1
    fi
    sleep 1
  done
  mv "$PARKED_DIR/$m" "$MANIFEST_DIR/$m"
done
rmdir "$PARKED_DIR" 2>/dev/null || true
deadline=$((SECONDS + HEALTH_TIMEOUT))
until kubectl --kubeconfig "$ADMIN_CONF" --server "$LOCAL_API" --tls-server-name kubernetes get --raw=/readyz >/dev/null 2>&1; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "the API server does not answer /readyz ${HEALTH_TIMEOUT} s after its restart" >&2
    exit 1
  fi
  sleep 1
done
