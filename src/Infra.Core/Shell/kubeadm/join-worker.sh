# workers.join (after kubeadm/join-config.sh).
# shellcheck disable=SC2154 # join_config is set by kubeadm/join-config.sh
kubeadm join --config "$join_config"
