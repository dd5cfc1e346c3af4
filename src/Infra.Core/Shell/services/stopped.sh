# reset.services, check. "! cmd" would not stop a set -e script; each test exits explicitly.
# inputs: UNITS[]
for u in "${UNITS[@]}"; do
  if systemctl is-active --quiet "$u.service"; then
    exit 1
  fi
done
