# Restore, stacked etcd: put the manifests back (kubelet starts the pods again); the member is ready only once a
# majority of the restored members runs.
# inputs: STOPPED_MANIFESTS MANIFESTS_DIR CONTROL_PLANE_PODS[]
for m in etcd "${CONTROL_PLANE_PODS[@]}"; do
  if [ -f "$STOPPED_MANIFESTS/$m.yaml" ]; then
    mv "$STOPPED_MANIFESTS/$m.yaml" "$MANIFESTS_DIR/$m.yaml"
  fi
done
