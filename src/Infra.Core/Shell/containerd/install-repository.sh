# prepare.containerd-install, repository source (after apt/fetch-key.sh): containerd.io from Docker's repository.
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# The pin selects CONTAINERD_VERSION; containerd.io replaces the distribution's containerd and runc.
apt-get install -y -q --allow-change-held-packages --allow-downgrades containerd.io
apt-mark hold containerd.io
