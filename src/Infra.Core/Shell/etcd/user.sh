# prepare.etcd-install: the system user the member runs as, and its data folder (0700, the user's).
# inputs: ETCD_USER ETCD_DATA_DIR
if ! getent passwd "$ETCD_USER" >/dev/null; then
  useradd --system --user-group --home-dir "$ETCD_DATA_DIR" --no-create-home --shell /usr/sbin/nologin "$ETCD_USER"
fi
install -d -m 0700 -o "$ETCD_USER" -g "$ETCD_USER" "$ETCD_DATA_DIR"
chmod 0700 "$ETCD_DATA_DIR"
chown "$ETCD_USER:$ETCD_USER" "$ETCD_DATA_DIR"
