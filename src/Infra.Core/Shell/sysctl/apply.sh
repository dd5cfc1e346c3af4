# prepare.sysctl: load the tool's sysctl file now (systemd-sysctl loads it at boot).
# inputs: SYSCTL_FILE
sysctl --quiet --load="$SYSCTL_FILE"
