# prepare.swap, check: no swap active, none in fstab, swap.target masked.
# inputs: SWAP_LINE
[ -z "$(swapon --show --noheadings)" ]
if grep -Eq "$SWAP_LINE" /etc/fstab; then
  exit 1
fi
[ "$(systemctl is-enabled swap.target 2>/dev/null || true)" = masked ]
