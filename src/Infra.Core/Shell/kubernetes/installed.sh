# prepare.kubernetes, check: kubeadm, kubelet, kubectl and the CNI plugins are at the plan's versions.
# inputs: K8S_VERSION CNI_BIN_DIR CNI_VERSION
for b in kubeadm kubelet kubectl; do
  if ! command -v "$b" >/dev/null; then
    echo "$b is not installed" >&2
    exit 1
  fi
done
if [ "$(kubeadm version -o short)" != "$K8S_VERSION" ]; then
  echo "kubeadm $(kubeadm version -o short) is installed, $K8S_VERSION is planned" >&2
  exit 1
fi
if [ "$(kubelet --version)" != "Kubernetes $K8S_VERSION" ]; then
  echo "$(kubelet --version) is installed, $K8S_VERSION is planned" >&2
  exit 1
fi
# sed reads all of it: head would exit early and kubectl die of SIGPIPE, which pipefail makes this step's failure.
kubectl_version=$(kubectl version --client 2>/dev/null | sed -n 1p)
if [ "$kubectl_version" != "Client Version: $K8S_VERSION" ]; then
  echo "kubectl reports '$kubectl_version', $K8S_VERSION is planned" >&2
  exit 1
fi
for p in bridge host-local loopback portmap; do
  if [ ! -x "$CNI_BIN_DIR/$p" ]; then
    echo "the CNI plugin $CNI_BIN_DIR/$p is missing" >&2
    exit 1
  fi
done
# Without CNI_COMMAND a plugin prints its name and version.
cni_about=$(env -u CNI_COMMAND "$CNI_BIN_DIR/loopback" 2>&1 </dev/null || true)
case "$cni_about" in
  *" plugin v$CNI_VERSION"*) ;;
  *)
    echo "the CNI plugins are not v$CNI_VERSION: $cni_about" >&2
    exit 1
    ;;
esac
