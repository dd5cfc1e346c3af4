# etcd.member, check (after etcd/unit.sh): the unit is current, the running member started from this configuration and
# binary, it has data and no first-start file, and every planned member (EXPECTED_MEMBERS: "name/false " each, sorted)
# and no other is a voting member, asked with LOCAL_CTL (etcdctl against this member only).
# inputs: UNIT ENV_FILE CONFIG_STAMP MEMBER_DATA_DIR INITIAL_CLUSTER_FILE LOCAL_CTL[] EXPECTED_MEMBERS
[ "$(infra_etcd_unit)" = "$(cat "$UNIT" 2>/dev/null)" ]
# The running member started from this configuration and this binary (an upgrade restarts it, one member at a time).
[ "$(cat "$ENV_FILE" "$UNIT" "$(command -v etcd)" | sha256sum | cut -d ' ' -f 1)" = "$(cat "$CONFIG_STAMP" 2>/dev/null)" ]
[ "$(systemctl is-enabled etcd.service 2>/dev/null || true)" = enabled ]
systemctl is-active --quiet etcd.service
[ -d "$MEMBER_DATA_DIR" ]
[ ! -e "$INITIAL_CLUSTER_FILE" ]
# Every planned member, and no other, is a voting member.
members=$("${LOCAL_CTL[@]}" member list -w simple | awk -F', ' '{ print $3 "/" $6 }' | LC_ALL=C sort | tr '\n' ' ')
[ "$members" = "$EXPECTED_MEMBERS" ]
