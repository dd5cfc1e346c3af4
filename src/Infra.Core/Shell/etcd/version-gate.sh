# control-plane.etcd-version: every external etcd member answers the API server's client certificate and runs at least
# MINIMUM_ETCD, what kubeadm for Kubernetes K8S_MINOR accepts (the tool installs ETCD_VERSION).
# inputs: ENDPOINTS[] CA_CERT CLIENT_CERT CLIENT_KEY MINIMUM_ETCD K8S_MINOR ETCD_VERSION
if ! command -v curl >/dev/null; then
  echo 'curl is needed to ask the etcd members for their version' >&2
  exit 1
fi
for endpoint in "${ENDPOINTS[@]}"; do
  if ! answer=$(curl -fsS --max-time 5 --cacert "$CA_CERT" --cert "$CLIENT_CERT" --key "$CLIENT_KEY" "$endpoint/version"); then
    echo "etcd member $endpoint does not answer with the API server's client certificate; converge the etcd members first (infra apply --phase prepare,etcd)" >&2
    exit 1
  fi
  version=$(printf '%s' "$answer" | sed -n 's/.*"etcdserver":"\([0-9.]*\)".*/\1/p')
  if [ -z "$version" ]; then
    echo "etcd member $endpoint did not say its version: $answer" >&2
    exit 1
  fi
  if [ "$(printf '%s\n' "$MINIMUM_ETCD" "$version" | sort -V | sed -n 1p)" != "$MINIMUM_ETCD" ]; then
    echo "refused: etcd member $endpoint runs etcd $version; kubeadm for Kubernetes $K8S_MINOR needs external etcd ≥ $MINIMUM_ETCD. Upgrade the members (packages.source repository or bundle installs v$ETCD_VERSION) before the control plane" >&2
    exit 1
  fi
done
