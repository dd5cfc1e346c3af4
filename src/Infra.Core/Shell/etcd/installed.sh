# prepare.etcd-install, check: the tool's etcd binaries at the planned release.
# inputs: INSTALL_DIR ETCD_VERSION
for b in etcd etcdctl etcdutl; do
  if [ ! -x "$INSTALL_DIR/$b" ]; then
    echo "$INSTALL_DIR/$b is missing" >&2
    exit 1
  fi
done
if [ "$("$INSTALL_DIR/etcd" --version | sed -n 1p)" != "etcd Version: $ETCD_VERSION" ]; then
  echo "$INSTALL_DIR/etcd is not v$ETCD_VERSION" >&2
  exit 1
fi
