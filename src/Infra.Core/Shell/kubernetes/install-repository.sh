# prepare.kubernetes, repository source (after apt/fetch-key.sh): the pinned packages from pkgs.k8s.io, held.
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# The pins select the planned versions; held packages change only through this step.
apt-get install -y -q --allow-change-held-packages --allow-downgrades kubelet kubeadm kubectl kubernetes-cni
apt-mark hold kubelet kubeadm kubectl kubernetes-cni
