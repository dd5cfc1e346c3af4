# reset.installed, bundle source: remove the binaries, CNI plugins and containerd unit installed from the bundle.
# inputs: REMOVE[]
rm -rf "${REMOVE[@]}"
systemctl daemon-reload
