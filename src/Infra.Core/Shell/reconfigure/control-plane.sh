# control-plane.settings (the reconfigure procedure), on each control plane after its init or join, one control plane
# at a time: makes the API server, controller manager and scheduler run with the kubeadm configuration SETTINGS and
# the node's patches. APPLIED records the settings (DIGEST) in effect on this node; init and join leave FRESH with the
# SHA-256 of the settings file they ran with, so a node bootstrapped with the settings planned now takes DIGEST as in
# effect (a run cut off after the bootstrap, with settings changed since, does not). Otherwise the API server certificate (its SANs) and
# the static pod manifests are made again, each changed component is waited for until the kubelet runs the new
# manifest, the API server on this node must answer ready, and the configuration is uploaded for later joins.
# With stacked etcd (STACKED_ETCD set) its manifest is made first, with the same settings and patches, only while every
# member answers; when it changed, the step goes on only once the kubelet runs it and this member and every member
# answer again (ETCD_CTL: etcdctl with kubeadm's health-check client, run in the etcd container by crictl). kubeadm's
# "init phase etcd local" writes --initial-cluster with this member alone, as kubeadm's own upgrade does for every
# control plane: etcd reads the --initial-cluster flags only to bootstrap, never with a data directory that has a WAL.
# inputs: SETTINGS APPLIED FRESH DIGEST PATCHES_DIR PKI_DIR MANIFESTS_DIR ADMIN_CONF NODE NODE_API HEALTH_TIMEOUT
# inputs: STACKED_ETCD CRI_ENDPOINT ETCD_LOCAL ETCD_CTL[]
mkdir -p "${APPLIED%/*}"
if [ -f "$FRESH" ]; then
  if [ "$(cat "$FRESH")" = "$(sha256sum "$SETTINGS" | cut -d ' ' -f 1)" ]; then
    printf '%s\n' "$DIGEST" > "$APPLIED"
    rm -f "$FRESH"
    echo 'this control plane was bootstrapped with these settings: in effect'
    exit 0
  fi
  rm -f "$FRESH"
fi
if [ -f "$APPLIED" ] && [ "$(cat "$APPLIED")" = "$DIGEST" ]; then
  echo 'these settings are in effect on this control plane'
  exit 0
fi
export KUBECONFIG=$ADMIN_CONF
if [ -n "$STACKED_ETCD" ]; then
  # The running etcd container (a new one after the kubelet restarts etcd): this member, then every member, answers.
  etcd_healthy() {
    local container
    container=$(crictl --runtime-endpoint "$CRI_ENDPOINT" ps --name '^etcd$' --state running -q | sed -n 1p)
    [ -n "$container" ] \
      && crictl --runtime-endpoint "$CRI_ENDPOINT" exec "$container" "${ETCD_CTL[@]}" --endpoints="$ETCD_LOCAL" endpoint health \
      && crictl --runtime-endpoint "$CRI_ENDPOINT" exec "$container" "${ETCD_CTL[@]}" --endpoints="$ETCD_LOCAL" endpoint health --cluster
  }
  if ! etcd_healthy >/dev/null 2>&1; then
    echo "not every etcd member is healthy: etcd's manifest on $NODE is not made again, as restarting this member could cost quorum" >&2
    etcd_healthy >&2 || true
    exit 1
  fi
fi
components=(kube-apiserver kube-controller-manager kube-scheduler)
# The kubelet's hash of a static pod, as its mirror pod shows it.
pod_hash() {
  kubectl -n kube-system get pod "$1-$NODE" -o 'go-template={{index .metadata.annotations "kubernetes.io/config.hash"}}' 2>/dev/null || true
}
if [ -n "$STACKED_ETCD" ]; then components=(etcd "${components[@]}"); fi
declare -A before
for c in "${components[@]}"; do
  before[$c]=$(pod_hash "$c")
  cp -p "$MANIFESTS_DIR/$c.yaml" "${APPLIED%/*}/$c.yaml.before" 2>/dev/null || : > "${APPLIED%/*}/$c.yaml.before"
done
# kubeadm keeps an existing API server certificate signed by the cluster CA whatever names it holds: the old one is
# moved aside (and put back if kubeadm fails) so that the certificate is made with the SANs the settings ask for.
for f in apiserver.crt apiserver.key; do
  if [ -f "$PKI_DIR/$f" ]; then mv -f "$PKI_DIR/$f" "$PKI_DIR/$f.infra-old"; fi
done
if ! kubeadm init phase certs apiserver --config "$SETTINGS"; then
  for f in apiserver.crt apiserver.key; do
    if [ -f "$PKI_DIR/$f.infra-old" ]; then mv -f "$PKI_DIR/$f.infra-old" "$PKI_DIR/$f"; fi
  done
  exit 1
fi
rm -f "$PKI_DIR/apiserver.crt.infra-old" "$PKI_DIR/apiserver.key.infra-old"
deadline=$((SECONDS + HEALTH_TIMEOUT))
# A changed manifest: wait until the kubelet runs it (its mirror pod's hash moves).
wait_new_manifest() {
  if cmp -s "$MANIFESTS_DIR/$1.yaml" "${APPLIED%/*}/$1.yaml.before"; then return 0; fi
  until now=$(pod_hash "$1") && [ -n "$now" ] && [ "$now" != "${before[$1]}" ]; do
    if [ $SECONDS -ge $deadline ]; then
      echo "the kubelet did not run the new $1 manifest on $NODE within $HEALTH_TIMEOUT s" >&2
      exit 1
    fi
    sleep 2
  done
}
if [ -n "$STACKED_ETCD" ]; then
  kubeadm init phase etcd local --config "$SETTINGS" --patches "$PATCHES_DIR"
  if ! cmp -s "$MANIFESTS_DIR/etcd.yaml" "${APPLIED%/*}/etcd.yaml.before"; then
    wait_new_manifest etcd
    until etcd_healthy >/dev/null 2>&1; do
      if [ $SECONDS -ge $deadline ]; then
        echo "etcd on $NODE and every member were not healthy within $HEALTH_TIMEOUT s of its new manifest" >&2
        etcd_healthy >&2 || true
        exit 1
      fi
      sleep 2
    done
  fi
fi
for phase in apiserver controller-manager scheduler; do
  kubeadm init phase control-plane "$phase" --config "$SETTINGS" --patches "$PATCHES_DIR"
done
# The API server reloads its serving certificate from disk by itself.
for c in kube-apiserver kube-controller-manager kube-scheduler; do wait_new_manifest "$c"; done
until kubectl --server "$NODE_API" get --raw=/readyz >/dev/null 2>&1; do
  if [ $SECONDS -ge $deadline ]; then
    echo "the API server on $NODE ($NODE_API) was not ready within $HEALTH_TIMEOUT s" >&2
    exit 1
  fi
  sleep 2
done
kubeadm init phase upload-config kubeadm --config "$SETTINGS"
rm -f "${APPLIED%/*}"/*.yaml.before
printf '%s\n' "$DIGEST" > "$APPLIED"
