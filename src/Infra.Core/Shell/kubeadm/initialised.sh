# control-plane.init, check (after kubeadm/up.sh): the cluster's admin kubeconfig exists.
# inputs: ADMIN_CONF
[ -f "$ADMIN_CONF" ]
