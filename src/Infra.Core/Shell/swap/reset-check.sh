# reset.files, check: swap.target is no longer masked.
[ "$(systemctl is-enabled swap.target 2>/dev/null || true)" != masked ]
