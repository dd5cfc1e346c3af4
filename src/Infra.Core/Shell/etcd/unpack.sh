# prepare.etcd-install (after etcd/download.sh or etcd/from-bundle.sh): install the release's binaries.
# inputs: ARCHIVE_FOLDER INSTALL_DIR
# shellcheck disable=SC2154 # tmp and archive are set by the source before
tar -xzf "$archive" -C "$tmp"
install -m 0755 "$tmp/$ARCHIVE_FOLDER/etcd" "$tmp/$ARCHIVE_FOLDER/etcdctl" "$tmp/$ARCHIVE_FOLDER/etcdutl" "$INSTALL_DIR/"
