# Releases a lock, only if HOLDER (this run) holds it; never fails.
# inputs: LOCK HOLDER
if grep -qxF "$HOLDER" "$LOCK/holder" 2>/dev/null; then
  rm -rf "$LOCK" || true
fi
