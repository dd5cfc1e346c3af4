# reset.services: stop and disable each unit that exists.
# inputs: UNITS[]
for u in "${UNITS[@]}"; do
  if systemctl cat "$u.service" >/dev/null 2>&1; then
    systemctl disable --now "$u.service"
  fi
done
