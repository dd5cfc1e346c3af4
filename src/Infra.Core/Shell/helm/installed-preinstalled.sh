# workloads.helm and prepare.helm, preinstalled source: exactly the pinned Helm on PATH, else exit 1 saying what was found
# (prepare runs it too, so a missing Helm is found before kubeadm init rather than after the cluster is up).
# inputs: HELM_VERSION
v=$(helm version --template '{{.Version}}' 2>/dev/null || echo none)
[ "$v" = "$HELM_VERSION" ] || { echo "helm $HELM_VERSION must be on PATH (found $v); packages.source is preinstalled, so nothing is downloaded" >&2; exit 1; }
