# The installed etcd's version as MAJOR.MINOR.PATCH in $etcd_version.
if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
  echo 'etcd and etcdctl are not installed' >&2
  exit 1
fi
etcd_version=$(etcd --version | sed -n 1p | awk '{ print $3 }')
etcd_version=${etcd_version#v}
etcd_version=${etcd_version%%[~+-]*}
