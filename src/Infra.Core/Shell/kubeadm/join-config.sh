# kubeadm join: the node's join configuration with the apply-time token, written to tmpfs (0600, removed on exit) as
# $join_config; the token never appears on a command line.
# inputs: RUNTIME_DIR KUBEADM_CONFIG TOKEN_PLACEHOLDER
: "${INFRA_JOIN_TOKEN:?INFRA_JOIN_TOKEN (a bootstrap token made at apply time) is required}"
if [[ ! "$INFRA_JOIN_TOKEN" =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]]; then
  echo 'INFRA_JOIN_TOKEN is not a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})' >&2
  exit 1
fi
install -d -m 0700 "$RUNTIME_DIR"
umask 077
join_config=$RUNTIME_DIR/kubeadm-join.yaml
trap 'rm -f "$join_config"' EXIT
template=$(cat "$KUBEADM_CONFIG")
printf '%s\n' "${template//"$TOKEN_PLACEHOLDER"/$INFRA_JOIN_TOKEN}" > "$join_config"
