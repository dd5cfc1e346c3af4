# kubelet.settings (the kubelet configuration procedure), on each node after its init or join: control planes one at a
# time in their waves, workers one at a time in a wave of their own. Makes the kubelet run with the KubeletConfiguration
# SETTINGS (DIGEST is its SHA-256). APPLIED records the digest in effect on this node; init and join leave FRESH with
# the SHA-256 of the settings they ran with, so a node bootstrapped with the settings planned now takes them as in
# effect without a restart. Otherwise: on the first control plane (UPLOAD_WITH set: its InitConfiguration and
# ClusterConfiguration) the cluster's kubelet-config ConfigMap is uploaded first, which later joins and kubeadm
# upgrade read; then kubeadm writes this node's configuration from that ConfigMap, and when the file changed the
# kubelet restarts, must answer its health endpoint and its Node must be Ready before the digest is recorded.
# inputs: SETTINGS APPLIED FRESH DIGEST ANNOTATION UPLOAD_WITH RUNTIME_DIR KUBECONFIG_FILE PATCHES_DIR KUBELET_CONFIG NODE HEALTHZ_PORT HEALTH_TIMEOUT
mkdir -p "${APPLIED%/*}"
if [ -f "$FRESH" ]; then
  if [ "$(cat "$FRESH")" = "$DIGEST" ]; then
    printf '%s\n' "$DIGEST" > "$APPLIED"
    rm -f "$FRESH"
    echo 'this node was bootstrapped with this kubelet configuration: in effect'
    exit 0
  fi
  rm -f "$FRESH"
fi
if [ -f "$APPLIED" ] && [ "$(cat "$APPLIED")" = "$DIGEST" ]; then
  echo 'this kubelet configuration is in effect on this node'
  exit 0
fi
if [ "$(sha256sum "$SETTINGS" | cut -d ' ' -f 1)" != "$DIGEST" ]; then
  echo "$SETTINGS is not the planned kubelet configuration: run apply again (prepare places it)" >&2
  exit 1
fi
if [ -n "$UPLOAD_WITH" ]; then
  mkdir -p "$RUNTIME_DIR"
  upload="$RUNTIME_DIR/kubelet-upload.yaml"
  (umask 077 && { cat "$UPLOAD_WITH"; echo '---'; cat "$SETTINGS"; } > "$upload")
  kubeadm init phase upload-config kubelet --config "$upload" --kubeconfig "$KUBECONFIG_FILE"
  rm -f "$upload"
  kubectl --kubeconfig "$KUBECONFIG_FILE" -n kube-system annotate configmap kubelet-config --overwrite "$ANNOTATION=$DIGEST"
fi
# kubeadm writes what the cluster's ConfigMap holds: only once the first control plane uploaded this configuration
# (its annotation names the digest; the kubelet's own credentials may read that ConfigMap). A stale ConfigMap (the first
# control plane failed, or is not in --hosts) stops here rather than record a configuration that is not in effect.
uploaded=$(kubectl --kubeconfig "$KUBECONFIG_FILE" -n kube-system get configmap kubelet-config -o "jsonpath={.metadata.annotations.$ANNOTATION}")
if [ "$uploaded" != "$DIGEST" ]; then
  echo "the cluster's kubelet-config ConfigMap does not hold the planned kubelet configuration yet: the first control plane uploads it (kubelet.settings); run apply with it" >&2
  exit 1
fi
# The file the kubelet ran with before this procedure, kept until the new one is in effect: a run cut off after kubeadm
# wrote the new file compares against the same old one and restarts the kubelet again.
before="${APPLIED%/*}/kubelet-config.yaml.before"
if [ ! -f "$before" ]; then
  cp -p "$KUBELET_CONFIG" "$before" 2>/dev/null || : > "$before"
fi
patches=()
if [ -n "$PATCHES_DIR" ]; then
  patches=(--patches "$PATCHES_DIR")
fi
kubeadm upgrade node phase kubelet-config --kubeconfig "$KUBECONFIG_FILE" "${patches[@]}"
if cmp -s "$KUBELET_CONFIG" "$before"; then
  rm -f "$before"
  printf '%s\n' "$DIGEST" > "$APPLIED"
  echo 'the kubelet configuration kubeadm wrote is the one the kubelet runs: no restart'
  exit 0
fi
systemctl restart kubelet
deadline=$((SECONDS + HEALTH_TIMEOUT))
# The kubelet's health endpoint (healthzBindAddress 127.0.0.1, healthzPort), through bash's /dev/tcp: no HTTP client needed.
healthy() {
  local reply
  # shellcheck disable=SC2016 # $1 is the nested bash's own argument
  reply=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3 && cat <&3' _ "$HEALTHZ_PORT" 2>/dev/null) || return 1
  [[ "$reply" == "HTTP/1."?" 200"* ]]
}
until healthy; do
  if [ $SECONDS -ge $deadline ]; then
    echo "the kubelet on $NODE did not answer healthy on 127.0.0.1:$HEALTHZ_PORT within $HEALTH_TIMEOUT s after its restart" >&2
    exit 1
  fi
  sleep 1
done
left=$((deadline - SECONDS))
if [ $left -lt 1 ]; then left=1; fi
kubectl --kubeconfig "$KUBECONFIG_FILE" wait --for=condition=Ready "node/$NODE" --timeout="${left}s"
rm -f "$before"
printf '%s\n' "$DIGEST" > "$APPLIED"
