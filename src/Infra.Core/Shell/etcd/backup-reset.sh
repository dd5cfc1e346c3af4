# reset.etcd-backup: the scheduled snapshots' units (UNITS, the timer first) stopped and disabled, then their files,
# the script and the timer's stamp removed (FILES). Snapshots already taken stay. systemd keeps a persistent timer's
# stamp in STAMP_DIR: the folder goes too when nothing else is in it.
# inputs: FILES[] UNITS[] STAMP_DIR
for u in "${UNITS[@]}"; do
  if systemctl cat "$u" >/dev/null 2>&1; then
    systemctl disable --now "$u"
  fi
done
rm -rf "${FILES[@]}"
rmdir "$STAMP_DIR" 2>/dev/null || true
systemctl daemon-reload
