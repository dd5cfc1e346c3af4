# Registry mirrors: infra_stale_mirrors prints each hosts.toml under certs.d that the tool wrote (its first line is
# MANAGED_MARKER) and the plan no longer has (not in KEPT_MIRRORS).
# inputs: CERTS_DIR MANAGED_MARKER KEPT_MIRRORS[]
infra_stale_mirrors() {
  local f k kept
  for f in "$CERTS_DIR"/*/hosts.toml; do
    [ -e "$f" ] || continue
    kept=no
    for k in "${KEPT_MIRRORS[@]}"; do
      if [ "$k" = "$f" ]; then
        kept=yes
      fi
    done
    if [ "$kept" = no ] && [ "$(head -n 1 "$f")" = "$MANAGED_MARKER" ]; then
      printf '%s\n' "$f"
    fi
  done
}
