# prepare.swap: swap off now and at boot (fstab entries commented, the original kept for reset).
# inputs: SWAP_LINE FSTAB_BACKUP
swapoff -a
if grep -Eq "$SWAP_LINE" /etc/fstab; then
  if [ ! -e "$FSTAB_BACKUP" ]; then
    cp -p /etc/fstab "$FSTAB_BACKUP"
  fi
  sed -Ei "s/(${SWAP_LINE}.*)\$/# disabled by infra: \\1/" /etc/fstab
  systemctl daemon-reload
fi
# Swap units from other sources (zram, swap files set up by the image) stay off too.
systemctl mask swap.target
