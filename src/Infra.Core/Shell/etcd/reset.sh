# reset.etcd: stop and disable the member, remove its unit, configuration, certificates, data and the binaries the tool
# installed (FILES).
# inputs: FILES[]
if systemctl cat etcd.service >/dev/null 2>&1; then
  systemctl disable --now etcd.service
fi
rm -rf "${FILES[@]}"
systemctl daemon-reload
