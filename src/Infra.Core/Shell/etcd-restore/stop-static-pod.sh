# Restore, stacked etcd: move the etcd and control-plane manifests aside (STOPPED_MANIFESTS) and wait until the etcd
# container is gone.
# inputs: STOPPED_MANIFESTS MANIFESTS_DIR CONTROL_PLANE_PODS[] CRI_ENDPOINT
install -d -m 0700 "$STOPPED_MANIFESTS"
for m in etcd "${CONTROL_PLANE_PODS[@]}"; do
  if [ -f "$MANIFESTS_DIR/$m.yaml" ]; then
    mv "$MANIFESTS_DIR/$m.yaml" "$STOPPED_MANIFESTS/$m.yaml"
  fi
done
for _ in $(seq 1 60); do
  if [ -z "$(crictl --runtime-endpoint "$CRI_ENDPOINT" ps --name '^etcd$' -q)" ]; then
    exit 0
  fi
  sleep 1
done
echo 'the etcd container did not stop within 60 s' >&2
exit 1
