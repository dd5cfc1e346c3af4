# reset.etcd and reset.etcd-backup, check: no unit active, no file left.
# inputs: FILES[] UNITS[]
for u in "${UNITS[@]}"; do
  if systemctl is-active --quiet "$u"; then
    exit 1
  fi
done
for f in "${FILES[@]}"; do
  if [ -e "$f" ]; then
    exit 1
  fi
done
