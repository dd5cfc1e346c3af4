# Functions printing the kubelet unit and kubeadm's drop-in for the kubelet found on PATH (/usr/bin from packages,
# /usr/local/bin from a bundle, wherever a preinstalled one is).
# inputs: MANAGED_MARKER
infra_kubelet_unit() {
  cat <<EOF_UNIT
$MANAGED_MARKER
[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target containerd.service

[Service]
ExecStart=$(command -v kubelet)
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
EOF_UNIT
}
infra_kubeadm_dropin() {
  cat <<EOF_UNIT
$MANAGED_MARKER
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=$(command -v kubelet) \$KUBELET_KUBECONFIG_ARGS \$KUBELET_CONFIG_ARGS \$KUBELET_KUBEADM_ARGS \$KUBELET_EXTRA_ARGS
EOF_UNIT
}
