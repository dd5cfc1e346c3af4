# Restore, external etcd, on a control plane: move the control-plane manifests aside and wait until kubelet has stopped
# the API server. Prints "stopped" when it moved any (a host that was never initialised has none).
# inputs: STOPPED_MANIFESTS MANIFESTS_DIR CONTROL_PLANE_PODS[] CRI_ENDPOINT
moved=0
install -d -m 0700 "$STOPPED_MANIFESTS"
for m in "${CONTROL_PLANE_PODS[@]}"; do
  if [ -f "$MANIFESTS_DIR/$m.yaml" ]; then
    mv "$MANIFESTS_DIR/$m.yaml" "$STOPPED_MANIFESTS/$m.yaml"
    moved=1
  fi
done
if [ "$moved" = 1 ] && command -v crictl >/dev/null 2>&1; then
  stopped=0
  for _ in $(seq 1 60); do
    if [ -z "$(crictl --runtime-endpoint "$CRI_ENDPOINT" ps --name '^kube-apiserver$' -q)" ]; then
      stopped=1
      break
    fi
    sleep 1
  done
  if [ "$stopped" = 0 ]; then
    echo 'the kube-apiserver container did not stop within 60 s' >&2
    exit 1
  fi
fi
if [ "$moved" = 1 ]; then echo stopped; fi
