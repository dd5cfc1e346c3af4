# Before this control plane's static pods restart: every other control plane's API server answers /readyz (asked by
# the name 'kubernetes' its certificate holds), so that a rolling restart never has two API servers down at once.
# inputs: OTHER_APIS[] ADMIN_CONF
for api in "${OTHER_APIS[@]}"; do
  if ! kubectl --kubeconfig "$ADMIN_CONF" --server "$api" --tls-server-name kubernetes get --raw=/readyz >/dev/null 2>&1; then
    echo "the API server at $api does not answer: this control plane is not restarted, so that no two are down at once" >&2
    exit 1
  fi
done
