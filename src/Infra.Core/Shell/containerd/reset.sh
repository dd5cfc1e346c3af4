# reset.files (after containerd/mirrors.sh with no kept mirror): remove the tool's mirrors, put back the configuration
# the host had (or remove the tool's), and restart a containerd that stays (preinstalled) with it.
# inputs: CONFIG CONFIG_BACKUP MANAGED_MARKER
infra_stale_mirrors | while IFS= read -r f; do
  rm -f "$f"
  rmdir --ignore-fail-on-non-empty "$(dirname "$f")"
done
if [ -e "$CONFIG_BACKUP" ]; then
  mv "$CONFIG_BACKUP" "$CONFIG"
elif [ -e "$CONFIG" ] && [ "$(head -n 1 "$CONFIG")" = "$MANAGED_MARKER" ]; then
  rm -f "$CONFIG"
fi
# A containerd that stays (preinstalled) goes back to the configuration it had.
if systemctl is-active --quiet containerd; then
  systemctl restart containerd
fi
