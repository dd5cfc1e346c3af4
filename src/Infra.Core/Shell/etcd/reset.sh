# reset.etcd: stop and disable the member, remove its unit, configuration, certificates, data and the binaries the tool
# installed (FILES); the scheduled snapshots' units (UNITS, the timer first) are stopped and disabled before their
# files go. Snapshots already taken stay.
# inputs: FILES[] UNITS[]
for u in "${UNITS[@]}"; do
  if systemctl cat "$u" >/dev/null 2>&1; then
    systemctl disable --now "$u"
  fi
done
if systemctl cat etcd.service >/dev/null 2>&1; then
  systemctl disable --now etcd.service
fi
rm -rf "${FILES[@]}"
systemctl daemon-reload
