# Takes the cluster lock on the first control plane: prints "acquired", or "held SECONDS HOLDER".
# inputs: LOCK HOLDER
if mkdir "$LOCK" 2>/dev/null; then
  printf '%s\n' "$HOLDER" > "$LOCK/holder"
  echo acquired
else
  echo "held $(( $(date +%s) - $(stat -c %Y "$LOCK") )) $(cat "$LOCK/holder" 2>/dev/null)"
fi
