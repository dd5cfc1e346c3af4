# A module built into the kernel has no .ko for modprobe to load, and shows in /sys/module only when it has
# parameters: br_netfilter (none) is there when its sysctls are, overlay when the kernel knows the filesystem.
infra_module_present() {
  case "$1" in
    overlay) grep -qw overlay /proc/filesystems ;;
    br_netfilter) [ -d /sys/module/br_netfilter ] || [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] ;;
  esac
}
