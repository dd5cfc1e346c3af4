# Restore, external etcd: stop the member and make sure it is gone.
systemctl stop etcd.service
if systemctl is-active --quiet etcd.service; then
  echo 'etcd did not stop' >&2
  exit 1
fi
