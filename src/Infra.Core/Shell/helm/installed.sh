# workloads.helm, check: exactly the pinned Helm on PATH.
# inputs: HELM_VERSION
v=$(helm version --template '{{.Version}}' 2>/dev/null || echo none)
test "$v" = "$HELM_VERSION"
