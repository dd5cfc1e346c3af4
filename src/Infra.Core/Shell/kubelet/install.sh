# prepare.kubelet-unit (after kubelet/unit.sh): write the unit and drop-in, enable the kubelet (kubeadm starts it once
# its configuration exists).
# inputs: KUBELET_UNIT KUBELET_DROPIN
if ! command -v kubelet >/dev/null; then
  echo 'kubelet is not installed' >&2
  exit 1
fi
install -d -m 0755 "$(dirname "$KUBELET_DROPIN")"
infra_kubelet_unit > "$KUBELET_UNIT"
infra_kubeadm_dropin > "$KUBELET_DROPIN"
chmod 0644 "$KUBELET_UNIT" "$KUBELET_DROPIN"
systemctl daemon-reload
systemctl enable kubelet
