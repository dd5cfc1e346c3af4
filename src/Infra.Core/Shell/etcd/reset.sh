# reset.etcd and reset.etcd-backup: stop and disable UNITS (the snapshot timer first; an external member's etcd.service
# last), then remove FILES: the snapshot units, script and timer stamp, and for a member its configuration,
# certificates, data and the binaries the tool installed. systemd keeps a persistent timer's stamp in STAMP_DIR: the
# folder goes too when nothing else is in it. Snapshots already taken stay.
# inputs: FILES[] UNITS[] STAMP_DIR
for u in "${UNITS[@]}"; do
  if systemctl cat "$u" >/dev/null 2>&1; then
    systemctl disable --now "$u"
  fi
done
rm -rf "${FILES[@]}"
rmdir "$STAMP_DIR" 2>/dev/null || true
systemctl daemon-reload
