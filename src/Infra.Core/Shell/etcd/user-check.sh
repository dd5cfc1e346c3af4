# prepare.etcd-install, check: the user exists and owns the data folder, 0700.
# inputs: ETCD_USER ETCD_DATA_DIR
getent passwd "$ETCD_USER" >/dev/null
[ "$(stat -c '%a %U' "$ETCD_DATA_DIR")" = "700 $ETCD_USER" ]
