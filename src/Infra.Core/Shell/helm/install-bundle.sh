# workloads.helm, bundle source: the bundle's archive, checked against the bundle's checksum.
# inputs: HELM_SHA256 HELM_PATH
echo "$HELM_SHA256  $HELM_PATH" | sha256sum -c --quiet -
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$HELM_PATH" -C "$tmp" linux-amd64/helm
install -m 0755 "$tmp/linux-amd64/helm" /usr/local/bin/helm
rm -f "$HELM_PATH"
