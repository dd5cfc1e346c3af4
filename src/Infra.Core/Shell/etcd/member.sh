# etcd.member (after etcd/unit.sh): write the unit; a member without data starts only with the start information the
# engine's etcd coordinator passes (INFRA_ETCD_START, INFRA_ETCD_INITIAL_CLUSTER, INFRA_ETCD_INITIAL_CLUSTER_TOKEN);
# restart when the configuration or binary changed (stamped in CONFIG_STAMP), one member at a time.
# inputs: CONFIG_DIR ETCD_USER ETCD_DATA_DIR UNIT MEMBER_DATA_DIR MANAGED_MARKER INITIAL_CLUSTER_FILE ENV_FILE CONFIG_STAMP JOURNAL_DIR
install -d -m 0755 "$CONFIG_DIR"
install -d -m 0700 -o "$ETCD_USER" -g "$ETCD_USER" "$ETCD_DATA_DIR"
chmod 0700 "$ETCD_DATA_DIR"
infra_etcd_unit > "$UNIT"
chmod 0644 "$UNIT"
restart=no
if [ ! -d "$MEMBER_DATA_DIR" ]; then
  case "${INFRA_ETCD_START:-}" in
    bootstrap | join) ;;
    *)
      echo 'this member has no data and no start information (INFRA_ETCD_START): converge it with infra apply, which adds it to the cluster' >&2
      exit 1
      ;;
  esac
  if [[ ! "${INFRA_ETCD_INITIAL_CLUSTER:-}" =~ ^[a-z0-9.-]+=https://[^,=[:space:]]+(,[a-z0-9.-]+=https://[^,=[:space:]]+)*$ ]]; then
    echo 'INFRA_ETCD_INITIAL_CLUSTER is not a list of name=https://address:port' >&2
    exit 1
  fi
  if [[ ! "${INFRA_ETCD_INITIAL_CLUSTER_TOKEN:-}" =~ ^[A-Za-z0-9._-]+$ ]]; then
    echo 'INFRA_ETCD_INITIAL_CLUSTER_TOKEN is missing or malformed' >&2
    exit 1
  fi
  state=existing
  if [ "$INFRA_ETCD_START" = bootstrap ]; then
    state=new
  fi
  printf '%s\nETCD_INITIAL_CLUSTER=%s\nETCD_INITIAL_CLUSTER_STATE=%s\nETCD_INITIAL_CLUSTER_TOKEN=%s\n' \
    "$MANAGED_MARKER" "$INFRA_ETCD_INITIAL_CLUSTER" "$state" "$INFRA_ETCD_INITIAL_CLUSTER_TOKEN" > "$INITIAL_CLUSTER_FILE"
  chmod 0644 "$INITIAL_CLUSTER_FILE"
  restart=yes
fi
systemctl daemon-reload
# reenable: a distribution's etcd package may have enabled its own unit file under this name.
systemctl reenable --quiet etcd.service
config=$(cat "$ENV_FILE" "$UNIT" "$(command -v etcd)" | sha256sum | cut -d ' ' -f 1)
if [ "$config" != "$(cat "$CONFIG_STAMP" 2>/dev/null)" ] || ! systemctl is-active --quiet etcd.service; then
  restart=yes
fi
if [ "$restart" = yes ]; then
  if [ "${INFRA_ETCD_WAIT:-yes}" = yes ]; then
    # Type=notify: restart returns once the member is ready (a majority answers).
    if ! timeout 120 systemctl restart etcd.service; then
      echo 'etcd did not become ready within 120 s; the end of its log:' >&2
      journalctl -u etcd.service -n 25 --no-pager >&2 || true
      exit 1
    fi
  else
    systemctl restart --no-block etcd.service
  fi
fi
install -d -m 0700 "$JOURNAL_DIR"
printf '%s\n' "$config" > "$CONFIG_STAMP"
if [ -d "$MEMBER_DATA_DIR" ]; then
  rm -f "$INITIAL_CLUSTER_FILE"
fi
