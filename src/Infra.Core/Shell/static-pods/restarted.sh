# static-pods/restart.sh, check: every static pod manifest is in place (none left parked) and this control plane's API server answers.
# inputs: MANIFEST_DIR PARKED_DIR ADMIN_CONF LOCAL_API
[ ! -d "$PARKED_DIR" ]
[ -f "$MANIFEST_DIR/kube-apiserver.yaml" ]
kubectl --kubeconfig "$ADMIN_CONF" --server "$LOCAL_API" --tls-server-name kubernetes get --raw=/readyz >/dev/null
