# prepare.host-tools, check: every tool is on PATH; the message names the missing ones and what to do (HINT).
# inputs: TOOLS[] HINT
missing=''
for t in "${TOOLS[@]}"; do
  if ! command -v "$t" >/dev/null; then
    missing="$missing $t"
  fi
done
if [ -n "$missing" ]; then
  echo "missing on this host:$missing ($HINT)" >&2
  exit 1
fi
