# prepare.etcd-install, bundle source: the archive the engine copied into the bundle cache, its SHA-256 checked ($archive).
# inputs: BUNDLE_DIR ETCD_ARCHIVE ETCD_SHA256
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
archive="$BUNDLE_DIR/$ETCD_ARCHIVE"
echo "$ETCD_SHA256  $archive" | sha256sum --check --strict --quiet -
