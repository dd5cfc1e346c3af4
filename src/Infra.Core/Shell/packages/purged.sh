# reset.installed, repository source, check: no package installed, none of GONE left.
# inputs: PACKAGES[] GONE[]
for p in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ]; then
    exit 1
  fi
done
for f in "${GONE[@]}"; do
  if [ -e "$f" ]; then
    exit 1
  fi
done
