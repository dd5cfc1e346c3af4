# prepare.kubelet-unit, check (after kubelet/unit.sh).
# inputs: KUBELET_UNIT KUBELET_DROPIN
[ "$(infra_kubelet_unit)" = "$(cat "$KUBELET_UNIT" 2>/dev/null)" ]
[ "$(infra_kubeadm_dropin)" = "$(cat "$KUBELET_DROPIN" 2>/dev/null)" ]
systemctl is-enabled --quiet kubelet
