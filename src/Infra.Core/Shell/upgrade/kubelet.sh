# upgrade.kubelet, on the node once it is drained: the new kubelet (installed by upgrade.packages) starts.
systemctl daemon-reload
systemctl restart kubelet
