# reset.etcd, check.
# inputs: FILES[]
if systemctl is-active --quiet etcd.service; then
  exit 1
fi
for f in "${FILES[@]}"; do
  if [ -e "$f" ]; then
    exit 1
  fi
done
