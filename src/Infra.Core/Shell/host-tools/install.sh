# prepare.host-tools, repository source: the OS packages kubeadm's preflight and the apt key checks need.
# inputs: OS_PACKAGES[]
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${OS_PACKAGES[@]}"
