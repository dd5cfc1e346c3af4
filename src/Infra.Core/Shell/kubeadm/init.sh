# control-plane.init: kubeadm init on the first control plane, once. With kube-vip (KUBE_VIP_INIT_SOURCE set), kube-vip
# runs from super-admin.conf until kubeadm init has given admin.conf its rights, then from admin.conf.
# A run of kubeadm init leaves FRESH with the SHA-256 of the control-plane settings it ran with: control-plane.settings
# then takes them as in effect while they are still the planned ones; KUBELET_FRESH likewise for kubelet.settings.
# inputs: ADMIN_CONF MANIFESTS_DIR KUBEADM_CONFIG KUBE_VIP_INIT_SOURCE KUBE_VIP_SOURCE KUBE_VIP_MANIFEST FRESH SETTINGS KUBELET_FRESH KUBELET_SETTINGS
if [ -f "$ADMIN_CONF" ] && [ -f "$MANIFESTS_DIR/kube-apiserver.yaml" ]; then
  echo 'kubeadm init already ran on this host'
else
  if [ -n "$KUBE_VIP_INIT_SOURCE" ]; then
    install -m 0600 "$KUBE_VIP_INIT_SOURCE" "$KUBE_VIP_MANIFEST"
  fi
  kubeadm init --config "$KUBEADM_CONFIG"
  mkdir -p "${FRESH%/*}"
  sha256sum "$SETTINGS" | cut -d ' ' -f 1 > "$FRESH"
  sha256sum "$KUBELET_SETTINGS" | cut -d ' ' -f 1 > "$KUBELET_FRESH"
fi
if [ -n "$KUBE_VIP_SOURCE" ]; then
  install -m 0600 "$KUBE_VIP_SOURCE" "$KUBE_VIP_MANIFEST"
fi
