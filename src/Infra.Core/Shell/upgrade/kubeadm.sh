# upgrade.kubeadm, on the node (after upgrade.packages): the first control plane runs kubeadm upgrade apply, every
# other node kubeadm upgrade node; then the new kubelet starts.
# inputs: FIRST TO_VERSION
if [ "$FIRST" = "true" ]; then
  kubeadm upgrade apply "v$TO_VERSION" --yes
else
  kubeadm upgrade node
fi
systemctl daemon-reload
systemctl restart kubelet
