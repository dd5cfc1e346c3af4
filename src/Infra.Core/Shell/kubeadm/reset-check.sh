# reset.kubeadm, check: no kubeconfigs, no static pod manifests.
# inputs: KUBELET_CONF ADMIN_CONF MANIFESTS_DIR
[ ! -e "$KUBELET_CONF" ]
[ ! -e "$ADMIN_CONF" ]
[ -z "$(ls -A "$MANIFESTS_DIR" 2>/dev/null)" ]
