# prepare.etcd-install, repository source: download the release archive into $tmp and check its SHA-256 ($archive).
# inputs: ETCD_ARCHIVE ETCD_URL ETCD_SHA256
if ! command -v curl >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends ca-certificates curl
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
archive="$tmp/$ETCD_ARCHIVE"
curl -fsSL --retry 3 "$ETCD_URL" -o "$archive"
echo "$ETCD_SHA256  $archive" | sha256sum --check --strict --quiet -
