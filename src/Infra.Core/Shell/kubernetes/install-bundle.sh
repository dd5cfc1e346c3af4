# prepare.kubernetes, bundle source (after bundle/verify.sh, in the bundle cache): the binaries and the CNI plugins.
# inputs: CNI_BIN_DIR CNI_ARCHIVE
install -m 0755 kubeadm kubelet kubectl /usr/local/bin/
install -d -m 0755 "$CNI_BIN_DIR"
tar -xzf "$CNI_ARCHIVE" -C "$CNI_BIN_DIR"
rm -f kubeadm kubelet kubectl "$CNI_ARCHIVE"
