# prepare.containerd-install, repository source, check: containerd.io at the planned version, and runc.
# inputs: CONTAINERD_VERSION
[ "$(dpkg-query -W -f='${db:Status-Status}' containerd.io 2>/dev/null)" = installed ]
case "$(dpkg-query -W -f='${Version}' containerd.io)" in
  "$CONTAINERD_VERSION"-*) ;;
  *) exit 1 ;;
esac
command -v runc >/dev/null
