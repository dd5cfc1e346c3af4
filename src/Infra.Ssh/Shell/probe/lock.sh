# The probe takes the host lock; a host locked by another run reports its holder and is probed no further.
# inputs: LOCK HOLDER
if ! mkdir "$LOCK" 2>/dev/null; then
  echo "@@locked $(stat -c %Y "$LOCK" 2>/dev/null || echo 0)"
  cat "$LOCK/holder" 2>/dev/null
  exit 0
fi
printf '%s\n' "$HOLDER" > "$LOCK/holder"
