# Before taking a lock: its directory exists (0700); --break-lock removes the lock, and a lock whose holder has
# ended (STALE_HOLDER, judged by the engine) is removed only if that holder still has it.
# inputs: LOCK_DIR LOCK BREAK_LOCK STALE_HOLDER
mkdir -p "$LOCK_DIR" && chmod 0700 "$LOCK_DIR"
if [ "$BREAK_LOCK" = yes ]; then
  rm -rf "$LOCK"
elif [ -n "$STALE_HOLDER" ] && grep -qxF "$STALE_HOLDER" "$LOCK/holder" 2>/dev/null; then
  rm -rf "$LOCK"
fi
