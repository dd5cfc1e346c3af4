# Reads the cluster's health on the first control plane with its admin kubeconfig: the nodes, the control-plane static
# pods and, when monitoring is on, Alertmanager's alerts through the API server's service proxy. Each answer follows a
# marker line with its exit code, so one failing query leaves the others readable; a failure's answer is its stderr.
# inputs: ADMIN_KUBECONFIG ALERTS_PATH
# Not initialized yet (no kubectl, no admin kubeconfig): nothing to ask.
if ! command -v kubectl >/dev/null 2>&1 || [ ! -r "$ADMIN_KUBECONFIG" ]; then
  printf '@@infra-health unavailable 0\n'
  exit 0
fi
err=$(mktemp)
trap 'rm -f "$err"' EXIT
section() {
  local name=$1 out rc=0
  shift
  out=$(kubectl --kubeconfig="$ADMIN_KUBECONFIG" --request-timeout=20s "$@" 2>"$err") || rc=$?
  printf '@@infra-health %s %s\n' "$name" "$rc"
  if [ "$rc" -eq 0 ]; then printf '%s\n' "$out"; else tail -n 5 "$err"; fi
}
section nodes get nodes -o json
section pods get pods -n kube-system -l tier=control-plane -o json
if [ -n "$ALERTS_PATH" ]; then
  section alerts get --raw "$ALERTS_PATH"
fi
exit 0
