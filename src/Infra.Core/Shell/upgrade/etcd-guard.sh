# upgrade.etcd, before the new minor's etcd is installed on an external member: the tool never downgrades etcd (a member
# already newer than TARGET_ETCD is refused where the tool installs etcd), and a preinstalled etcd (INSTALLS empty) must
# already be at TARGET_ETCD or newer: the operator installs it first.
# inputs: TARGET_ETCD INSTALLS
installed=''
if command -v etcd >/dev/null; then
  installed=$(etcd --version | sed -n 1p | sed 's/^etcd Version: //')
fi
# older A B: version A is older than version B.
older() { [ "$1" != "$2" ] && [ "$(printf '%s\n' "$1" "$2" | sort -V | sed -n 1p)" = "$1" ]; }
if [ -n "$INSTALLS" ] && [ -n "$installed" ] && older "$TARGET_ETCD" "$installed"; then
  echo "refused: this member runs etcd $installed, newer than v$TARGET_ETCD: the tool never downgrades etcd" >&2
  exit 1
fi
if [ -z "$INSTALLS" ] && { [ -z "$installed" ] || older "$installed" "$TARGET_ETCD"; }; then
  echo "refused: etcd ${installed:-(none)} is installed; the new Kubernetes minor needs etcd v$TARGET_ETCD on the external members: install it on every member first (packages.source preinstalled)" >&2
  exit 1
fi
