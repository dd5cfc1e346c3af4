# Restore, external etcd, on a control plane: put back what etcd-restore/stop-control-plane.sh moved aside.
# inputs: STOPPED_MANIFESTS MANIFESTS_DIR CONTROL_PLANE_PODS[]
for m in "${CONTROL_PLANE_PODS[@]}"; do
  if [ -f "$STOPPED_MANIFESTS/$m.yaml" ]; then
    mv "$STOPPED_MANIFESTS/$m.yaml" "$MANIFESTS_DIR/$m.yaml"
  fi
done
