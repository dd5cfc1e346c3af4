# control-plane.settings (the reconfigure procedure), on each control plane after its init or join, one control plane
# at a time: makes the API server, controller manager and scheduler run with the kubeadm configuration SETTINGS and
# the node's patches. APPLIED records the settings (DIGEST) in effect on this node; init and join leave FRESH with the
# SHA-256 of the settings file they ran with, so a node bootstrapped with the settings planned now takes DIGEST as in
# effect (a run cut off after the bootstrap, with settings changed since, does not). Otherwise the API server certificate (its SANs) and
# the static pod manifests are made again, each changed component is waited for until the kubelet runs the new
# manifest, the API server on this node must answer ready, and the configuration is uploaded for later joins.
# inputs: SETTINGS APPLIED FRESH DIGEST PATCHES_DIR PKI_DIR MANIFESTS_DIR ADMIN_CONF NODE NODE_API HEALTH_TIMEOUT
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
components=(kube-apiserver kube-controller-manager kube-scheduler)
# The kubelet's hash of a static pod, as its mirror pod shows it.
pod_hash() {
  kubectl -n kube-system get pod "$1-$NODE" -o 'go-template={{index .metadata.annotations "kubernetes.io/config.hash"}}' 2>/dev/null || true
}
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
for phase in apiserver controller-manager scheduler; do
  kubeadm init phase control-plane "$phase" --config "$SETTINGS" --patches "$PATCHES_DIR"
done
deadline=$((SECONDS + HEALTH_TIMEOUT))
# A changed manifest: wait until the kubelet runs it (its mirror pod's hash moves). The API server reloads its serving
# certificate from disk by itself.
for c in "${components[@]}"; do
  if cmp -s "$MANIFESTS_DIR/$c.yaml" "${APPLIED%/*}/$c.yaml.before"; then continue; fi
  until now=$(pod_hash "$c") && [ -n "$now" ] && [ "$now" != "${before[$c]}" ]; do
    if [ $SECONDS -ge $deadline ]; then
      echo "the kubelet did not run the new $c manifest on $NODE within $HEALTH_TIMEOUT s" >&2
      exit 1
    fi
    sleep 2
  done
done
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
