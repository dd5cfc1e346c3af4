# reset.files: fstab as it was before prepare.swap, swap.target unmasked.
# inputs: FSTAB_BACKUP
if [ -e "$FSTAB_BACKUP" ]; then
  mv "$FSTAB_BACKUP" /etc/fstab
fi
systemctl unmask swap.target
systemctl daemon-reload
