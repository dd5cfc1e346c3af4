# Fetch an apt signing key, refuse it unless its only primary key has the expected fingerprint, install it dearmored.
# inputs: KEYRING_DIR KEY_URL KEY_FINGERPRINT KEYRING
install -d -m 0755 "$KEYRING_DIR"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsSL --retry 3 "$KEY_URL" -o "$tmp/key.asc"
fprs=$(gpg --show-keys --with-colons "$tmp/key.asc" | awk -F: '$1 == "pub" { p = 1; next } $1 == "fpr" && p { print $10; p = 0 }')
if [ "$fprs" != "$KEY_FINGERPRINT" ]; then
  echo "the key at $KEY_URL is not the expected one ($KEY_FINGERPRINT); got: $fprs" >&2
  exit 1
fi
gpg --dearmor < "$tmp/key.asc" > "$tmp/key.gpg"
install -m 0644 "$tmp/key.gpg" "$KEYRING"
