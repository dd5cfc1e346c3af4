# reset.installed, repository source: purge the packages the tool installed (unheld first), remove its apt sources,
# pins and keys, and what else it installed (REMOVE).
# inputs: PACKAGES[] REMOVE[]
installed=()
for p in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ]; then
    installed+=("$p")
  fi
done
if [ "${#installed[@]}" -gt 0 ]; then
  apt-mark unhold "${installed[@]}"
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${installed[@]}"
fi
rm -f "${REMOVE[@]}"
