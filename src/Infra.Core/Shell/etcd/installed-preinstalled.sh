# prepare.etcd-install, preinstalled source (after etcd/version.sh): an etcd with learners (which member changes need),
# and etcdutl where snapshot restore lives in it.
# inputs: OLDEST_ETCD
# shellcheck disable=SC2154 # etcd_version is set by etcd/version.sh
if [ "$(printf '%s\n' "$OLDEST_ETCD" "$etcd_version" | sort -V | sed -n 1p)" != "$OLDEST_ETCD" ]; then
  echo "etcd $etcd_version is older than $OLDEST_ETCD, the oldest with learners (which member changes need)" >&2
  exit 1
fi
if [ "$(printf '%s\n' '3.5.0' "$etcd_version" | sort -V | sed -n 1p)" = '3.5.0' ] && ! command -v etcdutl >/dev/null; then
  echo "etcd $etcd_version keeps snapshot restore in etcdutl, which is not installed" >&2
  exit 1
fi
