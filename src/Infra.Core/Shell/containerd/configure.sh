# prepare.containerd (after containerd/mirrors.sh): install the staged config.toml, keeping a configuration the host
# had for reset; remove stale mirrors; restart containerd and wait for its socket.
# inputs: CONFIG CONFIG_BACKUP CONFIG_STAGED MANAGED_MARKER
install -d -m 0755 /etc/containerd
if [ -e "$CONFIG" ] && [ ! -e "$CONFIG_BACKUP" ] && [ "$(head -n 1 "$CONFIG")" != "$MANAGED_MARKER" ]; then
  cp -p "$CONFIG" "$CONFIG_BACKUP"
fi
install -m 0644 "$CONFIG_STAGED" "$CONFIG"
infra_stale_mirrors | while IFS= read -r f; do
  rm -f "$f"
  rmdir --ignore-fail-on-non-empty "$(dirname "$f")"
done
systemctl enable containerd
systemctl restart containerd
for _ in $(seq 1 30); do
  if [ -S /run/containerd/containerd.sock ]; then
    break
  fi
  sleep 1
done
if [ ! -S /run/containerd/containerd.sock ]; then
  echo 'containerd did not start; see journalctl -u containerd' >&2
  exit 1
fi
