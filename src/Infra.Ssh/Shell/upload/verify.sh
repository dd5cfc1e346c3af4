# An uploaded file is checked on the host before it is put in place: a corrupted one is removed (exit 3).
# inputs: TEMP SHA256
set -e
actual=$(sha256sum "$TEMP" | cut -d' ' -f1)
if [ "$actual" != "$SHA256" ]; then
  rm -f "$TEMP"
  echo "checksum mismatch: expected $SHA256, found $actual" >&2
  exit 3
fi
