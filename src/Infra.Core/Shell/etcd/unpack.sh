# prepare.etcd-install (after etcd/download.sh or etcd/from-bundle.sh): install the release's binaries, never over a
# newer etcd (the tool does not downgrade etcd).
# inputs: ARCHIVE_FOLDER INSTALL_DIR ETCD_VERSION
if [ -x "$INSTALL_DIR/etcd" ]; then
  installed=$("$INSTALL_DIR/etcd" --version | sed -n 1p | sed 's/^etcd Version: //')
  if [ "$installed" != "$ETCD_VERSION" ] && [ "$(printf '%s\n' "$ETCD_VERSION" "$installed" | sort -V | sed -n 1p)" = "$ETCD_VERSION" ]; then
    echo "refused: $INSTALL_DIR/etcd is etcd $installed, newer than v$ETCD_VERSION: the tool never downgrades etcd" >&2
    exit 1
  fi
fi
# shellcheck disable=SC2154 # tmp and archive are set by the source before
tar -xzf "$archive" -C "$tmp"
install -m 0755 "$tmp/$ARCHIVE_FOLDER/etcd" "$tmp/$ARCHIVE_FOLDER/etcdctl" "$tmp/$ARCHIVE_FOLDER/etcdutl" "$INSTALL_DIR/"
