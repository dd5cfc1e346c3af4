# prepare.containerd-install, bundle source (after bundle/verify.sh, in the bundle cache): containerd and runc under /usr/local.
# inputs: CONTAINERD_ARCHIVE
tar -xzf "$CONTAINERD_ARCHIVE" -C /usr/local
install -m 0755 runc.amd64 /usr/local/sbin/runc
rm -f "$CONTAINERD_ARCHIVE" runc.amd64
systemctl daemon-reload
systemctl enable containerd
